"""A new region in one command (issue 15): any US county, offline, from the vendored us-atlas
counties and the zipcodes package; an HSDS import derives its region from the feed.

The feeds under tests/data/hsds_* are invented sample records (no real organisation) with
addresses in real towns of San Mateo County, California; the README's "Your own region"
runs the same commands.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from directory import create_app
from directory.cli import main
from geo.build_outline import outline_collection
from geo.build_zip_points import package_records, zip_point_rows
from geo.counties import CountyFile
from geo.region import plan_region

DATA = Path(__file__).resolve().parent / "data"
SAN_MATEO_FEED = DATA / "hsds_san_mateo" / "services.json"
NO_ADDRESS_FEED = DATA / "hsds_no_addresses" / "services.json"
BUNDLED = Path(__file__).resolve().parents[1] / "data"


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


SITES: dict[Path, object] = {}  # one app per data folder, as `directory serve` would run


def client(folder: Path):
    if folder not in SITES:
        settings = {"TESTING": True, "DATA": str(folder), "RELOAD_SECONDS": 0}
        SITES[folder] = create_app({**settings, "RATE_LIMIT_PER_MINUTE": 0}).test_client()
    return SITES[folder]


def locate(folder: Path, text: str) -> dict:
    response = client(folder).get("/api/v1/locate", query_string={"q": text})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def matched(folder: Path, near: str) -> set[str]:
    response = client(folder).get("/api/v1/match", query_string={"near": near})
    assert response.status_code == 200, response.get_json()
    return {agency["name"] for agency in response.get_json()["agencies"]}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


# -- an HSDS feed with addresses, no flags -------------------------------------------------


@pytest.fixture(scope="module")
def san_mateo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("import") / "san-mateo"
    output = run("import-hsds", str(SAN_MATEO_FEED), "--out", str(out))
    assert "Region: San Mateo County, CA" in output
    return out


def test_imported_feed_passes_check_data(san_mateo):
    assert "5 agencies" in run("check-data", "--data", str(san_mateo))


@pytest.mark.parametrize(
    "text",
    [
        "94401",
        "94019",
        "94063-1234",
        "Half Moon Bay",
        "Redwood City",
        "East Palo Alto, CA",
        "37.4852,-122.2364",
        "37.6138,-122.4869",
        "Redwood City CA",
        "Menlo Park, California, USA",
        "S San Fran",
    ],
)
def test_the_feeds_county_is_found_by_zip_town_and_point(san_mateo, text):
    location = locate(san_mateo, text)
    assert location["in_area"] and location["areas"][0] == "san-mateo-county-ca", location


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("15213", "PA"),
        ("94301", "Santa Clara County"),
        ("Palo Alto", "Santa Clara County"),
        ("40.4406,-79.9959", ""),
        ("Pittsburgh, PA", "Allegheny County, PA"),
        ("Springfield Illinois", "Sangamon County, IL"),
        ("100 Main St, Springfield, MA 01103", "Hampden County, MA"),
    ],
)
def test_another_county_or_state_is_outside_by_name(san_mateo, text, label):
    location = locate(san_mateo, text)
    assert not location["in_area"] and location["areas"] == []
    assert label in location["label"]
    assert "outside San Mateo County, CA" in location["note"], location


def test_a_far_town_without_its_state_is_outside_and_not_guessed(san_mateo):
    # Issue 15 follow-up: a US town typed without its state answers "outside" (it used to be
    # "not found"); one in several states is still not guessed: every state is listed.
    response = client(san_mateo).get("/api/v1/locate", query_string={"q": "Springfield"})
    assert response.status_code == 200
    body = response.get_json()
    assert not body["in_area"] and body["areas"] == []
    assert "IL" in body["label"] and "MA" in body["label"] and "OR" in body["label"]
    assert "all outside San Mateo County, CA" in body["note"]
    boise = locate(san_mateo, "Boise")
    assert not boise["in_area"] and boise["label"] == "Boise, Ada County, ID"
    assert "Boise is outside San Mateo County, CA." in boise["note"]


def test_match_near_a_zip_returns_the_feeds_services_for_that_place(san_mateo):
    # 94019 Half Moon Bay: its own pantry (area named by ZIP and town), the county-wide desk
    # (area named for the county), the feed-wide youth service (no area: the whole region).
    assert matched(san_mateo, "94019") == {
        "Sample Coastside Food Pantry",
        "Sample Rent Help Desk",
        "Sample Youth Counselling",
    }
    # An extent (GeoJSON) is the area's shape and gives its ZIPs; a town name in the area's
    # name gives that town's ZIPs.
    assert "Sample Senior Rides" in matched(san_mateo, "94025")
    assert "Sample Senior Rides" in matched(san_mateo, "37.46,-122.17")
    assert "Sample Job Club" in matched(san_mateo, "Foster City")
    assert "Sample Job Club" not in matched(san_mateo, "94019")


def test_the_imported_root_area_is_named_for_the_region_everywhere(san_mateo):
    # The importer's root "all-areas" becomes the region's id once its county is known: the
    # areas under it, the agencies serving the whole region and the notes all follow.
    areas = {row["id"]: row for row in rows(san_mateo / "regions.csv")}
    assert "all-areas" not in areas
    root = areas["san-mateo-county-ca"]
    assert root["name"] == "San Mateo County, CA" and not root["parent"]
    assert 'the importer named it "all-areas"' in root["notes"]
    assert 'Area id "san-mateo-county-ca" derived from the region\'s name' in root["notes"]
    assert all(row["parent"] == "san-mateo-county-ca" for row in areas.values() if row is not root)
    served = [row["areas"].split(";") for row in rows(san_mateo / "agencies.csv")]
    assert not any("all-areas" in ids for ids in served)
    assert any("san-mateo-county-ca" in ids for ids in served)  # the feed-wide youth service
    places = rows(san_mateo / "places.csv")
    assert places and not any("all-areas" in p["areas"].split(";") for p in places)


def test_every_derived_value_says_it_was_derived(san_mateo):
    agencies = {row["name"]: row for row in rows(san_mateo / "agencies.csv")}
    pantry = agencies["Sample Coastside Food Pantry"]
    assert pantry["latitude"] and "latitude;longitude" in pantry["reconstructed"]
    assert "centroid of ZIP 94019" in pantry["notes"]
    desk = agencies["Sample Rent Help Desk"]  # the feed gave its coordinates: kept as given
    assert (desk["latitude"], desk["longitude"]) == ("37.4852", "-122.2364")
    assert "latitude" not in desk["reconstructed"]
    areas = {row["id"]: row for row in rows(san_mateo / "regions.csv")}
    root = areas["san-mateo-county-ca"]
    assert "derived from the feed's postal codes" in root["notes"]
    assert "94019" in root["zips"].split(";")
    assert areas["half-moon-bay-and-pacifica"]["zips"] == "94019;94044"
    assert "ZIP codes derived" in areas["half-moon-bay-and-pacifica"]["notes"]
    assert "extent" in areas["menlo-park-area"]["notes"]
    places = rows(san_mateo / "places.csv")
    assert all(p["point_source"].startswith("Derived: centroid of ZIP") for p in places)
    outline = json.loads((san_mateo / "county_outline.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["fips"] for f in outline["features"]] == ["06081"]
    assert "us-atlas" in outline["features"][0]["properties"]["source"]


def test_the_commands_answer_as_the_site_does(san_mateo):
    located = json.loads(run("locate", "--data", str(san_mateo), "--json", "Pacifica"))
    assert located["in_area"] and located["label"] == "Pacifica"
    body = json.loads(run("match", "--data", str(san_mateo), "--near", "94019", "--json"))
    assert "Sample Coastside Food Pantry" in {a["name"] for a in body["agencies"]}
    page = client(san_mateo).get("/", query_string={"near": "94019"})
    assert page.status_code == 200 and b"Sample Coastside Food Pantry" in page.data
    outside = client(san_mateo).get("/", query_string={"near": "Pittsburgh, PA"})
    assert outside.status_code == 200
    assert "is outside San Mateo County, CA" in outside.get_data(as_text=True)


def test_import_takes_boundaries_and_area_shapes(tmp_path):
    square = [[-122.30, 37.50], [-122.26, 37.50], [-122.26, 37.53], [-122.30, 37.53]]
    town = {
        "type": "Feature",
        "properties": {"name": "Sample Heights", "source": "invented test polygon"},
        "geometry": {"type": "Polygon", "coordinates": [[*square, square[0]]]},
    }
    coast = [[-122.53, 37.40], [-122.40, 37.40], [-122.40, 37.50], [-122.53, 37.50]]
    shapes = [
        {
            "type": "Feature",
            "properties": {"id": "half-moon-bay-and-pacifica"},
            "geometry": {"type": "Polygon", "coordinates": [[*coast, coast[0]]]},
        },
        {"type": "Feature", "properties": {"id": "atlantis"}, "geometry": town["geometry"]},
    ]
    (tmp_path / "towns.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [town]})
    )
    (tmp_path / "areas.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": shapes})
    )
    out = tmp_path / "data"
    output = run(
        "import-hsds",
        str(SAN_MATEO_FEED),
        "--out",
        str(out),
        "--boundaries",
        str(tmp_path / "towns.geojson"),
        "--regions",
        str(tmp_path / "areas.geojson"),
        code=2,
    )
    assert 'unknown area id "atlantis"' in output  # a loss: exit 2
    assert "0 rows rejected" in run("check-data", "--data", str(out))
    inside = locate(out, "37.515,-122.28")
    assert inside["in_area"] and "half-moon-bay-and-pacifica" not in inside["areas"]
    assert locate(out, "Sample Heights")["in_area"]
    coast_point = locate(out, "37.45,-122.45")
    assert "half-moon-bay-and-pacifica" in coast_point["areas"]
    features = json.loads((out / "places.geojson").read_text(encoding="utf-8"))["features"]
    assert features[0]["properties"]["source"] == "invented test polygon"
    assert "derived" in features[0]["properties"]["membership"]
    regions = json.loads((out / "regions.geojson").read_text(encoding="utf-8"))["features"]
    given = [f for f in regions if f["properties"]["id"] == "half-moon-bay-and-pacifica"]
    assert given[0]["properties"]["source"] == "areas.geojson, given to import-hsds"


def test_counties_from_coordinates_and_a_far_head_office_is_reported_not_used(tmp_path):
    """Invented services with coordinates only (no postal code): five in Dane County,
    Wisconsin, one in Chicago (Cook County), under a fifth, so reported and left out."""
    points = [(43.0731, -89.4012), (43.0970, -89.5043), (43.1836, -89.2137), (43.0389, -89.3)]
    points.append((43.0600, -89.4500))
    points.append((41.8781, -87.6298))
    feed = [
        {
            "id": f"00000000-0000-4000-8000-00000000090{n}",
            "name": f"Sample Service {n}",
            "status": "active",
            "description": "Invented sample record for tests; not a real organisation.",
            "organization": {"id": f"00000000-0000-4000-8000-00000000091{n}", "name": "Sample"},
            "service_at_locations": [
                {
                    "id": f"00000000-0000-4000-8000-00000000092{n}",
                    "location": {
                        "id": f"00000000-0000-4000-8000-00000000093{n}",
                        "name": f"Sample place {n}",
                        "latitude": lat,
                        "longitude": lon,
                    },
                }
            ],
        }
        for n, (lat, lon) in enumerate(points)
    ]
    (tmp_path / "feed.json").write_text(json.dumps(feed), encoding="utf-8")
    out = tmp_path / "data"
    output = run("import-hsds", str(tmp_path / "feed.json"), "--out", str(out))
    assert "Region: Dane County, WI, " in output
    assert "1 of 6 addresses are in Cook County, IL (17031)" in output
    assert "add --county 17031" in output
    root = rows(out / "regions.csv")[0]
    assert "derived from the feed's coordinates" in root["notes"]
    assert locate(out, "Sun Prairie")["in_area"] and not locate(out, "60601")["in_area"]


# -- a feed with no addresses ---------------------------------------------------------------


def test_no_addresses_and_no_county_imports_then_names_the_flag(tmp_path):
    out = tmp_path / "data"
    output = run("import-hsds", str(NO_ADDRESS_FEED), "--out", str(out))
    assert "--county FIPS" in output and "Region: none" in output
    assert (out / "agencies.csv").exists() and not (out / "county_outline.geojson").exists()


def test_the_report_names_the_root_by_the_id_the_folder_has(tmp_path):
    # Named for the region when the region is made...
    out = tmp_path / "dane"
    output = run("import-hsds", str(NO_ADDRESS_FEED), "--out", str(out), "--county", "55025")
    assert 'listed under the whole region ("dane-county-wi")' in output
    assert "all-areas" not in output
    # ...and left as the importer made it when the region can't be (a county with no ZIP).
    out = tmp_path / "lexington"
    output = run("import-hsds", str(NO_ADDRESS_FEED), "--out", str(out), "--county", "51678")
    assert "--county 51163" in output and "imported without places" in output
    assert 'listed under the whole region ("all-areas")' in output
    assert rows(out / "regions.csv")[0]["id"] == "all-areas"


def test_a_region_name_given_to_the_import_keeps_its_own_root_id(tmp_path):
    out = tmp_path / "data"
    args = ("--county", "55025", "--region-name", "Madison Area")
    output = run("import-hsds", str(NO_ADDRESS_FEED), "--out", str(out), *args)
    assert "Region: Madison Area" in output
    root = rows(out / "regions.csv")[0]
    assert (root["id"], root["name"]) == ("madison-area", "Madison Area")
    assert "Area id" not in root["notes"]


@pytest.fixture(scope="module")
def dane(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("import") / "dane"
    output = run("import-hsds", str(NO_ADDRESS_FEED), "--out", str(out), "--county", "55025")
    assert "Region: Dane County, WI" in output
    return out


@pytest.mark.parametrize("text", ["53703", "Madison", "Middleton, WI", "43.0731,-89.4012"])
def test_county_given_with_the_flag_is_found(dane, text):
    assert locate(dane, text)["in_area"]


def test_county_given_with_the_flag_answers_outside_and_matches(dane):
    outside = locate(dane, "60601")
    assert not outside["in_area"] and "outside Dane County, WI" in outside["note"]
    # Two services with no area (the whole region) and one "Countywide" area.
    assert matched(dane, "53703") == {
        "Sample Warm Line",
        "Sample Benefits Clinic",
        "Sample Tenant Advice",
    }
    assert "3 agencies" in run("check-data", "--data", str(dane))


def test_importing_again_without_addresses_keeps_the_folders_counties(dane, tmp_path):
    again = tmp_path / "dane"
    shutil.copytree(dane, again)
    output = run("import-hsds", str(NO_ADDRESS_FEED), "--out", str(again))
    assert "Region: Dane County, WI" in output
    assert "kept from the folder's outline" in rows(again / "regions.csv")[0]["notes"]
    assert locate(again, "Madison")["in_area"]


def test_a_bad_county_code_is_a_usage_error(tmp_path):
    output = run(
        "import-hsds",
        str(NO_ADDRESS_FEED),
        "--out",
        str(tmp_path / "d"),
        "--county",
        "6081",
        code=2,
    )
    assert "five digits" in output and not (tmp_path / "d").exists()
    output = run("new-region", "--county", "99001", "--out", str(tmp_path / "e"), code=2)
    assert "No county has FIPS code 99001" in output
    long_name = ["--name", "x" * 5000]
    output = run(
        "new-region", "--county", "06081", "--out", str(tmp_path / "f"), *long_name, code=1
    )
    assert "5000 characters long; use at most 200" in output and not (tmp_path / "f").exists()


# -- new-region ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fips", "name", "zip_code", "town", "point", "elsewhere"),
    [
        ("06081", "San Mateo County, CA", "94401", "Half Moon Bay", "37.4852,-122.2364", "15213"),
        ("55025", "Dane County, WI", "53703", "Sun Prairie", "43.0731,-89.4012", "60601"),
        ("37183", "Wake County, NC", "27601", "Cary", "35.7796,-78.6382", "94401"),
    ],
)
def test_new_region_passes_check_data_and_answers_by_zip_town_and_point(
    tmp_path, fips, name, zip_code, town, point, elsewhere
):
    out = tmp_path / "region"
    assert name in run("new-region", "--county", fips, "--out", str(out))
    assert "0 rows rejected" in run("check-data", "--data", str(out))
    for text in (zip_code, town, point):
        location = locate(out, text)
        assert location["in_area"], location
    outside = locate(out, elsewhere)
    assert not outside["in_area"] and f"outside {name}" in outside["note"]


def test_new_region_of_three_counties_in_three_states(tmp_path):
    out = tmp_path / "region"
    run(
        "new-region",
        "--county",
        "39049",
        "--county",
        "48453",
        "--county",
        "55025",
        "--out",
        str(out),
        "--name",
        "Three sample counties",
    )
    assert "0 rows rejected" in run("check-data", "--data", str(out))
    areas = {row["id"]: row for row in rows(out / "regions.csv")}
    assert areas["three-sample-counties"]["parent"] == ""
    assert {a["parent"] for i, a in areas.items() if i != "three-sample-counties"} == {
        "three-sample-counties"
    }
    for text, county in (
        ("43215", "franklin-county-oh"),
        ("Round Rock", None),
        ("Austin", "travis-county-tx"),
        ("43.0731,-89.4012", "dane-county-wi"),
    ):
        location = locate(out, text)
        if county is None:  # Williamson County's town, next to Travis
            assert not location["in_area"]
            assert "outside Three sample counties" in location["note"]
        else:
            assert location["areas"] == ["three-sample-counties", county], location
    # The national lines serve the whole region; nothing else is invented.
    agencies = rows(out / "agencies.csv")
    assert {a["id"] for a in agencies} == {"988-suicide-and-crisis-lifeline", "211"}
    assert {a["areas"] for a in agencies} == {"three-sample-counties"}


def test_a_county_with_no_zip_of_its_own_names_the_county_to_use(tmp_path):
    # Lexington city, Virginia: the package files its ZIP (24450) under Rockbridge County.
    output = run("new-region", "--county", "51678", "--out", str(tmp_path / "r"), code=1)
    assert "no ZIP code under Lexington city, VA (51678)" in output
    assert "Rockbridge County, VA (--county 51163)" in output
    assert not (tmp_path / "r").exists()


def test_new_region_refuses_a_folder_holding_other_work(tmp_path):
    (tmp_path / "thesis.docx").write_bytes(b"...")
    output = run("new-region", "--county", "06081", "--out", str(tmp_path), code=1)
    assert "not empty; choose a new or empty folder" in output
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.docx"]


def test_given_boundaries_locate_points_and_names(tmp_path):
    square = [[-122.30, 37.50], [-122.26, 37.50], [-122.26, 37.53], [-122.30, 37.53]]
    feature = {
        "type": "Feature",
        "properties": {"NAME": "Sample Heights", "source": "invented test polygon"},
        "geometry": {"type": "Polygon", "coordinates": [[*square, square[0]]]},
    }
    boundaries = tmp_path / "towns.geojson"
    boundaries.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    out = tmp_path / "region"
    run("new-region", "--county", "06081", "--out", str(out), "--boundaries", str(boundaries))
    point = locate(out, "37.515,-122.28")
    assert point["in_area"] and point["areas"] == ["san-mateo-county-ca"]
    town = locate(out, "Sample Heights")
    assert town["in_area"] and town["label"] == "Sample Heights"
    shapes = json.loads((out / "places.geojson").read_text(encoding="utf-8"))["features"]
    assert shapes[0]["properties"]["source"] == "invented test polygon"


def test_unusable_boundary_files_are_refused_and_nothing_is_written(tmp_path):
    (tmp_path / "broken.geojson").write_text("{not json", encoding="utf-8")
    out = tmp_path / "region"
    output = run(
        "new-region",
        "--county",
        "06081",
        "--out",
        str(out),
        "--boundaries",
        str(tmp_path / "broken.geojson"),
        code=1,
    )
    assert "broken.geojson can't be used" in output and "line 1, column 2" in output
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    shapes = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"id": "atlantis"}, "geometry": square}],
    }
    (tmp_path / "shapes.geojson").write_text(json.dumps(shapes), encoding="utf-8")
    output = run(
        "new-region",
        "--county",
        "06081",
        "--out",
        str(out),
        "--regions",
        str(tmp_path / "shapes.geojson"),
        code=1,
    )
    assert "unknown area id(s) atlantis" in output and "san-mateo-county-ca" in output
    assert not out.exists()


# -- the bundled region goes through the same code ------------------------------------------


def test_bundled_outline_and_zip_points_rebuild_byte_for_byte(tmp_path):
    counties = CountyFile()
    collection = outline_collection(counties, ["42003"])
    text = json.dumps(collection, indent=1) + "\n"
    assert text == (BUNDLED / "county_outline.geojson").read_text(encoding="utf-8")
    listed = {z for row in rows(BUNDLED / "regions.csv") for z in row["zips"].split(";") if z}
    built = zip_point_rows(package_records(), listed, counties.shape("42003"))
    assert built == rows(BUNDLED / "zip_points.csv")


def test_plan_region_for_the_bundled_county_agrees_with_its_zips():
    region = plan_region(["42003"])
    bundled = {z for row in rows(BUNDLED / "regions.csv") for z in row["zips"].split(";") if z}
    standard = {r["zip"] for r in rows(BUNDLED / "zip_points.csv") if r["kind"] == "STANDARD"}
    # The brochure's areas (a hand-made reconstruction) and the package's county agree on
    # every STANDARD ZIP but one the package files under Beaver County: 15026 (Clinton).
    assert (bundled & standard) - set(region.all_zips) == {"15026"}
    assert region.name == "Allegheny County, PA"


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Mount Washington PA", "Mount Washington"),
        ("Indiana", "Indiana Township"),
        ("Wexford, PA 15090", "15090"),
        ("Oakland, Pittsburgh, PA, USA", "Oakland"),
    ],
)
def test_state_words_are_every_states_and_never_eat_a_place_name(bundled_directory, text, place):
    location = bundled_directory.atlas.locate(text)
    assert location.in_area and location.place == place, location
