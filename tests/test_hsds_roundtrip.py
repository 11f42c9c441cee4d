"""HSDS without loss: a feed using every table keeps every field and id through import,
reload and export, in CSV and JSON; our own records keep their uuid5 ids."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hsds_feed import (
    CLINIC,
    FEED,
    HALL,
    LOCATION_PHONE,
    ORG,
    PANTRY,
    write_feed_csv,
    write_feed_json,
)

from directory import create_app
from directory.catalog import Directory
from directory.hsds import JSON_FILE, export_hsds, import_hsds
from directory.hsds.schema import NUMBER_FIELDS, TABLES
from directory.loading import load_data

SETTINGS = {"GEOCODER": "offline", "INDEX_DIR": ":memory:"}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def same(table: str, column: str, fed: str, out) -> bool:
    """Field equality, numbers compared as numbers ("16" in CSV, 16 or 16.0 in JSON)."""
    if column in NUMBER_FIELDS.get(table, ()) and fed != "":
        return out not in (None, "") and float(out) == float(fed)
    return ("" if out is None else str(out)) == fed


def assert_every_fed_field_is_exported(rows_by_table: dict[str, list[dict]]) -> None:
    for table, fed_rows in FEED.items():
        exported = {row["id"]: row for row in rows_by_table[table]}
        for fed in fed_rows:
            assert fed["id"] in exported, f"{table} {fed['id']} lost"
            out = exported[fed["id"]]
            for column in TABLES[table][1]:
                value = fed.get(column, "")
                assert same(table, column, value, out.get(column)), (table, column, value, out)


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("feed")
    report = import_hsds(write_feed_csv(root / "feed"), root / "data", region_name="Riverside")
    assert report.written, [str(p) for p in report.problems]
    return root / "data", report


def test_the_feed_uses_every_table_of_the_data_package():
    assert set(FEED) == set(TABLES) and all(FEED.values())


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_import_then_export_loses_no_field_and_no_id(imported, fmt, tmp_path):
    folder, _ = imported
    out = export_hsds(Directory.load(folder, SETTINGS), tmp_path / fmt, fmt)
    if fmt == "csv":
        rows = {table: read_csv(out / filename) for table, (filename, _) in TABLES.items()}
    else:
        rows = json.loads((out / JSON_FILE).read_text(encoding="utf-8"))
    assert_every_fed_field_is_exported(rows)
    # One organisation for the feed's one organisation, not one per service.
    assert [row["id"] for row in rows["organization"]] == [ORG]
    if fmt == "json":  # optional fields without a value are left out, required ones kept
        from directory.hsds.schema import REQUIRED_FIELDS

        for table, table_rows in rows.items():
            required = REQUIRED_FIELDS.get(table, ("id",))
            for row in table_rows:
                empty = [k for k, v in row.items() if v in ("", None) and k not in required]
                assert not empty, (table, row["id"], empty)
        clinic = next(row for row in rows["service"] if row["id"] == CLINIC)
        assert "email" not in clinic and "url" not in clinic


def test_a_json_feed_round_trips_too(tmp_path):
    report = import_hsds(write_feed_json(tmp_path / "feed.json"), tmp_path / "data")
    assert report.written, [str(p) for p in report.problems]
    out = export_hsds(Directory.load(tmp_path / "data", SETTINGS), tmp_path / "out", "json")
    assert_every_fed_field_is_exported(json.loads((out / JSON_FILE).read_text(encoding="utf-8")))


def test_export_import_export_of_the_feed_is_byte_for_byte_stable(imported, tmp_path):
    folder, _ = imported
    first = export_hsds(Directory.load(folder, SETTINGS), tmp_path / "first", "csv")
    report = import_hsds(first, tmp_path / "again")
    assert report.written, [str(p) for p in report.problems]
    second = export_hsds(Directory.load(tmp_path / "again", SETTINGS), tmp_path / "second", "csv")
    for path in sorted(first.iterdir()):
        assert (second / path.name).read_bytes() == path.read_bytes(), path.name


def test_each_service_is_an_agency_that_keeps_its_feed_id(imported):
    folder, _ = imported
    data = load_data(folder)
    assert not data.problems, [str(p) for p in data.problems]
    assert {agency.name for agency in data.agencies} == {
        "Riverside Food Pantry (sample)",
        "Riverside Advice Clinic (sample)",
    }
    ids = read_csv(folder / "hsds_ids.csv")
    assert {row["service_id"] for row in ids} == {PANTRY, CLINIC}
    assert {row["organization_id"] for row in ids} == {ORG}
    pantry = next(row for row in ids if row["service_id"] == PANTRY)
    assert pantry["location_id"] == HALL


def test_kept_feed_ids_answer_in_the_api_after_a_reload(imported):
    folder, _ = imported
    client = create_app({**SETTINGS, "DATA": str(folder)}).test_client()
    body = client.get(f"/hsds/services/{PANTRY}").get_json()
    assert body["id"] == PANTRY and body["email"] == "pantry@example.org"
    assert body["organization"]["id"] == ORG
    assert [s["opens_at"] for s in body["schedules"]] == ["09:30:00"]
    location = body["service_at_locations"][0]["location"]
    assert location["id"] == HALL
    assert [p["id"] for p in location["phones"]] == [LOCATION_PHONE]
    (address,) = location["addresses"]
    assert (address["country"], address["state_province"], address["address_type"]) == (
        "GB",
        "England",
        "postal",
    )


def test_a_removed_agency_leaves_the_export_with_its_own_rows(imported, tmp_path):
    folder, _ = imported
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(folder, copy)
    rows = read_csv(copy / "agencies.csv")
    kept = [row for row in rows if row["name"] != "Riverside Food Pantry (sample)"]
    with (copy / "agencies.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    out = export_hsds(Directory.load(copy, SETTINGS), tmp_path / "out", "csv")
    services = {row["id"] for row in read_csv(out / "services.csv")}
    assert CLINIC in services and PANTRY not in services
    assert not any(row["service_id"] == PANTRY for row in read_csv(out / "schedules.csv"))
    # The organisation and the hall stay: the clinic's organisation still exists.
    assert [row["id"] for row in read_csv(out / "organizations.csv")] == [ORG]
    assert HALL in {row["id"] for row in read_csv(out / "locations.csv")}


# -- what pages show -----------------------------------------------------------------------


def test_agency_page_shows_the_feeds_address_hours_languages_and_email(imported):
    folder, _ = imported
    client = create_app({**SETTINGS, "DATA": str(folder)}).test_client()
    agency_id = next(
        r["agency_id"] for r in read_csv(folder / "hsds_ids.csv") if r["service_id"] == PANTRY
    )
    page = client.get(f"/agencies/{agency_id}").get_data(as_text=True)
    assert (
        "Pantry, 1 Bridge Street, Side door, London, England SW1A 1AA, GB (postal address)" in page
    )
    assert "Tuesday and Thursday, 09:30–12:00. Tuesdays and Thursdays; Queue from 9" in page
    # Week numbers and month days are more than we evaluate offline: hours, but no verdict.
    assert "Open now" not in page and "Closed now" not in page
    assert "Polish (pl)" in page
    assert 'href="mailto:pantry@example.org"' in page and 'href="mailto:sam@example.org"' in page
    assert "the feed&#39;s contact record: Sam Example, Coordinator" in page
    others = page[page.index("Other phone numbers") :]
    others = others[: others.index("</dd>")]
    assert "+44 20 7946 0000 (Hall office)" in others  # the location's phone, not dropped
    assert "412-555-0142" not in others  # already on the Phone line: said once
    assert 'href="https://example.org/pantry"' in page


@pytest.fixture()
def plain_weekly_hours(imported, tmp_path) -> Path:
    """The imported feed with its schedule made plain weekly hours (no week or month days)."""
    import shutil

    folder = tmp_path / "data"
    shutil.copytree(imported[0], folder)
    rows = read_csv(folder / "hsds" / "schedules.csv")
    for row in rows:
        row.update(byweekno="", bymonthday="", byyearday="", count="")
    with (folder / "hsds" / "schedules.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


def test_agency_page_says_open_or_closed_when_the_weekly_hours_allow(plain_weekly_hours):
    folder = plain_weekly_hours
    client = create_app({**SETTINGS, "DATA": str(folder)}).test_client()
    agency_id = next(
        r["agency_id"] for r in read_csv(folder / "hsds_ids.csv") if r["service_id"] == PANTRY
    )
    page = client.get(f"/agencies/{agency_id}").get_data(as_text=True)
    assert ("Open now" in page) != ("Closed now" in page)
    assert "by the listed hours" in page and " UTC); holidays" in page


def test_result_cards_show_the_address_and_open_now(plain_weekly_hours):
    client = create_app({**SETTINGS, "DATA": str(plain_weekly_hours)}).test_client()
    page = client.get("/", query_string={"q": "pantry"}).get_data(as_text=True)
    card = page[page.index('class="agency-card') :]
    assert "1 Bridge Street" in card and "by the listed hours" in card


def test_bundled_agency_page_says_where_its_address_comes_from(client):
    page = client.get("/agencies/carnegie-library-of-pittsburgh").get_data(as_text=True)
    assert "4400 Forbes Ave, Pittsburgh, PA 15213" in page
    assert "(from this directory&#39;s record)" in page
    assert "Open now" not in page and "Closed now" not in page  # no hours, so nothing said


WEEKLY = {
    "freq": "WEEKLY",
    "byday": "TU,TH",
    "opens_at": "09:30",
    "closes_at": "12:00",
    "timezone": -5,
    "valid_to": "2030-12-31",
}


@pytest.mark.parametrize(
    ("schedule", "utc", "expected"),
    [
        (WEEKLY, "2026-12-01T15:00:00+00:00", True),  # Tuesday 10:00 at UTC-5
        (WEEKLY, "2026-12-01T17:00:00+00:00", False),  # Tuesday 12:00 at UTC-5: just closed
        (WEEKLY, "2026-12-01T14:29:00+00:00", False),  # Tuesday 09:29 at UTC-5
        (WEEKLY, "2026-12-02T15:00:00+00:00", False),  # Wednesday
        (WEEKLY, "2031-01-07T15:00:00+00:00", False),  # a Tuesday after valid_to
        ({**WEEKLY, "timezone": None}, "2026-12-01T15:00:00+00:00", None),  # no offset: unknown
        ({**WEEKLY, "freq": "MONTHLY"}, "2026-12-01T15:00:00+00:00", None),  # not evaluated
        ({**WEEKLY, "bymonthday": "1"}, "2026-12-01T15:00:00+00:00", None),
        ({**WEEKLY, "closes_at": "noon"}, "2026-12-01T15:00:00+00:00", None),
    ],
)
def test_open_now_only_when_the_hours_say_so(schedule, utc, expected):
    from datetime import datetime

    from directory.hsds.details import open_now

    answer = open_now([schedule], datetime.fromisoformat(utc))
    assert (answer.is_open if answer else None) == expected
    if answer:
        assert answer.utc_offset == "UTC-5"


def test_hours_text_reads_the_rrule_fields_and_keeps_the_feeds_words():
    from directory.hsds.details import hours_text

    assert hours_text(WEEKLY) == "Tuesday and Thursday, 09:30–12:00"
    assert hours_text({"description": "By appointment"}) == "By appointment"
    assert hours_text({"byday": "MO,WE,FR"}) == "Monday, Wednesday, Friday"


def test_edits_to_an_imported_folder_are_not_shadowed_by_what_the_import_kept(
    bundled_directory, tmp_path
):
    from directory.hsds import hsds_id
    from directory.hsds.taxonomy import LEVEL

    export = export_hsds(bundled_directory, tmp_path / "export", "csv")
    assert import_hsds(export, tmp_path / "data").written
    rows = read_csv(tmp_path / "data" / "agencies.csv")
    for row in rows:
        if row["id"] == "family-links":
            row.update(levels="administrative", verified_on="2024-05-06", reconstructed="")
    with (tmp_path / "data" / "agencies.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = export_hsds(Directory.load(tmp_path / "data", SETTINGS), tmp_path / "out", "csv")
    service = hsds_id("service", "family-links")
    terms = {
        a["taxonomy_term_id"] for a in read_csv(out / "attributes.csv") if a["link_id"] == service
    }
    assert LEVEL.term_id("administrative") in terms and LEVEL.term_id("blended") not in terms
    (verified,) = [m for m in read_csv(out / "metadata.csv") if m["resource_id"] == service]
    assert verified["replacement_value"] == "2024-05-06"
    # Ids stay the ones our first export gave: uuid5 of the agency id, through every step.
    assert service in {row["id"] for row in read_csv(out / "services.csv")}


def test_a_change_only_the_kept_tables_hold_is_a_new_data_version(tmp_path):
    import copy

    import hsds_feed

    from directory.loading import fingerprint

    report = import_hsds(write_feed_csv(tmp_path / "feed"), tmp_path / "data")
    assert report.written
    before = fingerprint(tmp_path / "data")
    agencies_before = (tmp_path / "data" / "agencies.csv").read_bytes()
    feed = copy.deepcopy(hsds_feed.FEED)
    feed["phone"][1]["number"] = "+44 20 7946 0999"  # the hall's phone, in no agency column
    original, hsds_feed.FEED = hsds_feed.FEED, feed
    try:
        write_feed_csv(tmp_path / "v2" / "feed")  # same folder name: same source lines
    finally:
        hsds_feed.FEED = original
    assert import_hsds(tmp_path / "v2" / "feed", tmp_path / "data").written
    assert (tmp_path / "data" / "agencies.csv").read_bytes() == agencies_before
    assert fingerprint(tmp_path / "data") != before  # so servers reload and snapshots differ
    manifest = json.loads((tmp_path / "data" / "hsds_package.json").read_text(encoding="utf-8"))
    assert manifest["files"]["phones.csv"]["rows"] == len(hsds_feed.FEED["phone"])
