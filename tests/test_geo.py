"""Geo: locating what people type, area shapes, distances and the geo data files. Runs offline."""

from __future__ import annotations

import csv
import json
import logging
import math
import shutil
from pathlib import Path

import pytest
from shapely.geometry import Point

from geo import Atlas, PlaceNotFound, geodesic_km, haversine_km, normalise_zip, read_regions
from geo.areas import Area
from geo.zips import read_zip_points

DATA = Path(__file__).resolve().parents[1] / "data"
REGION = "Allegheny County"
BROCHURE_PLACES = [
    "County-wide",
    "South Hills",
    "Bridgeville",
    "Allegheny Valley",
    "North Hills",
    "Northside",
    "Southside",
    "Eastern Allegheny",
    "Mon Valley",
    "Western Allegheny",
    "Braddock",
    "Homestead",
    "Turtle Creek",
    "Oakland",
    "Lawrenceville",
]


@pytest.fixture(scope="module")
def areas() -> list[Area]:
    return read_regions(DATA / "regions.csv")


@pytest.fixture(scope="module")
def atlas(areas) -> Atlas:
    return Atlas.build(areas, DATA)


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


# -- what a new user types: real places, with the areas they must land in -----------------------

PLACES_PEOPLE_TYPE = [
    # (typed, every one of these area ids must be in the answer, inside the county?)
    ("15136", {"allegheny-county", "western-allegheny"}, True),
    ("15213", {"pittsburgh", "oakland"}, True),
    ("Mt. Lebanon", {"south-hills"}, True),
    ("mount lebanon", {"south-hills"}, True),
    ("Lawrenceville", {"pittsburgh", "lawrenceville"}, True),
    ("Upper Lawrenceville", {"pittsburgh", "lawrenceville"}, True),
    ("40.4443,-79.9532", {"pittsburgh", "oakland"}, True),  # Cathedral of Learning
    ("5000 Forbes Ave, Pittsburgh PA 15213", {"pittsburgh", "oakland"}, True),  # CMU
    ("4400 Forbes Avenue, Pittsburgh, PA 15213-4080", {"oakland"}, True),  # Carnegie Museums
    ("PNC Park, 115 Federal St, Pittsburgh, PA 15212", {"pittsburgh", "northside"}, True),
    ("Troy Hill", {"northside"}, True),
    ("Mexican War Streets", {"northside"}, True),
    ("Deutschtown", {"northside"}, True),
    ("South Side Flats", {"southside"}, True),
    ("1800 E Carson St, Pittsburgh PA 15203", {"southside"}, True),
    ("Downtown Pittsburgh", {"pittsburgh"}, True),
    ("Squirrel Hill", {"pittsburgh"}, True),
    ("Mt Washington", {"pittsburgh"}, True),
    ("Bridgeville", {"south-hills", "bridgeville"}, True),
    ("Braddock", {"mon-valley", "braddock"}, True),
    ("Homestead", {"mon-valley", "homestead"}, True),
    ("The Waterfront, Homestead PA 15120", {"homestead"}, True),
    ("Turtle Creek", {"mon-valley", "turtle-creek"}, True),
    ("Kennywood, 4800 Kennywood Blvd, West Mifflin PA 15122", {"mon-valley"}, True),
    ("McKeesport", {"mon-valley"}, True),
    ("Monroeville Mall, Monroeville PA 15146", {"eastern-allegheny"}, True),
    ("Penn Hills", {"eastern-allegheny"}, True),
    ("Wilkinsburg", {"eastern-allegheny"}, True),
    ("Wexford", {"north-hills"}, True),
    ("McKnight Rd, Pittsburgh PA 15237", {"north-hills"}, True),
    ("Ross Twp", {"north-hills"}, True),
    ("Natrona Hts", {"allegheny-valley"}, True),
    ("Oakmont", {"allegheny-valley"}, True),
    ("Sewickley", {"western-allegheny"}, True),
    ("Pittsburgh International Airport, PA 15231", {"western-allegheny"}, True),
    ("Upper St Clair", {"south-hills"}, True),
    ("South Park Township", {"south-hills"}, True),
    ("McKees Rocks", {"western-allegheny"}, True),
    # just over the county line
    ("15001", set(), False),  # Aliquippa, Beaver County
    ("15301", set(), False),  # Washington, Washington County
    ("100 Main St, Aliquippa PA 15001", set(), False),
    ("Cranberry Twp", set(), False),  # Butler County
    ("Irwin, PA 15642", set(), False),  # Westmoreland County
    ("Canonsburg", set(), False),  # Washington County
    ("40.1717,-80.256", set(), False),
]


