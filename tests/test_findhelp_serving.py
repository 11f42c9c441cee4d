"""Serving means serving: an agency is listed for a place only when its service area holds it."""

from __future__ import annotations

import csv

import pytest

from directory.config import DEFAULT_DATA_DIR
from directory.findhelp import find_help
from directory.matching import MatchQuery, match
from directory.serialise import find_help_json

MUNICIPALITY_KINDS = {"city", "borough", "township"}
NEIGHBOURHOOD_KINDS = {"neighbourhood", "district"}


def _rows(name: str) -> list[dict]:
    with (DEFAULT_DATA_DIR / name).open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


REGIONS = {row["id"]: row for row in _rows("regions.csv")}
PLACES = [
    row for row in _rows("places.csv") if row["kind"] in MUNICIPALITY_KINDS | NEIGHBOURHOOD_KINDS
]


def chain(area_id: str) -> set[str]:
    """The area and every area above it, read straight from regions.csv."""
    found: set[str] = set()
    while area_id and area_id not in found:
        found.add(area_id)
        area_id = REGIONS[area_id]["parent"]
    return found


def brochure_name(area_id: str) -> str:
    return "County-wide" if not REGIONS[area_id]["parent"] else REGIONS[area_id]["name"]


def test_every_agency_area_list_is_a_line_of_the_brochure(bundled_directory, brochure_text):
    lines = {line.strip() for line in brochure_text.splitlines()}
    for agency in bundled_directory.formal_agencies:
        assert ", ".join(brochure_name(a) for a in agency.area_ids) in lines, agency.id


@pytest.mark.parametrize("row", PLACES, ids=[row["name"] for row in PLACES])
def test_every_municipality_and_neighbourhood_lists_only_agencies_whose_areas_hold_it(
    bundled_directory, row
):
    place = next(p for p in bundled_directory.atlas.places if p.name == row["name"])
    location = bundled_directory.atlas.locate(place.label)
    holding = set().union(*(chain(a) for a in row["areas"].split(";")))
    result = match(bundled_directory, location)
    for found in result.agencies:
        assert holding & set(found.agency.area_ids), (row["name"], found.agency.id)
        assert found.covers_place
    # A neighbourhood or municipality inside one area is never "partly" served by another.
    assert list(result.partial) == [] or row["name"] == "Pittsburgh"


# Every agency that serves less than the whole county, read from the data.
LOCAL = {
    row["id"]
    for row in _rows("agencies.csv")
    if row["kind"] == "formal" and REGIONS[row["areas"].split(";")[0]]["parent"]
}


@pytest.mark.parametrize(
    ("near", "allowed"),
    [
        ("Squirrel Hill", set()),
        ("15217", set()),
        ("Carrick", set()),
        ("Stanton Heights", set()),
        ("McKeesport", {"mon-yough-community-services"}),
        ("West Mifflin", {"mon-yough-community-services"}),
        ("Clairton", {"mon-yough-community-services"}),
    ],
)
def test_places_list_no_agency_of_another_area(bundled_directory, near, allowed):
    answer = find_help(bundled_directory, MatchQuery(near))
    local = {m.agency.id for m in answer.match.agencies} & (LOCAL | allowed)
    assert local <= allowed
    assert {m.agency.id for m in answer.partial} == set()


@pytest.mark.parametrize(
    ("near", "own"),
    [
        ("Bridgeville", "chartiers-mh-mr"),
        ("15120", "turtle-creek-valley-mh-mr"),  # Homestead's own ZIP
        ("Lawrenceville", "western-psychiatric-institute-and-clinic"),
        ("Northside", "mercy-behavioral-health"),
    ],
)
def test_places_still_list_their_own_agency(bundled_directory, near, own):
    result = match(bundled_directory, bundled_directory.atlas.locate(near))
    assert own in {m.agency.id for m in result.agencies}


def test_a_zip_straddling_an_area_names_the_part_each_partial_agency_serves(bundled_directory):
    body = find_help_json(find_help(bundled_directory, MatchQuery("15201")), bundled_directory)
    assert "western-psychiatric-institute-and-clinic" not in {a["id"] for a in body["agencies"]}
    partial = {a["id"]: a for a in body["partial"]}
    assert partial["western-psychiatric-institute-and-clinic"]["serves_parts"] == [
        {"id": "lawrenceville", "name": "Lawrenceville"}
    ]


def test_15201_and_stanton_heights_agree(bundled_directory):
    by_zip = match(bundled_directory, bundled_directory.atlas.locate("15201"))
    by_name = match(bundled_directory, bundled_directory.atlas.locate("Stanton Heights"))
    assert [m.id for m in by_zip.agencies] == [m.id for m in by_name.agencies]
    assert "western-psychiatric-institute-and-clinic" not in {m.id for m in by_name.partial}


def test_no_agency_assigned_is_said_once_in_the_brochures_words(bundled_directory):
    result = match(bundled_directory, bundled_directory.atlas.locate("Squirrel Hill"))
    notices = [g for g in result.gaps if g.kind == "region-wide only"]
    assert len(notices) == 1
    assert notices[0].message.startswith(
        "No service coordination agency is assigned to Squirrel Hill"
    )
    assert "these Allegheny County-wide agencies serve you: " in notices[0].message


def test_page_puts_partial_agencies_in_their_own_block(client):
    page = client.get("/", query_string={"near": "15201"}).get_data(as_text=True)
    block = page.index('id="partial-heading"')
    assert page.index("Western Psychiatric", block) > block
    assert "If you live in Lawrenceville:" in page
