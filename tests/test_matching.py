"""Matching a person to agencies, built from the brochure's own service areas (no Flask)."""

from __future__ import annotations

import pytest

from directory.catalog import Directory
from directory.errors import BadInput
from directory.matching import MatchQuery, match
from directory.records import AgeGroup, Level
from directory.screening import suggest_level


def ids(found) -> list[str]:
    return [m.agency.id for m in found]


@pytest.mark.parametrize(
    ("near", "expected_local"),
    [
        ("Bridgeville", "chartiers-mh-mr"),  # "South Hills, Bridgeville"
        ("Homestead", "turtle-creek-valley-mh-mr"),  # "Braddock, Homestead, Turtle Creek"
        ("15104", "turtle-creek-valley-mh-mr"),  # Braddock by ZIP
        ("Oakland", "western-psychiatric-institute-and-clinic"),  # "Oakland, Lawrenceville"
        ("Lawrenceville", "western-psychiatric-institute-and-clinic"),
    ],
)
def test_person_is_covered_by_the_agency_serving_their_brochure_area(
    bundled_directory, near, expected_local
):
    location = bundled_directory.atlas.locate(near)
    result = match(bundled_directory, location)
    found = ids(result.agencies)
    assert expected_local in found
    # County-wide agencies cover everyone inside the county.
    assert {"family-links", "hsao", "pressley-ridge", "allegheny-childrens-initiative"} <= set(
        found
    )
    assert all(m.covers_place for m in result.agencies if m.agency.id in {expected_local, "hsao"})


def test_agency_for_another_area_does_not_cover_the_person(bundled_directory):
    result = match(bundled_directory, bundled_directory.atlas.locate("Bridgeville"))
    assert "mon-yough-community-services" not in ids(result.agencies)
    assert "staunton-clinic" not in ids(result.agencies)


def test_age_group_filters_agencies(bundled_directory):
    location = bundled_directory.atlas.locate("Oakland")
    adults = ids(match(bundled_directory, location, AgeGroup.ADULT).agencies)
    children = ids(match(bundled_directory, location, AgeGroup.CHILD).agencies)
    assert "hsao" in adults and "hsao" not in children
    assert "pressley-ridge" in children and "pressley-ridge" not in adults


def test_agencies_rank_by_needs_met_then_level_then_distance(bundled_directory):
    location = bundled_directory.atlas.locate("Oakland")
    result = match(
        bundled_directory,
        location,
        AgeGroup.CHILD,
        ["mental-health", "family-support"],
        Level.BLENDED,
    )
    first = result.agencies[0]
    assert set(first.needs_met) == {"mental-health", "family-support"} and first.offers_level
    keys = [(-len(m.needs_met), not m.offers_level) for m in result.agencies]
    assert keys == sorted(keys)


def test_need_nobody_covering_offers_is_a_gap_with_informal_alternative(bundled_directory):
    location = bundled_directory.atlas.locate("Bridgeville")
    result = match(bundled_directory, location, AgeGroup.ADULT, ["substance-use"])
    gap = next(g for g in result.gaps if g.need == "substance-use")
    assert gap.kind == "gap"
    assert "No service coordination agency serving" in gap.message
    assert "988-suicide-and-crisis-lifeline" in ids(gap.alternatives)
    assert "988-suicide-and-crisis-lifeline" in ids(result.informal)


def test_level_and_age_gap_names_the_nearest_provider_outside_with_distance(data_copy):
    # Without the county-wide child agencies, nobody serving the Northside offers child coordination.
    path = data_copy / "agencies.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = ("allegheny-childrens-initiative,", "pressley-ridge,", "family-links,")
    path.write_text(
        "".join(line for line in lines if not line.startswith(dropped)), encoding="utf-8"
    )
    directory = Directory.load(data_copy, {"GEOCODER": "offline"})
    location = directory.atlas.locate("Northside")
    result = match(directory, location, AgeGroup.CHILD, level=Level.BLENDED)
    gap = next(g for g in result.gaps if g.level is Level.BLENDED and g.age_group is AgeGroup.CHILD)
    assert gap.kind == "gap"
    assert "No agency serving" in gap.message and "Blended coordination for children" in gap.message
    assert gap.alternatives, "a provider outside the area is named"
    nearest = gap.alternatives[0]
    assert not nearest.covers_place and nearest.distance_km > 0
    assert [a.distance_km for a in gap.alternatives] == sorted(
        a.distance_km for a in gap.alternatives
    )
    assert f"{nearest.distance_km:.1f} km away" in gap.message


def test_only_region_wide_providers_is_reported_in_plain_words(bundled_directory):
    # Mercy Behavioral Health (North Hills, Northside, Southside) serves adults only.
    result = match(bundled_directory, bundled_directory.atlas.locate("Northside"), AgeGroup.CHILD)
    notice = next(g for g in result.gaps if g.level is Level.BLENDED)
    assert notice.kind == "region-wide only"
    assert notice.message.startswith(
        "No agency based in Northside offers Blended coordination for children"
    )
    assert "Allegheny County-wide agencies do" in notice.message


def test_outside_the_region_matches_nothing_and_reports_no_gaps(bundled_directory):
    location = bundled_directory.atlas.locate("15301")  # Washington, PA
    result = match(bundled_directory, location)
    assert not location.in_area and len(result.agencies) == 0 and result.gaps == ()


def test_informal_supports_nearby_for_the_needs(bundled_directory):
    result = match(bundled_directory, bundled_directory.atlas.locate("15213"), needs=["education"])
    found = ids(result.informal)
    assert "carnegie-library-of-pittsburgh" in found
    library = next(m for m in result.informal if m.agency.id == "carnegie-library-of-pittsburgh")
    assert library.distance_km < 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "Enter a ZIP code, town, neighbourhood or address in Allegheny County."),
        ({"near": "15213", "age": "teen"}, 'Unknown age "teen". Choose adult or child.'),
        (
            {"near": "15213", "level": "max"},
            'Unknown level "max". Choose blended or administrative.',
        ),
        ({"near": "15213", "need": ["rent"]}, 'Unknown need "rent"'),
        ({"near": "15213", "years": "old"}, 'Age in years must be a whole number, not "old".'),
        ({"near": "15213", "years": "200"}, "Age in years must be between 0 and 120."),
    ],
)
def test_match_query_explains_bad_input(bundled_directory, args, message):
    with pytest.raises(BadInput) as raised:
        MatchQuery.read(args, bundled_directory)
    assert message in raised.value.message


def test_level_screener_suggests_and_explains_without_deciding():
    blended = suggest_level({"hospitalised", "crises"})
    assert blended.level is Level.BLENDED
    assert "around the clock" in blended.explanation and "only a suggestion" in blended.explanation
    occasional = suggest_level({"occasional"})
    assert occasional.level is Level.ADMINISTRATIVE
    assert "no diagnosis or treatment history" in occasional.explanation
    assert suggest_level(set()).level is None


def test_agency_for_the_persons_own_area_ranks_before_region_wide_ones(bundled_directory):
    result = match(bundled_directory, bundled_directory.atlas.locate("Homestead"), AgeGroup.CHILD)
    assert ids(result.agencies)[:2] == ["turtle-creek-valley-mh-mr", "mon-yough-community-services"]
