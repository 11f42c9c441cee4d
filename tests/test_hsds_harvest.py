"""Harvesting our own /hsds API as NDJSON and importing it loses no need link.

HSDS nests a service's taxonomy terms but not their parents, so a need's parent (its Open
Eligibility category term, an id of our need taxonomy) is looked up by its id rather than
reported as a broken link and dropped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from directory import create_app
from directory.config import DEFAULT_DATA_DIR
from directory.hsds import import_hsds
from directory.hsds.taxonomy import CATEGORY_PREFIX, NEED
from directory.loading import load_data

SETTINGS = {"GEOCODER": "offline", "INDEX_DIR": ":memory:"}


def needs_of(folder: Path) -> dict[str, tuple]:
    """code -> what a need is, minus synonyms (attributes of a term: not in the API's schemas)."""
    return {n.code: (n.label, n.description, n.open_eligibility) for n in load_data(folder).needs}


def agency_needs(folder: Path) -> dict[str, tuple[str, ...]]:
    return {a.name: tuple(sorted(a.needs)) for a in load_data(folder).agencies}


@pytest.fixture(scope="module")
def harvest(tmp_path_factory) -> Path:
    client = create_app(SETTINGS).test_client()
    folder = tmp_path_factory.mktemp("harvest") / "feed"
    folder.mkdir()
    services = client.get("/hsds/services?format=ndjson&full=true&per_page=100")
    assert services.status_code == 200 and services.mimetype == "application/x-ndjson"
    assert services.data.count(b"\n") == len(load_data(DEFAULT_DATA_DIR).agencies)
    (folder / "services.ndjson").write_bytes(services.data)
    terms = client.get("/hsds/taxonomy_terms?format=ndjson&per_page=100")
    assert terms.status_code == 200
    (folder.parent / "taxonomy_terms.ndjson").write_bytes(terms.data)
    return folder


def test_a_services_harvest_imports_every_need_link_with_its_category(harvest, tmp_path):
    report = import_hsds(harvest / "services.ndjson", tmp_path / "data")
    assert report.written
    assert not report.problems, [str(p) for p in report.problems]
    assert report.exit_status == 0
    bundled, imported = needs_of(DEFAULT_DATA_DIR), needs_of(tmp_path / "data")
    # Every need some service uses comes back, with its Open Eligibility category; a need no
    # service uses is not in a services harvest (see the next test).
    used = {code for needs in agency_needs(DEFAULT_DATA_DIR).values() for code in needs}
    assert imported == {code: bundled[code] for code in used}
    assert all(category for _, _, category in imported.values())
    assert agency_needs(tmp_path / "data") == agency_needs(DEFAULT_DATA_DIR)


def test_services_and_taxonomy_terms_harvested_give_the_same_20_needs(harvest, tmp_path):
    both = harvest.parent / "both"
    both.mkdir(exist_ok=True)
    (both / "services.ndjson").write_bytes((harvest / "services.ndjson").read_bytes())
    (both / "taxonomy_terms.ndjson").write_bytes(
        (harvest.parent / "taxonomy_terms.ndjson").read_bytes()
    )
    report = import_hsds(both, tmp_path / "data")
    assert report.written
    assert not report.problems, [str(p) for p in report.problems]
    assert report.exit_status == 0
    assert len(needs_of(tmp_path / "data")) == 20
    assert needs_of(tmp_path / "data") == needs_of(DEFAULT_DATA_DIR)
    assert agency_needs(tmp_path / "data") == agency_needs(DEFAULT_DATA_DIR)


def test_a_parent_outside_our_need_taxonomy_is_still_reported(harvest, tmp_path):
    """Only our own category ids are looked up; any other missing parent is a lost link."""
    text = (harvest / "services.ndjson").read_text(encoding="utf-8")
    needs = load_data(DEFAULT_DATA_DIR).needs
    category = NEED.term_id(CATEGORY_PREFIX + needs[0].open_eligibility)
    assert category in text
    broken = text.replace(category, "00000000-0000-4000-8000-000000000000")
    (tmp_path / "feed.ndjson").write_text(broken, encoding="utf-8")
    report = import_hsds(tmp_path / "feed.ndjson", tmp_path / "data")
    lost = [p for p in report.problems if "matches no taxonomy_term" in p.reason]
    assert lost and all(p.field == "parent_id" for p in lost)
    assert report.exit_status == 2