@pytest.mark.parametrize(("typed", "expected", "inside"), PLACES_PEOPLE_TYPE)
def test_real_places_people_type_land_in_the_expected_areas(atlas, typed, expected, inside):
    location = atlas.locate(typed)
    assert location.in_area is inside
    assert expected <= set(location.areas)
    if inside:
        assert location.areas[0] == "allegheny-county"
    else:
        assert location.areas == ()
        assert "outside" in location.note


def test_table_of_real_places_is_at_least_thirty_long():
    assert len(PLACES_PEOPLE_TYPE) >= 30


# -- each input form -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "precision"),
    [
        ("15213", "zip"),
        ("15213-3890", "zip"),
        (" 152133890 ", "zip"),
        ("Oakland", "place"),
        ("40.44, -79.95", "point"),
        ("(40.44 -79.95)", "point"),
        ("5000 Forbes Ave, Pittsburgh PA 15213", "zip"),  # offline: the ZIP locates the address
        ("100 Station St, Bridgeville, PA", "place"),  # offline: the town locates the address
    ],
)
def test_each_input_form_is_understood_with_its_precision(atlas, typed, precision):
    assert atlas.locate(typed).precision == precision


def test_location_json_has_exactly_the_documented_keys(atlas):
    payload = atlas.locate("15213").to_json()
    assert set(payload) == {
        "query",
        "label",
        "lat",
        "lon",
        "precision",
        "areas",
        "in_area",
        "suggestions",
        "note",
    }
    assert payload["areas"] == ["allegheny-county", "pittsburgh", "oakland"]
    json.dumps(payload)


def test_areas_come_broadest_first_and_small_places_nest_in_their_city(atlas):
    assert atlas.locate("North Oakland").areas == ("allegheny-county", "pittsburgh", "oakland")


def test_a_straddling_zip_belongs_to_both_areas_that_list_it(atlas):
    areas = atlas.locate("15214").areas
    assert {"pittsburgh", "north-hills", "northside"} <= set(areas)


@pytest.mark.parametrize(
    "typed",
    [
        "Mt Lebanon",
        "MT. LEBANON",
        "Mount  Lebanon",
        "mt lebanon twp",
        "Mount Lebanon Township",
        "Mt. Lebanon, PA",
    ],
)
def test_names_ignore_case_punctuation_mount_and_township(atlas, typed):
    assert atlas.locate(typed).label == "Mount Lebanon Township"


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("Ross", "Ross Township"),
        ("O'Hara", "O'Hara Township"),
        ("Ohara Twp", "O'Hara Township"),
        ("Mc Kees Rocks", "McKees Rocks Borough"),
        ("Squirrel Hill, Pittsburgh", "Squirrel Hill, Pittsburgh"),
        ("Mt. Oliver Borough", "Mount Oliver Borough"),
        ("Mount Oliver, Pittsburgh", "Mount Oliver, Pittsburgh"),
    ],
)
def test_common_spellings_find_the_place(atlas, typed, label):
    assert atlas.locate(typed).label == label


def test_a_name_that_contains_others_suggests_them(atlas):
    assert "West Homestead Borough" in atlas.locate("Homestead").suggestions


