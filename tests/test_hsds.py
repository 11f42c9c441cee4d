"""Open Referral HSDS 3.0: export validates, the spec's example imports, round trips, bad input.

The spec's schemas, datapackage, OpenAPI definition and example dataset are read from
../shared/hsds (CC BY-SA 4.0, see its SOURCE.md); the product itself never reads them.
"""

from __future__ import annotations

import csv
import json
import shutil
import uuid
from pathlib import Path

import pytest

from directory import create_app
from directory.catalog import Directory
from directory.config import DEFAULT_DATA_DIR
from directory.hsds import JSON_FILE, SERVICES_FILE, export_hsds, hsds_id, import_hsds
from directory.loading import load_data

HSDS = Path(__file__).resolve().parents[2] / "shared" / "hsds"
needs_spec = pytest.mark.skipif(
    not HSDS.exists(), reason="needs the HSDS 3.0 spec files in ../shared/hsds beside the checkout"
)
SPEC_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
OPENAPI = SPEC_BASE + "openapi.json"
SETTINGS = {"GEOCODER": "offline", "INDEX_DIR": ":memory:"}


@pytest.fixture(scope="session")
def registry():
    """Every HSDS schema under the URL the OpenAPI document uses for it, so refs resolve offline."""
    if not HSDS.exists():
        pytest.skip("needs the HSDS 3.0 spec files in ../shared/hsds beside the checkout")
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = []
    for path in sorted((HSDS / "schema").glob("*.json")) + sorted(
        (HSDS / "schema/compiled").glob("*.json")
    ):
        uri = SPEC_BASE + str(path.relative_to(HSDS / "schema"))
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((uri, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


def validate(registry, instance, ref: str) -> None:
    """Raise jsonschema.ValidationError unless instance matches the schema at ref (formats too)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(
        {"$ref": ref}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def response_schema(path: str) -> str:
    pointer = path.replace("~", "~0").replace("/", "~1")
    return f"{OPENAPI}#/paths/{pointer}/get/responses/200/content/application~1json/schema"


@pytest.fixture(scope="module")
def exported(bundled_directory, tmp_path_factory) -> dict[str, Path]:
    """The bundled directory exported once in each format."""
    root = tmp_path_factory.mktemp("export")
    return {fmt: export_hsds(bundled_directory, root / fmt, fmt) for fmt in ("json", "csv")}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def records(folder: Path):
    data = load_data(folder)
    assert not data.problems, [str(p) for p in data.problems]
    return data.agencies, data.areas, data.needs


# -- export --------------------------------------------------------------------------------


@needs_spec
def test_json_export_validates_against_the_hsds_schemas(exported, registry):
    dataset = json.loads((exported["json"] / JSON_FILE).read_text(encoding="utf-8"))
    validate(registry, dataset, SPEC_BASE + "compiled/tabular.json")
    for table, rows in dataset.items():
        for row in rows:
            validate(registry, row, SPEC_BASE + f"{table}.json")
    services = json.loads((exported["json"] / SERVICES_FILE).read_text(encoding="utf-8"))
    assert len(services) == len(dataset["service"]) == 23
    for service in services:
        validate(registry, service, SPEC_BASE + "compiled/service.json")


@needs_spec
def test_csv_export_has_every_datapackage_table_with_its_columns_in_order(exported):
    package = json.loads((HSDS / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        with (exported["csv"] / resource["path"]).open(encoding="utf-8", newline="") as file:
            header = next(csv.reader(file))
        assert header == [field["name"] for field in resource["schema"]["fields"]], resource["path"]
        for row in read_csv(exported["csv"] / resource["path"]):
            uuid.UUID(row["id"])  # every id is a UUID, as the spec's format says
            for field in resource["schema"]["fields"]:
                if field["type"] == "number" and row[field["name"]]:
                    float(row[field["name"]])


def test_export_publishes_classifications_dates_and_areas(exported, bundled_directory):
    folder = exported["csv"]
    taxonomies = {row["name"] for row in read_csv(folder / "taxonomies.csv")}
    assert {
        "Coordination level",
        "Age group",
        "Need",
        "Kind of support",
        "Service area",
    } <= taxonomies
    terms = {row["id"]: row for row in read_csv(folder / "taxonomy_terms.csv")}
    service_id = hsds_id("service", "family-links")
    linked = [
        terms[a["taxonomy_term_id"]]
        for a in read_csv(folder / "attributes.csv")
        if a["link_id"] == service_id
    ]
    named = {(term["taxonomy"], term["code"]) for term in linked}
    assert {
        ("Coordination level", "blended"),
        ("Coordination level", "administrative"),
        ("Age group", "adult"),
        ("Kind of support", "formal"),
        ("Need", "housing"),
    } <= named
    service = next(r for r in read_csv(folder / "services.csv") if r["id"] == service_id)
    assert service["assured_date"] == "2011-09-01"
    assert any(
        m["resource_id"] == service_id and m["last_action_type"] == "verified"
        for m in read_csv(folder / "metadata.csv")
    )
    areas = [
        row for row in read_csv(folder / "service_areas.csv") if row["service_id"] == service_id
    ]
    assert [row["name"] for row in areas] == ["Allegheny County"]
    extent = json.loads(areas[0]["extent"])
    assert extent["type"] in ("Polygon", "MultiPolygon") and areas[0]["extent_type"] == "geojson"
    area_codes = {
        terms[a["taxonomy_term_id"]]["code"]
        for a in read_csv(folder / "attributes.csv")
        if a["link_id"] == areas[0]["id"]
    }
    assert area_codes == {"allegheny-county"}  # the area id, as the Service area term's code


def test_export_refuses_a_folder_holding_other_files(bundled_directory, tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError, match="notes.txt"):
        export_hsds(bundled_directory, tmp_path, "csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


# -- round trip ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_import_export_gives_the_same_records_and_files(exported, fmt, tmp_path):
    report = import_hsds(exported[fmt], tmp_path / "data")
    assert report.written and not report.problems, [str(p) for p in report.problems]
    assert records(tmp_path / "data") == records(DEFAULT_DATA_DIR)
    again = export_hsds(Directory.load(tmp_path / "data", SETTINGS), tmp_path / "again", fmt)
    for path in sorted(exported[fmt].iterdir()):
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


# -- the spec's example dataset ------------------------------------------------------------


@needs_spec
@pytest.mark.parametrize("source", ["csv", "json"])
def test_spec_example_imports_loads_cleanly_and_is_findable(source, tmp_path):
    report = import_hsds(HSDS / "examples" / source, tmp_path / "data")
    assert report.written and report.agencies == 1 and report.skipped_services == 0
    (agency,), areas, needs = records(tmp_path / "data")
    assert (agency.id, agency.name) == ("community-counselling", "Community Counselling")
    assert (agency.min_age, agency.max_age, str(agency.verified_on)) == (12, 100, "2005-01-01")
    assert agency.languages == ("Urdu",) and agency.address.startswith("1-30 Main Street")
    assert agency.website == "http://example.com/counselling"
    # Not usable as our fields, so kept in notes and reported: a UK phone, latitude 100.
    assert "+44 1234 234567" in agency.notes and "Email: email@example.com" in agency.notes
    assert agency.phones == () and agency.latitude is None
    reasons = {(p.field, p.action) for p in report.problems}
    assert ("number", "kept in the agency's notes") in reasons
    assert ("latitude", "coordinates dropped") in reasons
    assert len(needs) > 10  # the bundled vocabulary, as the example has no need taxonomy of ours
    from directory.search import SearchQuery, search  # the site's own text search

    directory = Directory.load(tmp_path / "data", SETTINGS)
    hits = search(directory, SearchQuery(q="counselling")).hits
    assert [hit.agency.id for hit in hits] == ["community-counselling"]


# -- bad input -----------------------------------------------------------------------------


@pytest.fixture()
def hsds_csv(exported, tmp_path) -> Path:
    """A writable copy of the CSV export, for tests that break it."""
    folder = tmp_path / "hsds"
    shutil.copytree(exported["csv"], folder)
    return folder


def edit_csv(path: Path, change) -> None:
    rows = read_csv(path)
    header = list(rows[0])
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def set_where(file: str, column: str, key: str, value: str):
    """A change to the CSV export: in `file`, rows whose `column` is `key` get `value`."""
    table, field = file.split(":")

    def change(folder: Path) -> None:
        def edit(rows):
            for row in rows:
                if row[column] == key:
                    row[field] = value

        edit_csv(folder / table, edit)

    return change


FAMILY_LINKS = hsds_id("service", "family-links")
LIBRARY = hsds_id("location", "carnegie-library-of-pittsburgh")


def test_missing_table_writes_nothing_and_keeps_the_old_folder(hsds_csv, data_copy):
    (hsds_csv / "organizations.csv").unlink()
    before = {p.name: p.read_bytes() for p in data_copy.iterdir()}
    report = import_hsds(hsds_csv, data_copy)
    assert not report.written and report.has_fatal_problem
    assert "missing table(s): organizations.csv" in str(report.problems[-1])
    assert {p.name: p.read_bytes() for p in data_copy.iterdir()} == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            set_where("services.csv:minimum_age", "id", FAMILY_LINKS, "twelve"),
            'services.csv line 4: field "minimum_age": "twelve" is not a number; value dropped',
        ),
        (
            set_where("services.csv:assured_date", "id", FAMILY_LINKS, "last spring"),
            'field "assured_date": "last spring" is not a date (YYYY-MM-DD); value dropped',
        ),
        (
            set_where("locations.csv:latitude", "id", LIBRARY, "north"),
            'field "latitude": "north", "-79.9499" is not a point; coordinates dropped',
        ),
        (
            set_where("services.csv:organization_id", "id", FAMILY_LINKS, "no-such-org"),
            'field "organization_id": matches no organization record; link ignored',
        ),
        (
            set_where("service_areas.csv:service_id", "service_id", FAMILY_LINKS, "nobody"),
            'field "service_id": matches no service record; link ignored',
        ),
        (
            set_where("phones.csv:number", "service_id", hsds_id("service", "hsao"), "412-55"),
            'phones.csv line 6: field "number": "412-55" has 5 digits',
        ),
    ],
)
def test_bad_values_are_reported_per_record_and_the_rest_imports(
    hsds_csv, tmp_path, change, message
):
    change(hsds_csv)
    report = import_hsds(hsds_csv, tmp_path / "data")
    assert report.written, report.summary()
    assert any(message in str(p) for p in report.problems), [str(p) for p in report.problems]
    agencies, _, _ = records(tmp_path / "data")
    assert len(agencies) == 23


def test_a_service_without_a_name_is_skipped_and_reported(hsds_csv, tmp_path):
    set_where("services.csv:name", "id", FAMILY_LINKS, "")(hsds_csv)
    report = import_hsds(hsds_csv, tmp_path / "data")
    assert report.written and report.skipped_services == 1
    assert any(
        'field "name": required value is missing; service skipped' in str(p)
        for p in report.problems
    )
    assert len(records(tmp_path / "data")[0]) == 22


def test_json_with_wrong_types_reports_each_field(tmp_path):
    service = {
        "id": str(uuid.uuid4()),
        "name": "Food Pantry",
        "status": "active",
        "minimum_age": "eighteen",
        "description": ["not", "text"],
        "organization": {"id": str(uuid.uuid4()), "name": "Pantry Org", "description": ""},
        "phones": "412-555-0100",
    }
    (tmp_path / "service_full.json").write_text(json.dumps(service), encoding="utf-8")
    report = import_hsds(tmp_path / "service_full.json", tmp_path / "data")
    messages = [str(p) for p in report.problems]
    assert report.written, messages
    assert any('field "description": expected a single value, not a list' in m for m in messages)
    assert any('field "minimum_age": "eighteen" is not a number' in m for m in messages)
    assert any('field "phones": expected a list of phone objects' in m for m in messages)
    (agency,), _, _ = records(tmp_path / "data")
    assert (agency.name, agency.min_age, agency.description) == ("Food Pantry", None, "")


def test_a_50_mb_file_is_refused_and_nothing_is_written(hsds_csv, tmp_path):
    with (hsds_csv / "services.csv").open("a", encoding="utf-8") as file:
        line = f"{uuid.uuid4()},,,{'x' * 1000},,,,,active" + "," * 14 + "\n"
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            file.write(line)
    report = import_hsds(hsds_csv, tmp_path / "data")
    assert not report.written and not (tmp_path / "data").exists()
    assert "services.csv" in report.problems[-1].file
    assert "at most 32 MB per file is read" in str(report.problems[-1])
    assert list(tmp_path.glob(".data*")) == []  # no staging folder left behind


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda p: p.write_text("{not json", encoding="utf-8"), "not valid JSON"),
        (lambda p: p.write_text('{"version": "3.0"}', encoding="utf-8"), "missing table(s)"),
        (lambda p: p.write_bytes(b"\xff\xfe"), "not valid JSON"),
    ],
)
def test_unusable_json_writes_nothing(tmp_path, write, message):
    write(tmp_path / "feed.json")
    report = import_hsds(tmp_path / "feed.json", tmp_path / "data")
    assert not report.written and message in report.summary() + str(report.problems)
    assert not (tmp_path / "data").exists()


def test_import_refuses_a_folder_holding_other_work(exported, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "thesis.docx").write_bytes(b"...")
    (tmp_path / "out" / "drafts").mkdir()
    report = import_hsds(exported["csv"], tmp_path / "out")
    assert not report.written and "choose a new or empty folder" in str(report.problems[-1])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["drafts", "thesis.docx"]


def test_import_into_a_data_folder_keeps_its_geo_files(exported, data_copy):
    report = import_hsds(exported["csv"], data_copy)
    assert report.written
    assert (data_copy / "zip_points.csv").read_bytes() == (
        DEFAULT_DATA_DIR / "zip_points.csv"
    ).read_bytes()


# -- the standard API ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hsds_client():
    app = create_app(
        {
            "TESTING": True,
            "DATA": str(DEFAULT_DATA_DIR),
            "RELOAD_SECONDS": 0,
            "INDEX_DIR": ":memory:",
            "RATE_LIMIT_PER_MINUTE": 0,
        }
    )
    return app.test_client()


@needs_spec
@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/hsds/", "/"),
        ("/hsds/services", "/services"),
        ("/hsds/services?per_page=5&page=2", "/services"),
        ("/hsds/services?search=library", "/services"),
        ("/hsds/service_at_locations", "/service_at_locations"),
        ("/hsds/service_at_locations?postcode=15213&proximity=3000", "/service_at_locations"),
    ],
)
def test_api_answers_match_the_openapi_definition(hsds_client, registry, url, path):
    response = hsds_client.get(url)
    assert response.status_code == 200
    validate(registry, response.get_json(), response_schema(path))


@needs_spec
def test_one_service_is_fully_nested_and_matches_the_spec(hsds_client, registry):
    service_id = hsds_id("service", "carnegie-library-of-pittsburgh")
    body = hsds_client.get(f"/hsds/services/{service_id}").get_json()
    validate(registry, body, response_schema("/services/{id}"))
    assert body["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "15213"
    assert body["organization"]["name"] == "Carnegie Library of Pittsburgh"
    assert hsds_client.get("/hsds/services/carnegie-library-of-pittsburgh").get_json() == body


def test_services_page_wrapper_counts_pages(hsds_client):
    body = hsds_client.get("/hsds/services?per_page=10&page=3").get_json()
    assert (body["total_items"], body["total_pages"], body["page_number"], body["size"]) == (
        23,
        3,
        3,
        3,
    )
    assert (body["first_page"], body["last_page"], body["empty"]) == (False, True, False)


def test_services_filter_by_taxonomy_term(hsds_client):
    blended = hsds_id("taxonomy_term", "coordination-level", "blended")
    body = hsds_client.get(f"/hsds/services?taxonomy_term_id={blended}&per_page=100").get_json()
    assert (
        body["total_items"] == 12
    )  # the brochure's agencies, all offering blended (reconstructed)


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("postcode=15213", 1),  # Oakland: the library's service area holds it
        ("postcode=15213&proximity=3000", 1),  # the library is about 1 km from the ZIP's centroid
        ("postcode=15213&proximity=200", 0),
        ("postcode=15001", 0),  # Aliquippa, outside the county
    ],
)
def test_service_at_locations_filter_by_postcode_and_proximity(hsds_client, query, count):
    body = hsds_client.get(f"/hsds/service_at_locations?{query}").get_json()
    assert body["total_items"] == count


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/hsds/services?page=0", 400, '"page" must be a whole number'),
        # per_page over the maximum is clamped now (issue 14; tests/test_hsds_api.py); 0 is not.
        ("/hsds/services?per_page=0", 400, '"per_page" must be a whole number from 1 to 200'),
        ("/hsds/services/not-a-service", 404, 'No service has the id "not-a-service"'),
        ("/hsds/service_at_locations?proximity=500", 400, 'add "postcode"'),
        ("/hsds/service_at_locations?postcode=15213&proximity=near", 400, "a distance in meters"),
        ("/hsds/service_at_locations?postcode=abc", 400, "is not a ZIP code"),
    ],
)
def test_api_explains_bad_requests_in_json(hsds_client, url, status, message):
    response = hsds_client.get(url)
    assert response.status_code == status
    assert message in response.get_json()["error"]["message"]
