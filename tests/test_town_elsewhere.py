"""A US town typed without its state answers "outside", listing its states; local near-misses
still get "did you mean" (geo.places.town_elsewhere, through Atlas.locate and the pages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo import Atlas, PlaceNotFound, read_regions
from geo.places import town_elsewhere

DATA = Path(__file__).resolve().parents[1] / "data"
REGION = "Allegheny County"


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    return Atlas.build(read_regions(DATA / "regions.csv"), DATA)


def test_a_town_in_one_state_is_outside_at_its_own_point(atlas):
    location = atlas.locate("Boise")
    assert not location.in_area and location.areas == ()
    assert location.label == "Boise, Ada County, ID"
    assert location.note == f"Boise is outside {REGION}."
    assert 43 < location.lat < 44 and -117 < location.lon < -116


@pytest.mark.parametrize(
    "typed", ["Sacramento", "sacramento", "12 Main St, Sacramento", "Sacramento, USA"]
)
def test_a_town_in_several_states_is_outside_and_names_them_all(atlas, typed):
    location = atlas.locate(typed)
    assert not location.in_area and location.areas == ()
    assert location.label == "Sacramento (CA, KY, NM or PA)"
    assert "Sacramento is a town in 4 states (CA, KY, NM and PA)" in location.note
    assert f"all outside {REGION}" in location.note
    assert 'Add the state ("Sacramento, CA")' in location.note


def test_with_its_state_the_town_is_that_one(atlas):
    location = atlas.locate("Sacramento, CA")
    assert location.label == "Sacramento, Sacramento County, CA"
    assert not location.in_area and location.note == f"Sacramento is outside {REGION}."


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Pittsburg", "Pittsburgh"),  # also a town in KS, CA, TX...: the local name wins
        ("Lawrencevile", "Lawrenceville, Pittsburgh"),
        ("mount lebannon", "Mount Lebanon Township"),
    ],
)
def test_a_near_miss_of_a_local_name_still_asks_did_you_mean(atlas, typed, meant):
    with pytest.raises(PlaceNotFound) as caught:
        atlas.locate(typed)
    assert meant in caught.value.suggestions
    assert "Did you mean" in caught.value.message


def test_local_places_and_neighbours_are_answered_as_before(atlas):
    assert atlas.locate("Oakland").in_area  # also a town in CA, but it is a neighbourhood here
    aliquippa = atlas.locate("Aliquippa")
    assert not aliquippa.in_area and aliquippa.label == "Aliquippa, Beaver County, PA"


@pytest.mark.parametrize("typed", ["Carson", "Carson, PA", "Wabash", "Montour PA"])
def test_a_postal_name_of_the_regions_own_zips_is_never_outside(atlas, typed):
    # USPS names of Pittsburgh ZIPs that the gazetteer lacks; also towns in other states.
    with pytest.raises(PlaceNotFound):
        atlas.locate(typed)


def test_the_town_is_named_as_typed_not_by_its_zips_main_city(atlas):
    carson = atlas.locate("Carson, CA")  # an acceptable name: its first ZIP's city differs
    assert carson.label.startswith("Carson, ") and carson.label.endswith(", CA")
    assert carson.note == f"Carson is outside {REGION}."


def test_nonsense_is_still_not_found(atlas):
    with pytest.raises(PlaceNotFound):
        atlas.locate("zzqx blorp")


def test_town_elsewhere_without_a_gazetteer_and_its_fields():
    several = town_elsewhere("Springfield")
    assert several is not None and "IL" in several.states and "MA" in several.states
    assert several.point is None and several.lat is None and several.lon is None
    assert several.state == ", ".join(several.states) and several.county == ""
    one = town_elsewhere("Springfield, IL")
    assert one is not None and one.states == ("IL",) and one.county == "Sangamon County"
    assert one.lat is not None and one.message("X") == "Springfield is outside X."
    assert town_elsewhere("Main Street") is None and town_elsewhere("") is None
    home = {"15203"}  # Carson is a USPS name of Pittsburgh's 15203
    assert town_elsewhere("Carson") is not None and town_elsewhere("Carson", home_zips=home) is None
    assert town_elsewhere("Carson, PA", home_zips=home) is None
    assert town_elsewhere("Carson, CA", home_zips=home) is not None
    assert town_elsewhere("15213") is None


def test_the_find_help_page_says_outside_for_a_far_town_without_its_state(client):
    response = client.get("/", query_string={"near": "Sacramento"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sacramento (CA, KY, NM or PA) is outside Allegheny County" in page
    assert 'href="tel:211"' in page and 'href="tel:988"' in page