def test_a_street_named_after_a_town_is_not_taken_for_the_town(atlas):
    location = atlas.locate("4800 Liberty Ave, Pittsburgh")
    assert location.label == "Pittsburgh"
    assert "mon-valley" not in location.areas  # Liberty borough is in the Mon Valley


# -- ambiguity, near misses, nonsense ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "choices"),
    [
        ("Mount Oliver", {"Mount Oliver Borough", "Mount Oliver, Pittsburgh"}),
        ("Elizabeth", {"Elizabeth Borough", "Elizabeth Township"}),
        ("Springdale", {"Springdale Borough", "Springdale Township"}),
        ("Baldwin", {"Baldwin Borough", "Baldwin Township"}),
    ],
)
def test_an_ambiguous_name_lists_choices_that_each_resolve(atlas, typed, choices):
    with pytest.raises(PlaceNotFound) as caught:
        atlas.locate(typed)
    assert set(caught.value.choices) == choices
    assert "more than one place" in str(caught.value)
    for choice in choices:
        assert atlas.locate(choice).label == choice


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("Lawrencevile", "Lawrenceville, Pittsburgh"),
        ("Sqirrel Hill", "Squirrel Hill, Pittsburgh"),
        ("Monroevile", "Monroeville Borough"),
        ("Bethel Prk", "Bethel Park Borough"),
    ],
)
def test_a_near_miss_spelling_gets_suggestions(atlas, typed, suggestion):
    with pytest.raises(PlaceNotFound) as caught:
        atlas.locate(typed)
    assert suggestion in caught.value.suggestions
    assert f'We couldn\'t find "{typed}". Did you mean' in str(caught.value)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a ZIP code, town or address in Allegheny County."),
        ("   \t\n ", "Enter a ZIP code, town or address in Allegheny County."),
        ("\x00\x07\x1b", "Enter a ZIP code, town or address in Allegheny County."),
        (
            "Sprngfield",
            'We couldn\'t find "Sprngfield". Try a ZIP code or a town in Allegheny County.',
        ),
        ("x" * 5000, "That is too long to be a place."),
        ("Oakland " * 40, "That is too long to be a place."),
        ("00000", "We couldn't find ZIP code 00000."),
        ("99999", "We couldn't find ZIP code 99999."),
        ("95.5,-79.9", "not on the map"),
        ("40.4,-200", "not on the map"),
        ("'; DROP TABLE areas; --", "We couldn't find"),
        ("<script>alert(1)</script>", "We couldn't find"),
        ('" OR 1=1 --', "We couldn't find"),
        ("AND( ((", "We couldn't find"),
        ("%s %n {0} ${x}", "We couldn't find"),
        ("🙂🙂🙂", "We couldn't find"),
    ],
)
def test_empty_and_absurd_input_raises_one_clear_error(atlas, typed, message):
    with pytest.raises(PlaceNotFound) as caught:
        atlas.locate(typed)
    assert message in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_control_characters_inside_a_name_are_ignored(atlas):
    assert atlas.locate("Oak\x00land\u200b").label == "Oakland, Pittsburgh"
    assert atlas.locate("Mt.\tLebanon\r\n").label == "Mount Lebanon Township"


def test_the_error_message_names_the_region_from_the_data_not_the_code(tmp_path):
    regions = tmp_path / "regions.csv"
    regions.write_text(
        "id,name,parent,zips,straddling_zips,source,notes\n"
        "sample-county,Sample County,,,,invented,sample\n"
        "east,East,sample-county,15213,,invented,sample\n",
        encoding="utf-8",
    )
    shutil.copy(DATA / "zip_points.csv", tmp_path / "zip_points.csv")
    small = Atlas.build(read_regions(regions), tmp_path)
    with pytest.raises(PlaceNotFound, match="in Sample County"):
        small.locate("Nowhere At All")
    assert small.locate("15213").areas == ("sample-county", "east")


