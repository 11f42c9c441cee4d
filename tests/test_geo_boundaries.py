"""Geo with real boundaries: points by polygon, what a place resolved to, broken geo files.

The polygons checked against come from the reference folder (../shared/geo), read here only;
the product reads its own converted copies in data/.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Point, shape

from geo import Atlas, read_regions
from geo.places import normalise_name, strip_kind

DATA = Path(__file__).resolve().parents[1] / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "geo"
METRES_PER_DEGREE = 85_000  # longitude at 40.4 N; latitude is 111 km, so this is conservative


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    return Atlas.build(read_regions(DATA / "regions.csv"), DATA)


def _key(name: str) -> str:
    return strip_kind(normalise_name(name)).replace(" ", "").removesuffix("city")


def _reference_polygons() -> list[tuple[object, str]]:
    """(polygon, deepest brochure area per data/places.csv) for every municipality outside the
    city and every city neighbourhood, from the reference files, not from the product's copy."""
    with (DATA / "places.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    deepest = {
        (_key(r["name"]), r["kind"] == "neighbourhood"): r["areas"].split(";")[-1]
        for r in rows
        if r["kind"] in ("city", "borough", "township", "neighbourhood")
    }
    found = []
    munis = json.loads((SHARED / "allegheny_municipalities_2011.geojson").read_text())
    for feature in munis["features"]:
        if feature["properties"]["LABEL"] != "Pittsburgh":
            found.append(
                (shape(feature["geometry"]), deepest[(_key(feature["properties"]["LABEL"]), False)])
            )
    hoods = json.loads((SHARED / "pittsburgh_neighborhoods_2010.geojson").read_text())
    for feature in hoods["features"]:
        if feature["properties"]["HOOD"] != "Mount Oliver Borough":
            found.append(
                (shape(feature["geometry"]), deepest[(_key(feature["properties"]["HOOD"]), True)])
            )
    return found


@pytest.mark.skipif(not SHARED.exists(), reason="reference boundaries not present")
def test_thousands_of_points_land_in_the_area_of_the_polygon_holding_them(atlas):
    polygons = _reference_polygons()
    geoms = [g for g, _ in polygons]
    tree = shapely.STRtree(geoms)
    rng = random.Random(11)
    x0, y0, x1, y1 = shapely.union_all(geoms).bounds
    agree = near_edge = total = 0
    while total < 3000:
        point = Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        holders = [i for i in tree.query(point) if geoms[i].contains(point)]
        if len(holders) != 1:
            continue  # outside the county, or in a river between neighbourhoods
        total += 1
        areas = atlas.locate(f"{point.y},{point.x}").areas
        if areas and areas[-1] == polygons[holders[0]][1]:
            agree += 1
        elif geoms[holders[0]].boundary.distance(point) * METRES_PER_DEGREE <= 50:
            near_edge += 1
    assert agree >= 0.99 * total
    assert agree + near_edge == total


@pytest.mark.parametrize(
    ("typed", "areas", "place", "kind"),
    [
        ("Squirrel Hill", ("allegheny-county", "pittsburgh"), "Squirrel Hill", "district"),
        ("Stanton Heights", ("allegheny-county", "pittsburgh"), "Stanton Heights", "neighbourhood"),
        ("Carrick", ("allegheny-county", "pittsburgh"), "Carrick", "neighbourhood"),
        ("McKeesport", ("allegheny-county", "mon-valley"), "McKeesport", "municipality"),
        ("West Mifflin", ("allegheny-county", "mon-valley"), "West Mifflin", "municipality"),
        ("15217", ("allegheny-county", "pittsburgh"), "15217", "zip"),
        ("40.4380,-79.9230", ("allegheny-county", "pittsburgh"), "Squirrel Hill South", "neighbourhood"),
        ("40.4443,-79.9532", ("allegheny-county", "pittsburgh", "oakland"), "North Oakland", "neighbourhood"),
    ],
)  # fmt: skip
def test_a_precise_place_resolves_to_its_own_areas_only(atlas, typed, areas, place, kind):
    location = atlas.locate(typed)
    assert location.areas == areas
    assert (location.place, location.place_kind) == (place, kind)
    assert location.is_precise and location.partly_in == ()


@pytest.mark.parametrize(
    ("typed", "partly_in"),
    [
        ("15201", {"lawrenceville"}),  # Lawrenceville and Stanton Heights share the ZIP
        ("15214", {"pittsburgh", "north-hills", "northside"}),
        ("Pittsburgh", {"northside", "southside", "oakland", "lawrenceville"}),
    ],
)
def test_a_place_that_straddles_areas_says_which_hold_only_part(atlas, typed, partly_in):
    location = atlas.locate(typed)
    assert not location.is_precise
    assert set(location.partly_in) == partly_in


