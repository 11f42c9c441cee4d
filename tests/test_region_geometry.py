"""The region builder's vectorised geometry gives the same answers as one point at a time:
counties holding points, ZIP-to-county membership, and county outlines decoded arc by arc."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import Point

from geo.counties import CountyFile, decode_arcs, geometry_shape
from geo.region import zip_counties
from geo.zips import package_zips


@pytest.fixture(scope="module")
def counties() -> CountyFile:
    return CountyFile.default()


@pytest.fixture(scope="module")
def sample() -> list[dict]:
    """Every 97th ZIP of the package with a point: a few hundred across every state."""
    records = [r for r in package_zips() if r.get("lat") and r.get("long")]
    return records[::97]


def test_many_points_land_in_the_same_county_as_one_by_one(counties, sample):
    lons = [float(r["long"]) for r in sample]
    lats = [float(r["lat"]) for r in sample]
    one_by_one = [counties.containing(lon, lat) for lon, lat in zip(lons, lats)]
    assert sum(code is not None for code in one_by_one) > len(sample) * 0.9
    assert counties.containing_all(lons, lats) == one_by_one
    # Trying the feed's likely counties first changes nothing but the work done.
    likely = [c for c in one_by_one if c][:3]
    assert counties.containing_all(lons, lats, likely=likely) == one_by_one
    assert counties.containing_all([], []) == []
    assert counties.containing_all([0.0], [0.0]) == [None]  # the Gulf of Guinea


def test_zip_membership_within_counties_agrees_with_the_whole_country(counties, sample):
    everywhere = zip_counties(sample, counties)
    wanted = sorted(set(everywhere.values()))[:25]
    within = zip_counties(sample, counties, wanted)
    assert within == {z: c for z, c in everywhere.items() if c in wanted}
    assert list(within) == [r["zip_code"] for r in sample if r["zip_code"] in within]


def test_a_zip_with_no_county_name_is_placed_by_its_point(counties):
    record = {"zip_code": "00000", "county": "", "state": "CA", "lat": "37.5", "long": "-122.3"}
    assert zip_counties([record], counties) == {"00000": "06081"}
    assert zip_counties([record], counties, ["06081"]) == {"00000": "06081"}
    assert zip_counties([record], counties, ["06085"]) == {}


@pytest.mark.parametrize("fips", ["06081", "48301", "42003", "02016"])
def test_outlines_decoded_arc_by_arc_equal_the_whole_file_decoded(counties, fips):
    topology = json.loads(counties.path.read_text(encoding="utf-8"))
    whole = geometry_shape(counties.geometries[fips], decode_arcs(topology))
    assert counties.shape(fips).equals_exact(whole, 0.0)
    assert counties.shape(fips) is counties.shape(fips)  # built once
    assert counties.shape(fips).contains(whole.representative_point())
    assert not counties.shape(fips).contains(Point(0.0, 0.0))