# -- the data files agree with each other ----------------------------------------------------------


def test_every_zip_in_regions_locates_to_an_area_that_lists_it(atlas, areas):
    for area in areas:
        for code in area.zips:
            location = atlas.locate(code)
            assert area.id in location.areas, code
            assert location.in_area


def test_every_brochure_place_resolves_by_name(atlas, areas):
    names = {a.name for a in areas} | {"County-wide"}
    assert set(BROCHURE_PLACES) - {"County-wide"} <= names
    for name in BROCHURE_PLACES:
        typed = REGION if name == "County-wide" else name
        location = atlas.locate(typed)
        area = next(a for a in areas if a.name == typed)
        assert area.id in location.areas, name


def test_every_gazetteer_name_resolves_to_its_areas(atlas):
    for place in atlas.places:
        try:
            location = atlas.locate(place.name)
        except PlaceNotFound as error:  # a shared name must list this place as a choice
            assert place.label in error.choices, place.name
            location = atlas.locate(place.label)
        assert location.label == place.label
        assert location.areas == atlas.place_areas(place)
        assert set(place.area_ids) <= set(location.areas)


def test_gazetteer_has_every_municipality_and_city_neighbourhood():
    kinds = [row["kind"] for row in rows("places.csv")]
    assert kinds.count("city") + kinds.count("borough") + kinds.count("township") == 130
    assert kinds.count("neighbourhood") >= 90


def test_gazetteer_areas_agree_with_the_areas_of_their_zips(atlas):
    for place in atlas.places:
        if not all(atlas.areas_for_zip(z) for z in place.zips):
            continue  # a ZIP filed in another county (e.g. Trafford's 15085)
        by_zip = {a for z in place.zips for a in atlas.areas_for_zip(z)}
        assert set(atlas.place_areas(place)) <= by_zip, place.name


def test_every_gazetteer_row_records_where_its_point_came_from():
    for row in rows("places.csv"):
        assert row["point_source"], row["name"]


def test_regions_broad_areas_hold_every_county_zip_once_or_twice_when_straddling(areas):
    points = read_zip_points(DATA / "zip_points.csv")
    county = {z for z, p in points.items() if p.county == REGION and p.kind != "PO BOX"}
    broad = [a for a in areas if a.parent == "allegheny-county"]
    for code in county:
        holders = [a for a in broad if code in a.zips]
        assert 1 <= len(holders) <= 2, code
        if len(holders) == 2:
            assert all(code in a.straddling_zips for a in holders), code


def test_small_places_nest_inside_their_broad_area(areas):
    by_id = {a.id: a for a in areas}
    for area in areas:
        if area.parent and area.parent != "allegheny-county":
            assert set(area.zips) <= set(by_id[area.parent].zips), area.id


def test_every_zip_correction_has_a_note_and_no_two_shape_zips_share_a_point(atlas):
    for row in rows("zip_corrections.csv"):
        assert row["note"].strip(), row["zip"]
    drawn = [
        (p.lat, p.lon)
        for code, p in atlas.geometry.zip_points.items()
        if p.draws_shape and atlas.areas_for_zip(code)
    ]
    assert len(drawn) == len(set(drawn))


def test_geonames_points_sit_near_one_of_their_zip_centroids(atlas):
    for place in atlas.places:
        if not place.point_source.startswith("GeoNames"):
            continue
        points = [atlas.geometry.zip_points.get(z) for z in place.zips]
        known = [(p.lat, p.lon) for p in points if p is not None and p.lat is not None]
        if known:
            km = haversine_km(place.lat, place.lon, [k[0] for k in known], [k[1] for k in known])
            assert km.min() < 6.0, place.name