def test_every_municipality_and_neighbourhood_has_a_polygon_that_agrees_with_the_gazetteer(atlas):
    shapes = atlas.places_with_shapes()
    kinds = [s.precision for s in shapes]
    assert kinds.count("municipality") == 130 and kinds.count("neighbourhood") == 90
    by_name = {(p.name, p.kind == "neighbourhood"): p for p in atlas.places}
    for place_shape in shapes:
        place = by_name[(place_shape.name, place_shape.kind == "neighbourhood")]
        assert atlas.place_shape_areas(place_shape) == atlas.place_areas(place), place.name
        assert place_shape.geom.covers(Point(place.lon, place.lat)), place.name
        assert place_shape.membership, place.name  # how its area was decided
        assert "2011" in place_shape.source or "2010" in place_shape.source


def test_a_point_in_a_municipality_is_in_the_area_it_belongs_to(atlas):
    for place_shape in atlas.places_with_shapes():
        if place_shape.kind == "city":
            continue  # a point in the city is in one of its neighbourhoods too
        inside = place_shape.geom.representative_point()
        location = atlas.locate(f"{inside.y},{inside.x}")
        assert location.areas == atlas.place_shape_areas(place_shape), place_shape.name


def test_without_polygons_points_fall_back_to_the_zip_cells(tmp_path):
    for name in ("zip_points.csv", "places.csv", "zip_corrections.csv", "county_outline.geojson"):
        shutil.copy(DATA / name, tmp_path / name)
    built = Atlas.build(read_regions(DATA / "regions.csv"), tmp_path)
    location = built.locate("40.4443,-79.9532")
    assert "oakland" in location.areas and location.place_kind == "point"
    assert "Voronoi" in built.shape_source("oakland")


# -- broken geo files are problems, never exceptions --------------------------------------------


def _folder_with(tmp_path: Path, name: str, content: bytes) -> Path:
    for file in DATA.iterdir():
        if file.suffix in (".csv", ".geojson"):
            shutil.copy(file, tmp_path / file.name)
    (tmp_path / name).write_bytes(content)
    return tmp_path


TWO_POINT_RING = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "oakland"},
                "geometry": {"type": "Polygon", "coordinates": [[[-80.0, 40.4], [-79.9, 40.4]]]},
            }
        ],
    }
).encode()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("county_outline.geojson", b'{"type":"FeatureCollection","features":[', "not valid JSON"),
        ("county_outline.geojson", b"", "not valid JSON"),
        ("county_outline.geojson", b'{"type":"FeatureCollection","features":[]}', "no features"),
        ("zip_points.csv", b"zip,city,lat,lon\n15213,Pittsb\xffurgh,40.4,-79.9\n", "not UTF-8"),
        ("places.csv", b"name,kind,municipality,areas,lat,lon\nOak\xfe,city,,x,1,2\n", "not UTF-8"),
        ("regions.geojson", TWO_POINT_RING, "unusable geometry"),
        ("zip_points.csv", b"", "empty"),
        ("places.csv", b"name,kind,municipality,areas,zips,lat,lon,aliases,point_source,notes\n",
         "only a header"),
        ("places.geojson", b"\x00\xff", "not UTF-8"),
    ],
)  # fmt: skip
def test_a_broken_geo_file_is_reported_with_its_name_and_reason(tmp_path, name, content, reason):
    folder = _folder_with(tmp_path, name, content)
    built = Atlas.build(read_regions(DATA / "regions.csv"), folder)
    mine = [p for p in built.problems if p.startswith(name)]
    assert mine and reason in mine[0], built.problems
    assert built.locate("15213").in_area  # the rest still answers


def test_drawings_are_kept_on_their_atlas_so_a_new_data_version_frees_them():
    first = Atlas.build(read_regions(DATA / "regions.csv"), DATA)
    second = Atlas.build(read_regions(DATA / "regions.csv"), DATA)
    assert first.areas_drawing() is first.areas_drawing()
    assert second.areas_drawing() is not first.areas_drawing()
    labelled = [p for p in first.areas_drawing().paths if p.size > 0]
    assert labelled and all(p.bounds[0] <= p.label_x <= p.bounds[2] for p in labelled)


def test_places_geojson_lists_every_polygon_with_its_areas_and_how_they_were_decided(atlas):
    collection = atlas.places_geojson()
    props = [f["properties"] for f in collection["features"]]
    assert len(props) == 220
    squirrel = next(p for p in props if p["name"] == "Squirrel Hill North")
    assert squirrel["areas"] == ["allegheny-county", "pittsburgh"] and squirrel["reconstructed"]
    assert all(p["membership"] and p["source"] for p in props)
    json.dumps(collection)


def test_place_json_says_what_a_location_resolved_to(atlas):
    assert atlas.locate("15201").place_json() == {
        "place": "15201",
        "place_kind": "zip",
        "partly_in": ["lawrenceville"],
        "is_precise": False,
    }
