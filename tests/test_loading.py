"""Loading and validation of a data folder, through load_data() and the messages users see."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from directory.facets import FilterSets
from directory.loading import load_data, summary
from directory.records import AgeGroup, Kind, Level, format_phone, tel_uri

DEFAULT_DATA = Path(__file__).parents[1] / "data"


def append_row(folder: Path, filename: str, row: str) -> int:
    """Append a raw CSV line; returns its line number."""
    path = folder / filename
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + row + "\n", encoding="utf-8")
    return text.count("\n") + 1


def agency_line(**values: str) -> str:
    """A valid agencies.csv line with some columns changed."""
    row = {
        "id": "sample-agency",
        "name": "Sample Agency (invented test row)",
        "kind": "formal",
        "levels": "administrative",
        "age_groups": "adult",
        "areas": "allegheny-county",
        "needs": "housing",
        "phones": "412-555-0100",
        "source": "test fixture",
        "verified_on": "2020-01-01",
    }
    row.update(values)
    header = (Path(__file__).parents[1] / "data" / "agencies.csv").read_text().splitlines()[0]
    columns = header.split(",")
    from io import StringIO

    out = StringIO()
    csv.writer(out, lineterminator="").writerow([row.get(c, "") for c in columns])
    return out.getvalue()


def test_bundled_data_loads_without_problems():
    data = load_data(Path(__file__).parents[1] / "data")
    assert data.problems == ()
    assert sum(1 for a in data.agencies if a.kind is Kind.FORMAL) == 12
    assert sum(1 for a in data.agencies if a.kind is Kind.INFORMAL) >= 5
    assert "12 agencies" in summary(data) and "0 rows rejected" in summary(data)


def test_every_record_says_where_it_came_from_and_reconstructions_are_marked():
    data = load_data(Path(__file__).parents[1] / "data")
    for agency in data.agencies:
        assert agency.source, agency.id
        if agency.kind is Kind.FORMAL:
            # The brochure's level/age check marks were lost: our values are a reconstruction.
            assert {"levels", "age_groups"} <= set(agency.reconstructed), agency.id
            assert agency.levels and agency.age_groups


def brochure_listing(text: str) -> list[tuple[str, str, str]]:
    """(name, phone, location line) in brochure order, read from the seed text."""
    agencies_part = text.split("Select Universal Adult")[1].split(
        "SERVICE COORDINATION AGENCY LOCATION"
    )[0]
    pairs = re.findall(r"\n([^\n]+?)\s*\n((?:1-)?\d{3}-?\s?\d{3}-\d{4})", agencies_part)
    locations_part = text.split("ADMIN\nCHILD")[1]
    locations = [line.strip() for line in locations_part.splitlines() if line.strip()]
    return [(name.strip(), phone, place) for (name, phone), place in zip(pairs, locations)]


def test_brochure_agencies_phones_and_service_areas_are_all_there(brochure_text):
    data = load_data(Path(__file__).parents[1] / "data")
    listing = brochure_listing(brochure_text)
    assert len(listing) == 12
    by_name = {a.name.replace("  ", " "): a for a in data.agencies}
    area_names = {area.id: area.name for area in data.areas}
    root = next(area.id for area in data.areas if area.parent is None)
    for name, phone, place in listing:
        agency = by_name[re.sub(r"\s+", " ", name).replace("\u2019", "'")]
        assert agency.phones == (format_phone(phone),), name
        expected = [p.strip() for p in place.split(",")]
        shown = ["County-wide" if a == root else area_names[a] for a in agency.area_ids]
        assert shown == expected, name


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (dict(areas="atlantis"), "areas", 'unknown area "atlantis"'),
        (dict(needs="teleportation"), "needs", 'unknown need "teleportation"'),
        (dict(id="hsao"), "id", 'duplicate id "hsao"'),
        (dict(phones="412-55"), "phones", '"412-55" has 5 digits; expected 10'),
        (dict(verified_on="2999-01-01"), "verified_on", "2999-01-01 is in the future"),
        (dict(verified_on="last spring"), "verified_on", "is not a date; use YYYY-MM-DD"),
        (dict(name=""), "name", "required value is missing"),
        (
            dict(levels="intensive"),
            "levels",
            'unknown value "intensive"; expected blended, administrative',
        ),
        (dict(age_groups="teen"), "age_groups", 'unknown value "teen"; expected adult, child'),
        (dict(kind="charity"), "kind", 'unknown kind "charity"'),
        (dict(min_age="18", max_age="5"), "max_age", "max_age 5 is below min_age 18"),
        (dict(latitude="40.4"), "longitude", "latitude and longitude go together"),
        (dict(id="Not A Slug"), "id", "is not a valid id"),
    ],
)
def test_broken_agency_row_is_reported_and_others_load(data_copy, row, column, message):
    line = append_row(data_copy, "agencies.csv", agency_line(**row))
    data = load_data(data_copy)
    assert len(data.problems) == 1
    problem = data.problems[0]
    assert (problem.line, problem.column) == (line, column)
    assert message in str(problem)
    assert str(problem).startswith(f'{data_copy / "agencies.csv"}:{line}: column "{column}":')
    assert str(problem).endswith("row skipped")
    assert sum(1 for a in data.agencies if a.kind is Kind.FORMAL) == 12  # every good row loaded


def test_valid_extra_row_loads_with_typed_values(data_copy):
    append_row(
        data_copy, "agencies.csv", agency_line(phones="(412) 555 0100;1 800 555 0199", min_age="18")
    )
    data = load_data(data_copy)
    assert data.problems == ()
    sample = next(a for a in data.agencies if a.id == "sample-agency")
    assert sample.phones == ("412-555-0100", "1-800-555-0199")
    assert sample.levels == frozenset({Level.ADMINISTRATIVE})
    assert sample.age_groups == frozenset({AgeGroup.ADULT})
    assert sample.min_age == 18 and sample.max_age is None
    ages = FilterSets.build(data.agencies, data.areas, [need.code for need in data.needs])
    position = data.agencies.index(sample)
    assert ages.serving_age(30)[position] and not ages.serving_age(12)[position]


def test_row_with_too_many_fields_is_reported(data_copy):
    line = append_row(data_copy, "agencies.csv", agency_line() + ",extra,fields")
    data = load_data(data_copy)
    assert [p.line for p in data.problems] == [line]
    assert "fields but the header has" in str(data.problems[0])


def test_bom_and_crlf_files_load_the_same(data_copy):
    for name in ("agencies.csv", "regions.csv", "needs.csv"):
        path = data_copy / name
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    data = load_data(data_copy)
    assert data.problems == ()
    assert len(data.agencies) == len(load_data(Path(__file__).parents[1] / "data").agencies)


def test_line_that_is_not_utf8_is_reported_and_others_load(data_copy):
    path = data_copy / "agencies.csv"
    line = path.read_text(encoding="utf-8").count("\n") + 1
    path.write_bytes(path.read_bytes() + agency_line(name="Caf\u00e9").encode("latin-1") + b"\n")
    data = load_data(data_copy)
    assert [p.line for p in data.problems] == [line]
    assert "not valid UTF-8" in str(data.problems[0])
    assert sum(1 for a in data.agencies if a.kind is Kind.FORMAL) == 12


def test_wrong_header_is_fatal_with_a_clear_message(data_copy):
    path = data_copy / "agencies.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(["ident,title,phone"] + lines[1:]) + "\n", encoding="utf-8")
    data = load_data(data_copy)
    assert data.has_fatal_problem
    message = str(data.problems[0])
    assert "header is missing required column(s) id, name, kind, areas, source" in message
    assert data.agencies == ()


def test_missing_file_is_fatal_not_a_traceback(data_copy):
    (data_copy / "needs.csv").unlink()
    data = load_data(data_copy)
    assert data.has_fatal_problem
    assert any("needs.csv: file not found" in str(p) for p in data.problems)


def test_unknown_column_is_reported_and_ignored(data_copy):
    path = data_copy / "needs.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(
        "\n".join([lines[0] + ",colour"] + [line + ",blue" for line in lines[1:]]) + "\n"
    )
    data = load_data(data_copy)
    assert [(p.column, p.action) for p in data.problems] == [("colour", "column ignored")]
    assert not data.rejected_rows


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("nowhere,Nowhere,atlantis,15213,,test,", "parent", 'unknown parent "atlantis"'),
        (
            "bad-zip,Bad Zip,allegheny-county,1521,,test,",
            "zips",
            '"1521" is not a 5-digit ZIP code',
        ),
        (
            "stray,Stray,allegheny-county,15213,15217,test,",
            "straddling_zips",
            "not among the area's zips",
        ),
    ],
)
def test_broken_region_row_is_reported(data_copy, row, column, message):
    line = append_row(data_copy, "regions.csv", row)
    data = load_data(data_copy)
    assert [(p.line, p.column) for p in data.problems] == [(line, column)]
    assert message in str(data.problems[0])


def test_phone_formats_and_tel_links():
    assert format_phone("1-800-222-4200") == "1-800-222-4200"
    assert format_phone("412- 431-8006") == "412-431-8006"
    assert format_phone("988") == "988"
    assert tel_uri("412-431-8006") == "tel:+14124318006"
    assert tel_uri("1-800-222-4200") == "tel:+18002224200"
    assert tel_uri("211") == "tel:211"
    with pytest.raises(ValueError, match="has 5 digits"):
        format_phone("412-55")


# -- whole files: the loader never loses a row silently (issue 12, item 8) ---------------------


def _agency_lines(folder: Path) -> list[str]:
    return (folder / "agencies.csv").read_text(encoding="utf-8").splitlines()


def _ids(data) -> set[str]:
    return {agency.id for agency in data.agencies}


def test_unclosed_quote_is_a_file_problem_and_the_next_line_still_loads(data_copy):
    lines = _agency_lines(data_copy)
    # Line 5 opens a quote in "notes" and never closes it: the csv module reads line 6 (and on,
    # up to the next quote) into that one field.
    runaway = agency_line(id="runaway-quote")
    assert runaway.endswith(",")
    lines[4:4] = [runaway + '"a note that never ends', agency_line(id="next-agency")]
    (data_copy / "agencies.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = load_data(data_copy)
    assert len(data.problems) == 1, [str(p) for p in data.problems]
    problem = data.problems[0]
    assert problem.is_fatal and (problem.line, problem.column) == (5, "notes")
    assert "a quote opens in this field and is never closed; lines 6-" in str(problem)
    assert str(problem).startswith(f'{data_copy / "agencies.csv"}:5: column "notes":')
    assert data.has_fatal_problem  # the version is refused, the last good one keeps serving
    # Line 6 and every line after it were read again, not swallowed.
    assert _ids(data) == _ids(load_data(DEFAULT_DATA)) | {"next-agency"}


def test_unclosed_quote_on_the_last_line_is_reported(data_copy):
    path = data_copy / "agencies.csv"
    path.write_text(
        path.read_text(encoding="utf-8") + agency_line() + '"never closed' + "\n",
        encoding="utf-8",
    )
    data = load_data(data_copy)
    assert [(p.line, p.column, p.is_fatal) for p in data.problems] == [(25, "notes", True)]
    assert "never closed" in data.problems[0].reason
    assert len(data.agencies) == len(load_data(DEFAULT_DATA).agencies)


def test_quoted_value_with_a_line_break_is_still_fine(data_copy):
    row = agency_line(notes="NOTE").replace(",NOTE", ',"first line\nsecond, line"')
    line = append_row(data_copy, "agencies.csv", row)
    data = load_data(data_copy)
    assert data.problems == ()
    assert next(a for a in data.agencies if a.id == "sample-agency").notes == (
        "first line\nsecond, line"
    )
    assert line == 25


def test_duplicated_header_is_one_file_problem_naming_both_columns(data_copy):
    lines = _agency_lines(data_copy)
    header = lines[0].split(",")
    lines[0] = lines[0] + ",description"
    lines[1:] = [line + ",replaced" for line in lines[1:]]
    (data_copy / "agencies.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = load_data(data_copy)
    assert len(data.problems) == 1
    problem = data.problems[0]
    where = header.index("description") + 1
    assert problem.is_fatal and (problem.line, problem.column) == (1, "description")
    assert f"appears twice in the header (columns {where} and {len(header) + 1})" in str(problem)
    # Nothing was silently replaced: the first column's values are read.
    assert not any(agency.description == "replaced" for agency in data.agencies)
    assert {a.id: a.description for a in data.agencies} == {
        a.id: a.description for a in load_data(DEFAULT_DATA).agencies
    }


def test_second_empty_name_column_names_the_cause_once(data_copy):
    lines = _agency_lines(data_copy)
    lines[0] += ",name"
    lines[1:] = [line + "," for line in lines[1:]]
    (data_copy / "agencies.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = load_data(data_copy)
    assert [(p.line, p.column, p.is_fatal) for p in data.problems] == [(1, "name", True)]
    assert 'column "name" appears twice' in str(data.problems[0])
    assert not any("required value is missing" in str(p) for p in data.problems)
    assert len(data.agencies) == len(load_data(DEFAULT_DATA).agencies)


def test_bad_region_row_rejects_that_row_only_and_reports_its_agencies(data_copy):
    path = data_copy / "regions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.startswith("south-hills,"))
    lines[line - 1] = lines[line - 1].replace("15017;", "1501;", 1)  # a mistyped ZIP
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = load_data(data_copy)
    bundled = load_data(DEFAULT_DATA)
    by_file = {}
    for problem in data.problems:
        by_file.setdefault(problem.path.name, []).append(problem)
    assert [(p.line, p.column, p.action) for p in by_file["regions.csv"]] == [
        (line, "zips", "row skipped"),
        (
            next(i for i, t in enumerate(lines, 1) if t.startswith("bridgeville,")),
            "parent",
            'area loaded under "allegheny-county" until that row is fixed',
        ),
    ]
    assert '"1501" is not a 5-digit ZIP code' in str(by_file["regions.csv"][0])
    assert data.rejected_rows == 1  # only the bad row
    assert {a.id for a in data.areas} == {a.id for a in bundled.areas} - {"south-hills"}
    # The agencies serving South Hills are all still there, reported, not dropped.
    assert _ids(data) == _ids(bundled)
    chartiers = next(a for a in data.agencies if a.id == "chartiers-mh-mr")
    assert chartiers.area_ids == ("bridgeville",)
    served = [p for p in by_file["agencies.csv"] if p.value == "south-hills"]
    assert [(p.column, p.action) for p in served] == [("areas", "agency loaded without that area")]
    assert f'area "south-hills" was rejected in regions.csv (line {line})' in str(served[0])


def test_quote_closed_in_the_wrong_place_names_the_cause_not_a_shifted_column(data_copy):
    path = data_copy / "agencies.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace(",Family Services", ',"Family Services', 1)  # never closed
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = load_data(data_copy)
    assert [(p.line, p.column, p.action) for p in data.problems] == [(5, None, "row skipped")]
    assert "odd number of quotes" in data.problems[0].reason
    assert data.rejected_rows == 1
    assert len(data.agencies) == len(load_data(DEFAULT_DATA).agencies) - 1  # line 6 kept