def test_standard_zip_centroids_fall_in_an_area_that_lists_them(atlas):
    outline = atlas.shape(atlas.root_id)
    for code, point in atlas.geometry.zip_points.items():
        listed = atlas.areas_for_zip(code)
        if not listed or not point.draws_shape or not outline.covers(Point(point.lon, point.lat)):
            continue  # e.g. 15057 McDonald: centroid just over the line in Washington County
        assert listed[-1] in atlas.areas_containing(point.lat, point.lon), code


def test_the_geo_data_files_load_without_problems(atlas):
    assert atlas.problems == ()


def test_a_bad_gazetteer_row_is_reported_and_the_others_load(tmp_path, areas):
    shutil.copy(DATA / "zip_points.csv", tmp_path / "zip_points.csv")
    text = (DATA / "places.csv").read_text(encoding="utf-8").splitlines()
    text.insert(2, "Atlantis,borough,,no-such-area,15213,40.4,-79.9,,invented,")
    (tmp_path / "places.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    built = Atlas.build(areas, tmp_path)
    assert built.problems == (
        'places.csv:3: place "Atlantis": unknown area "no-such-area"; row skipped',
    )
    assert built.locate("Oakmont").label == "Oakmont Borough"


# -- shapes, boundaries and points ---------------------------------------------------------------


def test_broad_areas_cover_the_county_outline(atlas, areas):
    from shapely.ops import unary_union

    broad = unary_union([atlas.shape(a.id) for a in areas if a.parent == "allegheny-county"])
    outline = atlas.shape("allegheny-county")
    assert broad.symmetric_difference(outline).area < outline.area * 0.001


def test_every_area_has_a_shape_and_a_recorded_source(atlas, areas):
    for area in areas:
        assert atlas.shape(area.id) is not None and not atlas.shape(area.id).is_empty, area.id
        assert atlas.shape_source(area.id), area.id
    assert "Census" in atlas.shape_source("allegheny-county")
    assert "Approximate" in atlas.shape_source("oakland")


def test_a_point_on_the_line_between_two_areas_is_in_both(atlas):
    shared = atlas.shape("north-hills").boundary.intersection(
        atlas.shape("allegheny-valley").boundary
    )
    point = (
        shared.interpolate(0.5, normalized=True) if shared.length else shared.representative_point()
    )
    found = atlas.areas_containing(point.y, point.x)
    assert {"north-hills", "allegheny-valley"} <= set(found)


def test_a_point_on_the_county_line_counts_as_inside(atlas):
    edge = atlas.shape("allegheny-county").exterior.interpolate(0.3, normalized=True)
    assert atlas.locate(f"{edge.y},{edge.x}").in_area


def test_a_point_just_outside_the_county_line_is_outside(atlas):
    outline = atlas.shape("allegheny-county")
    edge = outline.exterior.interpolate(0.3, normalized=True)
    outside = next(
        Point(edge.x + dx, edge.y + dy)
        for dx, dy in [(0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01)]
        if not outline.covers(Point(edge.x + dx, edge.y + dy))
    )
    location = atlas.locate(f"{outside.y},{outside.x}")
    assert not location.in_area and location.areas == ()
    assert "outside Allegheny County" in location.note


def test_a_typed_zip_beats_geometry_even_when_its_centroid_is_over_the_line(atlas):
    # 15057 McDonald straddles the Washington County line; its centroid falls just outside.
    location = atlas.locate("15057")
    assert location.in_area and "western-allegheny" in location.areas


def test_a_zip_without_a_trustworthy_point_locates_by_its_area(atlas):
    location = atlas.locate("15123")  # the package gives it a shared placeholder point
    assert "mon-valley" in location.areas
    assert (location.lat, location.lon) == atlas.area_point("mon-valley")


def test_region_shapes_file_overrides_derived_shapes(tmp_path, areas):
    for name in ("zip_points.csv", "places.csv", "county_outline.geojson"):
        shutil.copy(DATA / name, tmp_path / name)
    without = Atlas.build(areas, tmp_path)  # the same folder before the regions file exists
    square = {
        "type": "Polygon",
        "coordinates": [
            [[-80.0, 40.4], [-79.9, 40.4], [-79.9, 40.5], [-80.0, 40.5], [-80.0, 40.4]]
        ],
    }
    (tmp_path / "regions.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"id": "oakland", "source": "test square"},
                        "geometry": square,
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    built = Atlas.build(areas, tmp_path)
    assert built.shape_source("oakland") == "test square"
    assert "oakland" in built.areas_containing(40.49, -79.99)
    assert built.shape_source("pittsburgh") == without.shape_source("pittsburgh")


def test_without_an_outline_file_neighbouring_zips_bound_the_county(tmp_path, areas):
    for name in ("zip_points.csv", "places.csv", "zip_corrections.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    built = Atlas.build(areas, tmp_path)
    assert "neighbouring ZIP" in built.shape_source("south-hills")
    assert built.locate("40.44,-79.95").in_area
    assert not built.locate("40.5921,-80.3197").in_area  # Aliquippa


# -- distances -----------------------------------------------------------------------------------


def test_vectorised_haversine_agrees_with_geodesic_within_half_a_percent():
    lats, lons = [40.5921, 40.1717, 40.6534, 40.2656], [-80.3197, -80.256, -80.0795, -79.8568]
    fast = haversine_km(40.4406, -79.9959, lats, lons)
    for km, lat, lon in zip(fast, lats, lons):
        assert math.isclose(km, geodesic_km(40.4406, -79.9959, lat, lon), rel_tol=0.005)
    assert haversine_km(40.44, -79.99, [40.44], [-79.99])[0] == 0


def test_distance_to_an_area_is_zero_inside_and_grows_outside(atlas):
    assert atlas.distance_to_area_km(40.4443, -79.9532, "oakland") == 0
    assert 0 < atlas.distance_to_area_km(40.4443, -79.9532, "north-hills") < 15
    assert atlas.distance_to_area_km(40.4443, -79.9532, "mon-valley") > 0
    assert atlas.distance_to_area_km(40.4, -79.9, "no-such-area") == math.inf


# -- shapes out ----------------------------------------------------------------------------------


def test_areas_geojson_is_a_feature_collection_with_ids_names_parents_and_sources(atlas, areas):
    collection = atlas.areas_geojson()
    assert collection["type"] == "FeatureCollection"
    props = {f["properties"]["id"]: f["properties"] for f in collection["features"]}
    assert set(props) == {a.id for a in areas}
    assert props["oakland"]["parent"] == "pittsburgh" and props["oakland"]["approximate"]
    assert props["allegheny-county"]["parent"] is None
    json.dumps(collection)


def test_area_drawing_has_one_path_per_area_with_its_id_and_a_fitted_viewbox(atlas, areas):
    drawing = atlas.areas_drawing()
    assert drawing.view_box.startswith("0 0 1000 ")
    ids = [path.area_id for path in drawing.paths]
    assert sorted(ids) == sorted(area.id for area in areas)
    oakland = drawing.paths[ids.index("oakland")]
    assert oakland.depth == 2 and oakland.parent == "pittsburgh" and oakland.d.startswith("M")
    assert drawing.paths[0].area_id == "allegheny-county" and drawing.paths[0].depth == 0


def test_an_agency_page_map_draws_every_area_and_marks_only_its_small_service_areas(client):
    page = client.get("/agencies/turtle-creek-valley-mh-mr").get_data(as_text=True)
    map_svg = page.split('class="area-map', 1)[1].split("</svg>", 1)[0]
    drawing = client.application.extensions["directory"].current().atlas.areas_drawing()
    assert map_svg.count("<path ") == len(drawing.paths)
    assert map_svg.count(' served"></path>') == 3  # braddock, homestead, turtle-creek


# -- the optional online geocoder ----------------------------------------------------------------


class FakeGeocoder:
    """Stands in for a geopy geocoder so tests never touch the network."""

    def __init__(self, answer=None, error: Exception | None = None):
        self.answer, self.error, self.calls = answer, error, []

    def geocode(self, text):
        self.calls.append(text)
        if self.error:
            raise self.error
        return self.answer


class FakeResult:
    def __init__(self, latitude, longitude):
        self.latitude, self.longitude, self.address = latitude, longitude, "somewhere"


def test_geocoder_is_off_by_default(atlas):
    assert atlas.geocoder is None and atlas.geocoder_name == "offline"


def test_geocoded_address_sharpens_the_point_but_the_zip_decides_the_areas(areas):
    fake = FakeGeocoder(FakeResult(40.4433, -79.9436))
    online = Atlas.build(areas, DATA, geocoder=fake)
    location = online.locate("5000 Forbes Ave, Pittsburgh PA 15213")
    assert location.precision == "address"
    assert (location.lat, location.lon) == (40.4433, -79.9436)
    assert location.areas == ("allegheny-county", "pittsburgh", "oakland")
    assert fake.calls == ["5000 Forbes Ave, Pittsburgh PA 15213"]


def test_geocoder_is_not_asked_about_a_plain_zip_or_town(areas):
    fake = FakeGeocoder(FakeResult(0, 0))
    online = Atlas.build(areas, DATA, geocoder=fake)
    online.locate("15213")
    online.locate("Oakmont")
    assert fake.calls == []


def test_geocoder_address_without_zip_uses_the_shapes(areas):
    online = Atlas.build(areas, DATA, geocoder=FakeGeocoder(FakeResult(40.4443, -79.9532)))
    location = online.locate("4200 Fifth Ave, Pittsburgh")
    assert location.precision == "address" and "oakland" in location.areas


@pytest.mark.parametrize("error", [TimeoutError("slow"), OSError("no network"), ValueError("bad")])
def test_geocoder_failure_falls_back_offline_and_says_so(areas, error, caplog):
    online = Atlas.build(areas, DATA, geocoder=FakeGeocoder(error=error))
    typed = "5000 Forbes Ave, Pittsburgh PA 15213"
    with caplog.at_level(logging.DEBUG):
        location = online.locate(typed)
    assert location.precision == "zip" and "oakland" in location.areas
    assert "did not answer" in location.note and "offline" in location.note
    assert "Forbes" not in caplog.text and "15213" not in caplog.text  # never log what was typed


def test_geocoder_finding_nothing_falls_back_to_the_town(areas):
    online = Atlas.build(areas, DATA, geocoder=FakeGeocoder(answer=None))
    location = online.locate("12 Washington Ave, Oakmont PA")
    assert location.label == "Oakmont Borough" and "did not recognise" in location.note


def test_geocoder_answer_far_from_the_typed_zip_is_not_trusted(areas):
    online = Atlas.build(areas, DATA, geocoder=FakeGeocoder(FakeResult(39.95, -75.16)))
    location = online.locate("5000 Forbes Ave, Pittsburgh PA 15213")
    assert location.precision == "zip" and "far from its ZIP code" in location.note


def test_unknown_geocoder_service_name_is_a_clear_error(areas):
    with pytest.raises(Exception, match="(?i)geocoder|service"):
        Atlas.build(areas, DATA, geocoder="no-such-service")


# -- ZIP normalising (the one place it lives) ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15213", "15213"),
        (" 15213 ", "15213"),
        ("15213-3890", "15213"),
        ("152133890", "15213"),
        ("15213 3890", "15213"),
        ("1521", None),
        ("152134", None),
        ("PA 15213", None),
        ("", None),
        (None, None),
        (15213, None),
        ("１５２１３", "15213"),
        ("٢١٣١٥", None),
    ],
)
def test_normalise_zip_accepts_zip_and_zip_plus_four_only(text, expected):
    assert normalise_zip(text) == expected
