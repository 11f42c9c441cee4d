"""HSDS 3.1 tables (service_capacity, unit, url): kept by the import, written to the CSV
export with a datapackage resource each, left out of the strict-3.0 JSON, and a simple
capacity shown on the agency page (with its date, or that the feed gives none)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hsds_feed import CLINIC, ORG, PANTRY, write_feed_csv

from directory import create_app
from directory.catalog import Directory
from directory.hsds import export_hsds, import_hsds
from directory.hsds.schema import V31_TABLES

SETTINGS = {"GEOCODER": "offline", "INDEX_DIR": ":memory:"}
BEDS, SEATS = "9a3e0c36-2a55-4c8e-9f0e-2b1f4b9e6a01", "9a3e0c36-2a55-4c8e-9f0e-2b1f4b9e6a02"
V31_ROWS = {
    "unit": [
        {"id": BEDS, "name": "beds", "scheme": "", "identifier": "", "uri": ""},
        {"id": SEATS, "name": "", "scheme": "SNOMED", "identifier": "x", "uri": ""},
    ],
    "service_capacity": [
        {  # simple: shown
            "id": "9a3e0c36-2a55-4c8e-9f0e-2b1f4b9e6a03",
            "service_id": PANTRY,
            "unit_id": BEDS,
            "available": "4",
            "maximum": "12",
            "description": "",
            "updated": "2026-01-01T09:00:00Z",
        },
        {  # a unit without a name: kept, not shown
            "id": "9a3e0c36-2a55-4c8e-9f0e-2b1f4b9e6a04",
            "service_id": PANTRY,
            "unit_id": SEATS,
            "available": "7",
            "maximum": "",
            "description": "",
            "updated": "",
        },
        {  # no date: shown, saying so
            "id": "9a3e0c36-2a55-4c8e-9f0e-2b1f4b9e6a05",
            "service_id": CLINIC,
            "unit_id": BEDS,
            "available": "2",
            "maximum": "",
            "description": "",
            "updated": "",
        },
    ],
    "url": [
        {
            "id": "9a3e0c36-2a55-4c8e-9f0e-2b1f4b9e6a06",
            "label": "Annual report",
            "url": "https://example.org/report",
            "organization_id": ORG,
            "service_id": "",
        }
    ],
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("v31")
    feed = write_feed_csv(root / "feed")
    for table, rows in V31_ROWS.items():
        filename, columns = V31_TABLES[table]
        with (feed / filename).open("w", encoding="utf-8", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    report = import_hsds(feed, root / "data")
    assert report.written, [str(p) for p in report.problems]
    reasons = [p.reason for p in report.problems]
    assert not [r for r in reasons if "3.1" in r or "not keep" in r], reasons
    return root / "data"


def test_the_csv_export_holds_the_31_tables_with_a_resource_each(imported, tmp_path):
    directory = Directory.load(imported, SETTINGS, search_index=False)
    out = export_hsds(directory, tmp_path / "csv", "csv")
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    resources = {resource["name"]: resource for resource in descriptor["resources"]}
    for table, rows in V31_ROWS.items():
        filename, columns = V31_TABLES[table]
        assert resources[table]["path"] == filename
        assert [f["name"] for f in resources[table]["schema"]["fields"]] == list(columns)
        assert read_csv(out / filename) == rows  # field by field, ids included
    number_fields = {
        f["name"]: f["type"] for f in resources["service_capacity"]["schema"]["fields"]
    }
    assert number_fields["available"] == number_fields["maximum"] == "number"
    # Export -> import -> export keeps them too.
    again = import_hsds(out, tmp_path / "again")
    assert again.written
    second = export_hsds(
        Directory.load(tmp_path / "again", SETTINGS, search_index=False), tmp_path / "csv2", "csv"
    )
    for table in V31_ROWS:
        filename = V31_TABLES[table][0]
        assert read_csv(second / filename) == read_csv(out / filename)


def test_the_strict_30_json_leaves_the_31_tables_out(imported, tmp_path):
    directory = Directory.load(imported, SETTINGS, search_index=False)
    out = export_hsds(directory, tmp_path / "json", "json")
    dataset = json.loads((out / "hsds.json").read_text(encoding="utf-8"))
    assert not set(V31_TABLES) & set(dataset)
    services = json.loads((out / "services.json").read_text(encoding="utf-8"))
    pantry = next(s for s in services if s["id"] == PANTRY)
    assert "capacities" not in pantry and "service_capacity" not in pantry
    client = create_app({**SETTINGS, "DATA": str(imported)}).test_client()
    assert "capacities" not in client.get(f"/hsds/services/{PANTRY}").get_json()


def test_the_agency_page_shows_only_simple_capacities_with_their_date(imported):
    client = create_app({**SETTINGS, "DATA": str(imported)}).test_client()
    agency_of = {r["service_id"]: r["agency_id"] for r in read_csv(imported / "hsds_ids.csv")}
    page = client.get(f"/agencies/{agency_of[PANTRY]}").get_data(as_text=True)
    assert "<dt>Capacity</dt>" in page
    assert "4 beds available of 12 (updated 2026-01-01T09:00:00Z)" in page
    assert "the feed&#39;s service capacity record" in page
    assert (
        "7 "
        not in page[
            page.index("<dt>Capacity</dt>") : page.index("</dd>", page.index("<dt>Capacity</dt>"))
        ]
    )
    clinic = client.get(f"/agencies/{agency_of[CLINIC]}").get_data(as_text=True)
    assert "2 beds available (the feed gives no date)" in clinic


def test_our_descriptor_and_the_official_one_both_pass_on_the_31_export(imported, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    out = export_hsds(
        Directory.load(imported, SETTINGS, search_index=False), tmp_path / "csv", "csv"
    )
    ours = frictionless.Package(str(out / "datapackage.json")).validate()
    errors = [f"{task.name}: {error.message}" for task in ours.tasks for error in task.errors]
    assert ours.valid, errors[:10]
    checked = {task.name: task.stats.get("rows", 0) for task in ours.tasks}
    assert checked["service_capacity"] == 3 and checked["unit"] == 2 and checked["url"] == 1
    official = Path(__file__).resolve().parents[2] / "shared" / "hsds" / "datapackage.json"
    if official.exists():  # the spec's 3.0 descriptor ignores the 3.1 files beside it
        descriptor = json.loads(official.read_text(encoding="utf-8"))
        report = frictionless.Package(descriptor, basepath=str(out)).validate()
        assert report.valid, [e.message for t in report.tasks for e in t.errors][:10]
