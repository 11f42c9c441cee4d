"""Checked by others' rules: the OFFICIAL HSDS 3.0 datapackage.json (run by frictionless) on
our CSV export, and the strict JSON schemas (no additional properties) on our JSON export,
for the bundled county and for the invented feed that uses every table.

The spec files are read from ../shared/hsds (CC BY-SA 4.0); the product never reads them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hsds_feed import write_feed_csv

from directory.catalog import Directory
from directory.hsds import JSON_FILE, SERVICES_FILE, export_hsds, import_hsds

HSDS = Path(__file__).resolve().parents[2] / "shared" / "hsds"
SPEC_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
SETTINGS = {"GEOCODER": "offline", "INDEX_DIR": ":memory:"}

pytestmark = pytest.mark.skipif(
    not HSDS.exists(), reason="needs the HSDS 3.0 spec files in ../shared/hsds beside the checkout"
)


@pytest.fixture(scope="module", params=["bundled", "every-table feed"])
def directory(request, bundled_directory, tmp_path_factory) -> Directory:
    if request.param == "bundled":
        return bundled_directory
    root = tmp_path_factory.mktemp("feed")
    report = import_hsds(write_feed_csv(root / "feed"), root / "data")
    assert report.written, [str(p) for p in report.problems]
    return Directory.load(root / "data", SETTINGS)


def official_report(folder: Path):
    """frictionless validate with the spec's own descriptor over the files in folder."""
    frictionless = pytest.importorskip("frictionless")
    descriptor = json.loads((HSDS / "datapackage.json").read_text(encoding="utf-8"))
    package = frictionless.Package(descriptor, basepath=str(folder))
    return package.validate()


def test_csv_export_passes_frictionless_with_the_official_descriptor(directory, tmp_path):
    out = export_hsds(directory, tmp_path / "csv", "csv")
    report = official_report(out)
    errors = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]
    assert report.valid, errors[:10]
    assert sum(task.stats.get("rows", 0) for task in report.tasks) > 0


def test_official_descriptor_catches_what_it_should(directory, tmp_path):
    """The check has teeth: an empty required cell in our export is an error."""
    out = export_hsds(directory, tmp_path / "csv", "csv")
    path = out / "services.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("status")] = "open-ish"
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    report = official_report(out)
    assert not report.valid
    assert any("status" in error.message for task in report.tasks for error in task.errors), (
        "expected the status enum to be checked"
    )


