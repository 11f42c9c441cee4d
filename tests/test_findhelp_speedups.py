"""find_help keeps what the derived query alone decides (matching.plans, lists split and
counted once): an answer must not depend on who asked before, each person's own point still
decides their distances and their place names their gaps, nothing kept names a person's place
or words, and what is kept stays within its bound."""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path

import pytest

from directory.catalog import Directory
from directory.config import DEFAULT_DATA_DIR
from directory.findhelp import find_help
from directory.matching import MatchQuery, plans
from directory.serialise import find_help_json

# Places of every kind: ZIPs (one straddling areas: agencies serving part of it), towns,
# neighbourhoods, points and a typed address; with needs, ages, levels, words and pages.
ASKS = [
    {"near": "15213"},
    {"near": "15201", "age": "adult", "need": "housing"},
    {"near": "Pittsburgh", "need": "crisis,food"},
    {"near": "McKeesport", "age": "child", "level": "blended"},
    {"near": "Oakland", "need": "employment", "page": "2", "page_size": "3"},
    {"near": "40.4410,-79.9580", "age": "child", "need": "housing"},
    {"near": "40.4436,-79.9541", "age": "child", "need": "housing"},
    {"near": "40.35,-79.86", "need": "legal,transportation", "years": "15"},
    {"near": "Wexford", "level": "administrative", "q": "suicidal"},
    {"near": "7 Quokka Lane, Pittsburgh PA 15213", "q": "rent", "need": "food"},
    {"near": "Homestead", "age": "adult", "need": "substance-use", "q": "drug rehab"},
    {"q": "food"},
]


RARE = "recreation"


@pytest.fixture(scope="module")
def pointed_data(tmp_path_factory) -> Path:
    """The bundled region with 300 invented agencies, many with an office of their own, so
    lists ordered by distance to the person's point are common (marked sample). Only some in
    the Mon Valley list recreation, a need no bundled agency lists: elsewhere it is a gap."""
    folder = tmp_path_factory.mktemp("pointed") / "data"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    with (folder / "regions.csv").open(encoding="utf-8") as file:
        areas = [row["id"] for row in csv.DictReader(file)]
    with (folder / "needs.csv").open(encoding="utf-8") as file:
        needs = [row["code"] for row in csv.DictReader(file) if row["code"] != RARE]
    with (folder / "agencies.csv").open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        columns, rows = reader.fieldnames or [], list(reader)
    rng = random.Random(4)
    for n in range(300):
        formal = rng.random() < 0.7
        has_point = rng.random() < 0.4
        rare = n % 20 == 0
        rows.append(
            {
                "id": f"sample-agency-{n}",
                "name": f"Sample {rng.choice(['Valley', 'River', 'Hill'])} Services {n % 40}",
                "kind": "formal" if formal else "informal",
                "levels": ";".join(rng.sample(["blended", "administrative"], rng.randint(1, 2)))
                if formal
                else "",
                "age_groups": ";".join(rng.sample(["adult", "child"], rng.randint(1, 2))),
                "areas": "mon-valley" if rare else ";".join(rng.sample(areas, rng.randint(1, 2))),
                "needs": RARE if rare else ";".join(rng.sample(needs, rng.randint(1, 3))),
                "phones": f"412-555-{n:04d}",
                "latitude": f"{rng.uniform(40.3, 40.6):.5f}" if has_point else "",
                "longitude": f"{rng.uniform(-80.2, -79.8):.5f}" if has_point else "",
                "how_to_refer": rng.choice(["Call.", "Write.", ""]),
                "source": "tests: invented sample, not a real agency",
            }
        )
    with (folder / "agencies.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return folder


def _answers(directory: Directory, asks: list[dict]) -> list[str]:
    found = []
    for ask in asks:
        answer = find_help(directory, MatchQuery.read(ask, directory))
        shown = (answer.how_to_refer, answer.facets, [answer.section_key(n) for n in answer.LISTS])
        found.append(json.dumps([find_help_json(answer, directory), repr(shown)], default=str))
    return found


def _load(folder: Path) -> Directory:
    return Directory.load(folder, {"GEOCODER": "offline"}, search_index=False)


def test_an_answer_does_not_depend_on_who_asked_before(pointed_data):
    asks = ASKS * 2  # the second time round every plan is kept already
    forward = _answers(_load(pointed_data), asks)
    backward = _answers(_load(pointed_data), asks[::-1])[::-1]
    one_at_a_time = [_answers(_load(pointed_data), [ask])[0] for ask in ASKS]
    assert forward == backward == one_at_a_time * 2


def test_two_people_in_the_same_areas_get_their_own_distances_and_place_names(pointed_data):
    directory = _load(pointed_data)
    here, there = ASKS[5]["near"], ASKS[6]["near"]  # two points in Oakland
    with_gap = {"age": "child", "need": RARE}
    first, second = (
        find_help(directory, MatchQuery.read({**with_gap, "near": near}, directory))
        for near in (here, there)
    )
    assert first.whole == second.whole and first.match and second.match
    assert first.match.parts == second.match.parts
    assert {found.id for found in first.others} == {found.id for found in second.others}
    assert {found.id: found.distance_km for found in first.others} != {
        found.id: found.distance_km for found in second.others
    }  # the same agencies, measured from each person's own point
    for answer, other in ((first, second), (second, first)):
        assert answer.match and answer.match.gaps
        for gap in answer.match.gaps:
            if gap.kind == "gap":
                assert answer.location.label in gap.message
                assert other.location.label not in gap.message


def test_kept_plans_are_keyed_by_codes_and_hold_no_persons_place_or_words(pointed_data):
    directory = _load(pointed_data)
    # The typed point and its label (agencies' own coordinates are data, and may be kept).
    secrets = ("Quokka", "quokka", "suicidal", "rehab", "40.4410,", "40.44100, -79.958", "40.35000")
    for ask in ASKS:
        find_help(directory, MatchQuery.read(ask, directory))
    kept = directory.memo(("match-plans",), dict)
    assert kept  # plans were kept...
    for key, plan in kept.items():
        assert all(isinstance(part, (str, int, tuple, type(None))) for part in key)
        text = repr(key) + repr(plan)
        assert not any(secret in text for secret in secrets)  # ...without what people typed


def test_plans_kept_stay_within_their_bound(pointed_data, monkeypatch):
    expected = _answers(_load(pointed_data), ASKS)
    monkeypatch.setattr(plans, "MAX_KEPT_PLAN_BYTES", 1)  # nothing is worth keeping
    directory = _load(pointed_data)
    assert _answers(directory, ASKS) == expected
    assert len(directory.memo(("match-plans",), dict)) <= 1
