"""Reading HSDS feeds other people wrote: hostile files, JSON by content, NDJSON, folders,
HSDS 1.x names, 3.1 tables, child records without ids, duplicate ids, and a report that
counts every loss by reason and says "imported with losses" (exit 2).

The feeds are invented sample data (tests/data/hsds_feeds, or written here); the HSDS
schemas in ../shared/hsds are read only to check the importer's own table of required
fields.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from directory.cli import main
from directory.hsds import import_hsds, read_kept_tables
from directory.hsds.importing.shapes import REQUIRED, table_for_name, table_for_shape
from directory.loading import load_data

FEEDS = Path(__file__).parent / "data" / "hsds_feeds"
HSDS = Path(__file__).resolve().parents[2] / "shared" / "hsds"

ORG = {"id": "org-9", "name": "Example Org", "description": "Sample data."}


def service(service_id: str, name: str, **more) -> dict:
    return {"id": service_id, "organization_id": "org-9", "name": name, "status": "active"} | more


def agencies(folder: Path):
    data = load_data(folder)
    assert not data.problems, [str(p) for p in data.problems]
    return {agency.name: agency for agency in data.agencies}


def messages(report) -> list[str]:
    return [str(problem) for problem in report.problems]


# -- hostile files (issue 12 item 10) ------------------------------------------------------


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "organizations.json").write_text(json.dumps([ORG]), encoding="utf-8")
    os.mkfifo(feed / "services.json")
    report = import_hsds(feed, tmp_path / "data")
    assert not report.written and report.exit_status == 1
    assert "services.json: not a regular file (a named pipe (FIFO))" in str(report.problems[-1])
    assert not (tmp_path / "data").exists()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_symlink_to_dev_zero_is_refused_not_read_until_memory_runs_out(tmp_path):
    (tmp_path / "services.json").symlink_to("/dev/zero")
    report = import_hsds(tmp_path / "services.json", tmp_path / "data")
    assert not report.written
    assert "not a regular file (a character device)" in str(report.problems[-1])


def test_the_size_cap_counts_bytes_read(tmp_path):
    path = tmp_path / "services.json"
    path.write_text(json.dumps([service("s1", "A" * 3000)]), encoding="utf-8")
    report = import_hsds(path, tmp_path / "data", max_file_bytes=2048)
    assert not report.written
    assert "more than 2 KB; at most 2 KB per file is read" in str(report.problems[-1])


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
def test_the_size_cap_does_not_trust_the_size_a_file_claims(tmp_path):
    assert os.stat("/proc/self/maps").st_size == 0  # a regular file that says it is empty
    (tmp_path / "services.json").symlink_to("/proc/self/maps")
    report = import_hsds(tmp_path / "services.json", tmp_path / "data", max_file_bytes=1024)
    assert not report.written
    assert "more than 1 KB; at most 1 KB per file is read" in str(report.problems[-1])


def test_json_nested_100000_deep_is_a_reported_problem_not_a_recursion_error(tmp_path):
    path = tmp_path / "services.json"
    path.write_text("[" * 100_000, encoding="utf-8")
    report = import_hsds(path, tmp_path / "data")
    assert not report.written
    assert "nested 100000 deep; at most 64 levels are read" in str(report.problems[-1])


def test_two_services_with_one_id_in_json_are_reported_not_merged(tmp_path):
    path = tmp_path / "services.json"
    first = service("dup", "Example Pantry", description="Food on Mondays.")
    second = service("dup", "Example Shelter", description="Beds at night.")
    feed = {"organizations": [ORG], "services": [first, second]}
    path.write_text(json.dumps(feed), encoding="utf-8")
    report = import_hsds(path, tmp_path / "data")
    assert report.written and report.exit_status == 2
    (problem,) = [p for p in report.problems if p.field == "id"]
    assert (problem.file, problem.record, problem.value) == ("services.json", "services[1]", "dup")
    assert "duplicate id (first on services[0])" in problem.reason and problem.is_loss
    assert list(agencies(tmp_path / "data")) == ["Example Pantry"]
    assert "Beds at night" not in agencies(tmp_path / "data")["Example Pantry"].notes


def test_one_organization_nested_under_each_of_its_services_is_one_record(tmp_path):
    org = ORG | {"email": "hello@example.org"}
    feed = [
        service("s1", "Example Pantry", organization=org),
        service("s2", "Example Shelter", organization=ORG),
    ]
    (tmp_path / "services.json").write_text(json.dumps(feed), encoding="utf-8")
    report = import_hsds(tmp_path / "services.json", tmp_path / "data")
    assert report.written and not [p for p in report.problems if p.field == "id"]
    found = agencies(tmp_path / "data")
    assert "Organization email: hello@example.org" in found["Example Shelter"].notes


def test_a_repeated_id_with_different_values_across_files_is_reported(tmp_path):
    (tmp_path / "organizations.json").write_text(json.dumps([ORG]), encoding="utf-8")
    (tmp_path / "a.json").write_text(json.dumps([service("s1", "Pantry")]), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps([service("s1", "Shelter")]), encoding="utf-8")
    report = import_hsds(tmp_path, tmp_path / "data")
    assert report.exit_status == 2
    assert any(
        "b.json [0]" in m and "duplicate id with different name (first in a.json [0])" in m
        for m in messages(report)
    ), messages(report)


# -- JSON by content, folders, NDJSON ------------------------------------------------------


def test_an_ndjson_file_imports(tmp_path):
    report = import_hsds(FEEDS / "feed.ndjson", tmp_path / "data")
    assert report.written and report.exit_status == 0, messages(report)
    found = agencies(tmp_path / "data")
    assert sorted(found) == ["Example Homework Help", "Example Summer Camp"]
    assert found["Example Summer Camp"].website == "https://youth.example.org"


def test_a_bad_ndjson_line_is_reported_by_line_and_the_rest_imports(tmp_path):
    lines = [json.dumps(ORG), "{not json", json.dumps(service("s1", "Example Pantry"))]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines), encoding="utf-8")
    report = import_hsds(tmp_path / "feed.jsonl", tmp_path / "data")
    assert report.written and report.exit_status == 2
    assert any(m.startswith("feed.jsonl line 2: not valid JSON") for m in messages(report))
    assert list(agencies(tmp_path / "data")) == ["Example Pantry"]


def test_ndjson_in_a_json_file_is_read_by_content(tmp_path):
    lines = [json.dumps(ORG), json.dumps(service("s1", "Example Pantry"))]
    (tmp_path / "export.json").write_text("\n".join(lines), encoding="utf-8")
    report = import_hsds(tmp_path / "export.json", tmp_path / "data")
    assert report.written, messages(report)
    assert list(agencies(tmp_path / "data")) == ["Example Pantry"]


def test_the_open_referral_mock_api_folder_layout_imports(tmp_path):
    report = import_hsds(FEEDS / "mock_api", tmp_path / "data")
    assert report.written and report.exit_status == 0, messages(report)
    found = agencies(tmp_path / "data")
    assert sorted(found) == ["Example Eviction Help", "Example Rent Relief"]
    # The organization's website is only in organizations/org-2.json: the records merged.
    assert found["Example Rent Relief"].website == "https://tenants.example.org"
    assert found["Example Eviction Help"].phones == ("412-555-0143", "412-555-0144")


def test_a_peer_transformers_one_file_per_record_layout_imports(tmp_path):
    feed = tmp_path / "feed" / "nested" / "deeper"
    feed.mkdir(parents=True)
    (feed / "organization_org-9.json").write_text(json.dumps(ORG), encoding="utf-8")
    for number in (1, 2):
        record = service(f"s{number}", f"Example Service {number}")
        (feed / f"service_s{number}.json").write_text(json.dumps(record), encoding="utf-8")
    (tmp_path / "feed" / "notes.txt").write_text("not data", encoding="utf-8")
    report = import_hsds(tmp_path / "feed", tmp_path / "data")
    assert report.written, messages(report)
    assert sorted(agencies(tmp_path / "data")) == ["Example Service 1", "Example Service 2"]
    assert "notes.txt: not a CSV, JSON or NDJSON file; not read" in messages(report)


def test_a_json_file_of_no_hsds_records_is_reported_by_name(tmp_path):
    (tmp_path / "feed.json").write_text(
        json.dumps({"organizations": [ORG], "services": [service("s1", "Pantry")]}),
        encoding="utf-8",
    )
    (tmp_path / "weather.json").write_text(json.dumps({"temperature": 21}), encoding="utf-8")
    report = import_hsds(tmp_path, tmp_path / "data")
    assert report.written and report.exit_status == 2
    assert any(
        m.startswith("weather.json: no HSDS record here") and "file ignored" in m
        for m in messages(report)
    )


@pytest.mark.parametrize(
    ("obj", "table"),
    [
        ({"id": "1", "organization_id": "o", "name": "Pantry", "status": "active"}, "service"),
        (
            {"id": "1", "organization_id": "o", "name": "Pantry", "eligibility_description": "x"},
            "service",
        ),
        (
            {"id": "1", "name": "Org", "description": "d", "website": "https://x.org"},
            "organization",
        ),
        ({"id": "1", "service_id": "s", "location_id": "l"}, "service_at_location"),
        ({"id": "1", "location_type": "physical", "name": "Hall"}, "location"),
        ({"id": "1", "number": "412-555-0100", "service_id": "s"}, "phone"),
        ({"id": "1", "service_id": "s", "freq": "WEEKLY", "byday": "MO"}, "schedule"),
        ({"id": "1", "code": "BD", "name": "Food", "taxonomy_id": "t"}, "taxonomy_term"),
        ({"id": "1", "link_id": "s", "taxonomy_term_id": "t"}, "attribute"),
        ({"id": "1", "location_id": "l", "address_1": "1 Main St", "city": "Town"}, "address"),
        ({"id": "1", "service_id": "s", "unit_id": "u", "available": 3}, "service_capacity"),
        ({"temperature": 21}, None),
    ],
)
def test_a_records_shape_says_its_table(obj, table):
    assert table_for_shape(obj) == table


def test_a_name_breaks_a_tie_only_between_tables_the_shape_allows():
    ambiguous = {"id": "1", "service_id": "s", "name": "North"}  # area, contact, language?
    assert table_for_shape(ambiguous, "service_area") == "service_area"
    assert table_for_shape(ambiguous, "contact") == "contact"
    assert table_for_shape(ambiguous, "service") is None  # no status: not a service


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("services.csv", "service"),
        ("service_full.json", "service"),
        ("organization_1234.json", "organization"),
        ("physical_addresses.csv", "physical_address"),
        ("services_at_location.csv", "services_at_location"),
        ("regular_schedules.csv", "regular_schedule"),
        ("service_capacities.csv", "service_capacity"),
        ("volunteers.csv", None),
    ],
)
def test_a_files_name_says_its_table_in_any_hsds_version(name, table):
    assert table_for_name(name) == table


def test_a_csv_files_name_must_name_its_table_exactly(tmp_path):
    assert table_for_name("service-areas.csv", loose=False) is None
    feed = tmp_path / "feed"
    shutil.copytree(FEEDS / "v1_csv", feed)
    (feed / "services_old.csv").write_text("id,name\nx,Old service\n", encoding="utf-8")
    report = import_hsds(feed, tmp_path / "data")
    assert "services_old.csv: not an HSDS table (the file name names none); file ignored" in (
        messages(report)
    )
    assert [a.name for a in agencies(tmp_path / "data").values()] == ["Example Weekly Groceries"]


@pytest.mark.skipif(not HSDS.exists(), reason="needs ../shared/hsds")
def test_the_required_fields_are_the_hsds_30_schemas_own():
    for table, required in REQUIRED.items():
        schema = json.loads((HSDS / "schema" / f"{table}.json").read_text(encoding="utf-8"))
        assert required == frozenset(schema.get("required", [])), table


@pytest.mark.skipif(not HSDS.exists(), reason="needs ../shared/hsds")
def test_every_row_of_the_spec_example_is_recognised_by_its_shape():
    tabular = json.loads((HSDS / "examples/json/tabular.json").read_text(encoding="utf-8"))
    for key, rows in tabular.items():
        if key == "meta_table_descriptions.csv":
            continue  # {id, name, language} carries nothing only that table has
        for row in rows:
            assert table_for_shape(row, table_for_name(key)) == table_for_name(key), key
            assert table_for_shape(row) in (table_for_name(key), None), (key, row)


# -- HSDS 1.x names, 3.1 tables, unknown columns, ids --------------------------------------


def test_an_hsds_1x_package_maps_onto_30_and_reports_what_it_cannot_use(tmp_path):
    report = import_hsds(FEEDS / "v1_csv", tmp_path / "data")
    assert report.written and report.exit_status == 2
    (agency,) = agencies(tmp_path / "data").values()
    assert agency.address == "100 Example Street, Pittsburgh, PA 15213"  # physical_addresses
    assert agency.eligibility == "Open to residents of the county (sample data)."
    assert agency.website == "https://pantry.example.org"  # 1.x organization url
    assert "byday TU; freq WEEKLY" in agency.notes and "byday TH" in agency.notes
    assert agency.phones == ("412-555-0142",)  # a phone row without an id
    found = messages(report)
    assert "volunteers.csv: not an HSDS table (the file name names none); file ignored" in found
    assert any(
        m.startswith('services.csv line 2: field "keywords": no HSDS 3.0 service field')
        and m.endswith("values dropped")
        for m in found
    )
    assert any("weekday 4 read as TH (ISO 8601, 1 = Monday)" in m for m in found)


def test_child_records_without_ids_get_stable_ids_reported_once_per_table(tmp_path):
    phones = [{"number": f"412-555-01{n:02}"} for n in range(5)]
    feed = {"organizations": [ORG], "services": [service("s1", "Example", phones=phones)]}
    (tmp_path / "feed.json").write_text(json.dumps(feed), encoding="utf-8")
    ids = []
    for run in ("a", "b"):
        report = import_hsds(tmp_path / "feed.json", tmp_path / run)
        (problem,) = [p for p in report.problems if p.table == "phone"]
        assert problem.reason == "5 phone records had no id" and not problem.is_loss
        ids.append(problem)
    assert report.exit_status == 0
    assert agencies(tmp_path / "b")["Example"].phones[:2] == ("412-555-0100", "412-555-0101")
    from directory.hsds.importing.flattening import Normaliser
    from directory.hsds.importing.report import Problems, Rec

    def derived() -> list[str]:
        normaliser = Normaliser(Problems())
        for n in range(2):
            normaliser.add(
                Rec("phone", "f", f"services[0].phones[{n}]", {"service_id": "s1"}, nested=True)
            )
        return [rec.id for rec in normaliser.finish()["phone"]]

    first = derived()
    assert first == derived() and len(set(first)) == 2  # same feed, same ids


def test_hsds_31_tables_are_read_and_kept(tmp_path):
    record = service(
        "s1",
        "Example Pantry",
        capacities=[
            {
                "id": "c1",
                "unit": {"id": "u1", "name": "beds"},
                "available": 4,
                "updated": "2026-01-01",
            }
        ],
    )
    feed = {
        "organizations": [
            ORG | {"additional_websites": [{"id": "w1", "url": "https://x.example.org"}]}
        ],
        "services": [record],
    }
    (tmp_path / "feed.json").write_text(json.dumps(feed), encoding="utf-8")
    report = import_hsds(tmp_path / "feed.json", tmp_path / "data")
    assert report.written
    found = messages(report)
    assert not [m for m in found if "not kept" in m or "3.1" in m], found
    kept = read_kept_tables(tmp_path / "data")
    assert kept is not None
    (capacity,) = kept["service_capacity"]
    assert (capacity["id"], capacity["service_id"], capacity["unit_id"]) == ("c1", "s1", "u1")
    assert (capacity["available"], capacity["updated"]) == (4, "2026-01-01")
    assert [(u["id"], u["name"]) for u in kept["unit"]] == [("u1", "beds")]
    assert [(u["id"], u["url"], u["organization_id"]) for u in kept["url"]] == [
        ("w1", "https://x.example.org", "org-9")
    ]


# -- the report: totals by reason, exit 2 --------------------------------------------------


def test_the_report_counts_problems_by_reason_and_says_imported_with_losses(tmp_path):
    feed = {
        "organizations": [ORG],
        "services": [
            service(f"s{n}", f"Example {n}", colour="blue", minimum_age=f"age {n}")
            for n in range(3)
        ]
        + [service("s0", "Example again"), service("s3", "Reviewed", reviews=[{"id": "r1"}])],
    }
    (tmp_path / "feed.json").write_text(json.dumps(feed), encoding="utf-8")
    report = import_hsds(tmp_path / "feed.json", tmp_path / "data")
    totals = {kind: (n, lost) for kind, n, lost in report.totals_by_reason()}
    # Once per file and column, saying how many records had it.
    assert totals["service.colour: no HSDS N service field is called 'colour'; values dropped"] == (
        1,
        True,
    )
    assert "3 records" in {p.value for p in report.problems if p.field == "colour"}
    # A list no table has is the same: an unknown field, not "expected a single value".
    assert totals["service.reviews: no HSDS N service field is called 'reviews'; values dropped"]
    # One reason, three records: counted together, whatever each value was.
    assert totals['service.minimum_age: "…" is not a number; value dropped'] == (3, True)
    assert totals["service.id: duplicate id; record skipped; the first record kept"] == (1, True)
    counts = [n for _, n, _ in report.totals_by_reason()]
    assert counts == sorted(counts, reverse=True)  # most frequent first
    assert report.exit_status == 2 and "imported with losses" in report.summary()
    assert {
        "reason": 'service.minimum_age: "…" is not a number; value dropped',
        "count": 3,
        "lost": True,
    } in report.to_json()["totals_by_reason"]
    assert report.totals_text().startswith("Totals by reason:")


def test_the_cli_exits_2_with_totals_when_anything_was_lost(tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        main, ["import-hsds", str(FEEDS / "v1_csv"), "--out", str(tmp_path / "a"), "--json"]
    )
    assert result.exit_code == 2, result.output
    output = json.loads(result.output)
    assert output["exit_status"] == 2 and output["losses"] >= 2
    assert {"reason", "count", "lost"} <= set(output["totals_by_reason"][0])
    result = runner.invoke(
        main, ["import-hsds", str(FEEDS / "feed.ndjson"), "--out", str(tmp_path / "b")]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        main, ["import-hsds", str(FEEDS / "v1_csv"), "--out", str(tmp_path / "c")]
    )
    assert result.exit_code == 2 and "Totals by reason:" in result.output


def test_the_sample_feeds_are_left_as_they_were(tmp_path):
    copy = tmp_path / "v1"
    shutil.copytree(FEEDS / "v1_csv", copy)
    import_hsds(copy, tmp_path / "data")
    assert sorted(p.name for p in copy.iterdir()) == sorted(
        p.name for p in (FEEDS / "v1_csv").iterdir()
    )


def test_a_tabular_document_reads_its_tables_and_reports_other_keys(tmp_path):
    document = {
        "version": "3.0",
        "organizations": [ORG],
        "services": [service("s1", "Example Pantry")],
        "volunteers": [{"id": "v1", "name": "Sample Volunteer"}],
    }
    (tmp_path / "feed.json").write_text(json.dumps(document), encoding="utf-8")
    report = import_hsds(tmp_path / "feed.json", tmp_path / "data")
    assert list(agencies(tmp_path / "data")) == ["Example Pantry"]
    found = {(p.field, p.action) for p in report.problems if p.reason == "not an HSDS table"}
    assert found == {("version", "not read"), ("volunteers", "ignored")}
    assert report.exit_status == 2  # the volunteers list was lost


def test_files_that_are_not_data_are_reported_but_are_no_loss(tmp_path):
    feed = tmp_path / "feed"
    shutil.copytree(FEEDS / "mock_api", feed)
    (feed / "README.md").write_text("About this feed", encoding="utf-8")
    (feed / ".DS_Store").write_bytes(b"\0")
    report = import_hsds(feed, tmp_path / "data")
    assert report.exit_status == 0, messages(report)
    assert {
        "README.md: not a CSV, JSON or NDJSON file; not read",
        ".DS_Store: a hidden file; not read",
    } <= set(messages(report))


def test_hsds_1x_nested_json_keys_map_onto_30_records(tmp_path):
    report = import_hsds(FEEDS / "v1_api.json", tmp_path / "data")
    assert report.written and report.exit_status == 0, messages(report)
    (agency,) = agencies(tmp_path / "data").values()
    assert agency.address == "1 Example Way, Pittsburgh, PA 15213"  # physical, not postal
    assert agency.eligibility == "Adults 18 and over"
    assert agency.area_ids == ("example-county",)  # 1.x service_area.service_area
    assert "byday MO; freq WEEKLY" in agency.notes  # regular_schedule weekday Monday
    assert "valid from 2026-12-25; valid to 2026-12-25; description Closed" in agency.notes
    derived = {p.table: p.reason for p in report.problems if p.field == "id"}
    assert derived == {
        "address": "2 address records had no id",
        "schedule": "2 schedule records had no id",
        "service_area": "1 service_area record had no id",
        "service_at_location": "1 service_at_location record had no id",
    }


def test_an_open_referral_uk_service_keeps_its_esd_terms_and_eligibility(tmp_path):
    report = import_hsds(FEEDS / "oruk_service.json", tmp_path / "data")
    assert report.written and report.exit_status == 0, messages(report)
    (agency,) = agencies(tmp_path / "data").values()
    assert agency.address == "1 Example Road, Exampleton, EX1 1AA"
    assert (agency.eligibility, agency.min_age) == ("older adults", 60)  # from eligibilitys
    assert "housing" in agency.needs  # esdNeeds "Homelessness" is a word of our housing need
    assert "Taxonomy terms: Lunch clubs" in agency.notes  # no need of ours: kept as text
    kept = (tmp_path / "data" / "hsds" / "taxonomy_terms.csv").read_text(encoding="utf-8")
    assert "oruk-t2,,Lunch clubs,,,esdServiceTypes" in kept  # and as the feed's own term


@pytest.mark.parametrize("seed", range(2))
def test_cut_or_corrupted_feeds_are_reported_never_raised(tmp_path, seed):
    import random

    rng = random.Random(seed)
    whole = (FEEDS / "v1_api.json").read_bytes()
    lines = (FEEDS / "feed.ndjson").read_bytes()
    services = (FEEDS / "v1_csv" / "services.csv").read_bytes()
    cases = []
    for _ in range(3):
        cut = rng.randrange(1, len(whole))
        cases.append(("feed.json", whole[:cut]))
        flipped = bytearray(whole)
        flipped[rng.randrange(len(whole))] = rng.choice(b'{}[]",:\\\x00\xff')
        cases.append(("feed.json", bytes(flipped)))
        cases.append(("feed.ndjson", lines[: rng.randrange(1, len(lines))]))
    cases.append(("services.csv", services[: rng.randrange(1, len(services))]))
    for number, (name, content) in enumerate(cases):
        folder = tmp_path / f"case{number}"
        folder.mkdir()
        if name == "services.csv":
            shutil.copytree(FEEDS / "v1_csv", folder, dirs_exist_ok=True)
        (folder / name).write_bytes(content)
        report = import_hsds(folder, tmp_path / f"out{number}")
        assert report.written or report.has_fatal_problem, (name, messages(report))
        assert report.exit_status in (0, 1, 2)