@pytest.fixture(scope="module")
def strict_registry():
    """Every HSDS schema with additionalProperties false added to each object it defines."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    def strict(node):
        if isinstance(node, dict):
            node = {key: strict(value) for key, value in node.items()}
            if node.get("type") == "object" and "properties" in node:
                node.setdefault("additionalProperties", False)
        elif isinstance(node, list):
            node = [strict(item) for item in node]
        return node

    resources = []
    for path in sorted((HSDS / "schema").glob("*.json")) + sorted(
        (HSDS / "schema/compiled").glob("*.json")
    ):
        uri = SPEC_BASE + str(path.relative_to(HSDS / "schema"))
        contents = strict(json.loads(path.read_text(encoding="utf-8")))
        resources.append((uri, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


def strict_errors(registry, instance, ref: str) -> list[str]:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(
        {"$ref": ref}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def test_json_export_passes_the_strict_schemas(directory, strict_registry, tmp_path):
    out = export_hsds(directory, tmp_path / "json", "json")
    dataset = json.loads((out / JSON_FILE).read_text(encoding="utf-8"))
    errors = strict_errors(strict_registry, dataset, SPEC_BASE + "compiled/tabular.json")
    for table, rows in dataset.items():
        for row in rows:
            errors += strict_errors(strict_registry, row, SPEC_BASE + f"{table}.json")
    for service in json.loads((out / SERVICES_FILE).read_text(encoding="utf-8")):
        errors += strict_errors(strict_registry, service, SPEC_BASE + "compiled/service.json")
    assert not errors, errors[:10]


def test_strict_schemas_refuse_a_field_the_spec_does_not_have(strict_registry):
    row = {"id": "9f1a4c1e-58b1-4b53-9b39-1f6d0c8a1e55", "name": "x", "status": "active"}
    assert strict_errors(strict_registry, row, SPEC_BASE + "service.json") == []
    assert strict_errors(strict_registry, {**row, "colour": "red"}, SPEC_BASE + "service.json")


def test_values_the_official_package_refuses_are_reported_and_the_export_still_passes(
    tmp_path,
):
    import copy

    import hsds_feed

    feed = copy.deepcopy(hsds_feed.FEED)
    pantry = feed["service"][0]
    pantry.update(email="pantry@example", url="www.example.org/pantry", status="Active")
    feed["schedule"][0].update(opens_at="9am", freq="weekly")
    feed["address"][0].update(address_type="Mailing")
    original, hsds_feed.FEED = hsds_feed.FEED, feed
    try:
        source = hsds_feed.write_feed_csv(tmp_path / "feed")
    finally:
        hsds_feed.FEED = original
    report = import_hsds(source, tmp_path / "data")
    assert report.written, [str(p) for p in report.problems]
    messages = [str(p) for p in report.problems]
    for expected in (
        'field "email": "pantry@example" is not an email address; value dropped from the kept',
        'field "url": "www.example.org/pantry" is not a web address; value dropped',
        'field "opens_at": "9am" is not a time; value dropped from the kept tables',
        'field "address_type": "Mailing" is not one of physical, postal, virtual',
    ):
        assert any(expected in m for m in messages), (expected, messages)
    assert report.exit_status == 2  # values were lost: "imported with losses"
    out = export_hsds(Directory.load(tmp_path / "data", SETTINGS), tmp_path / "csv", "csv")
    services = (out / "services.csv").read_text(encoding="utf-8")
    assert ",active," in services and "Active" not in services  # the spec's case
    schedules = (out / "schedules.csv").read_text(encoding="utf-8")
    assert ",WEEKLY," in schedules
    report = official_report(out)
    errors = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]
    assert errors and all("address_type" in error for error in errors), errors  # kept, flagged


def test_ids_that_are_not_uuids_are_kept_and_reported_once_per_table(tmp_path):
    import json

    feed = {
        "organizations": [{"id": "org-1", "name": "Example Org", "description": "Sample."}],
        "services": [
            {
                "id": f"svc-{n}",
                "organization_id": "org-1",
                "name": f"Service {n}",
                "status": "active",
            }
            for n in (1, 2)
        ],
    }
    (tmp_path / "feed.json").write_text(json.dumps(feed), encoding="utf-8")
    report = import_hsds(tmp_path / "feed.json", tmp_path / "data")
    assert report.written
    about_ids = [p for p in report.problems if "not a UUID" in p.reason]
    assert {p.table for p in about_ids} == {"organization", "service"}
    assert next(p for p in about_ids if p.table == "service").reason.startswith("2 service ids")
    assert not any(p.is_loss for p in about_ids)
    out = export_hsds(Directory.load(tmp_path / "data", SETTINGS), tmp_path / "csv", "csv")
    services = (out / "services.csv").read_text(encoding="utf-8")
    assert "svc-1,org-1," in services and "svc-2,org-1," in services  # ids are forever


def test_what_our_files_lack_for_hsds_is_said_and_read_back_as_it_was(data_copy, tmp_path):
    """Required descriptions we don't have say so; an address we can't split into the
    fields HSDS requires stays whole in the location's description; both come back."""
    import csv

    def blank(path: Path, column: str, row_id: str, value: str = "") -> None:
        with path.open(encoding="utf-8", newline="") as file:
            rows = list(csv.DictReader(file))
        for row in rows:
            if row["id"] == row_id:
                row[column] = value
        with path.open("w", encoding="utf-8", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    blank(data_copy / "agencies.csv", "description", "family-links")
    blank(data_copy / "regions.csv", "notes", "oakland")
    blank(data_copy / "agencies.csv", "address", "family-links", "Room 4, City-County Building")
    out = export_hsds(Directory.load(data_copy, SETTINGS), tmp_path / "csv", "csv")
    report = official_report(out)
    assert report.valid, [e.message for task in report.tasks for e in task.errors][:5]
    assert "No description in this directory's record." in (out / "organizations.csv").read_text(
        encoding="utf-8"
    )
    assert import_hsds(out, tmp_path / "again").written
    from directory.loading import load_data

    again = load_data(tmp_path / "again")
    family_links = next(a for a in again.agencies if a.id == "family-links")
    assert family_links.description == ""
    assert family_links.address == "Room 4, City-County Building"
    assert "Room 4" not in family_links.notes
    assert "Address as written: Room 4, City-County Building" in (out / "locations.csv").read_text(
        encoding="utf-8"
    )
    assert next(a for a in again.areas if a.id == "oakland").notes == ""
