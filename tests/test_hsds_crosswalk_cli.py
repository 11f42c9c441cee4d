"""A county's own taxonomy crosswalk from the CLI (`import-hsds --vocabulary DIR`, or the one
already in the --out folder), its bad rows in the import report and in `check-data`, and the
derived-region line in `import-hsds --json`. Feeds and crosswalk rows are invented."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from directory.cli import main
from directory.config import DEFAULT_DATA_DIR
from directory.hsds import import_hsds
from directory.hsds.crosswalk import CROSSWALK_FILE
from directory.hsds.importing.region import describe_region
from directory.loading import load_data

COUNTY_CROSSWALK = (
    "scheme,code,need,note\n"
    "my county services,Tenant Hotline,legal,the county's own list\n"
    "my county services,Something Else,no-such-need,\n"
)
BAD_ROW = "need 'no-such-need' is not in the vocabulary"  # as check-data says it
REPORTED = 'crosswalk row: need "no-such-need" is not in the vocabulary'  # the import report


def feed() -> dict:
    """One service tagged only with a term of the county's own list."""
    return {
        "organizations": [{"id": "o1", "name": "Example Org", "description": "Sample data."}],
        "taxonomies": [
            {"id": "tx", "name": "My County Services", "description": "A county's own list."}
        ],
        "taxonomy_terms": [
            {"id": "t1", "name": "Tenant Hotline", "description": "x", "taxonomy_id": "tx"}
        ],
        "services": [
            {
                "id": "s1",
                "organization_id": "o1",
                "name": "Example Tenant Line",
                "status": "active",
                "attributes": [{"id": "a1", "link_id": "s1", "taxonomy_term_id": "t1"}],
            }
        ],
    }


@pytest.fixture()
def source(tmp_path) -> Path:
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed()), encoding="utf-8")
    return path


@pytest.fixture()
def county(tmp_path) -> Path:
    """A vocabulary folder: the bundled needs.csv and the county's crosswalk."""
    folder = tmp_path / "county"
    folder.mkdir()
    shutil.copyfile(DEFAULT_DATA_DIR / "needs.csv", folder / "needs.csv")
    (folder / CROSSWALK_FILE).write_text(COUNTY_CROSSWALK, encoding="utf-8")
    return folder


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def needs_of_the_service(folder: Path) -> tuple[str, ...]:
    (agency,) = load_data(folder).agencies
    return agency.needs


def test_without_a_county_crosswalk_the_term_maps_to_nothing(source, tmp_path):
    report = import_hsds(source, tmp_path / "out")
    assert report.written and "legal" not in needs_of_the_service(tmp_path / "out")
    assert not [p for p in report.problems if CROSSWALK_FILE in p.file]
    assert not (tmp_path / "out" / CROSSWALK_FILE).exists()


def test_import_hsds_vocabulary_uses_the_countys_crosswalk_and_reports_its_bad_row(
    source, county, tmp_path
):
    out = tmp_path / "out"
    result = run("import-hsds", str(source), "--out", str(out), "--vocabulary", str(county))
    body = json.loads(
        run(
            "import-hsds",
            str(source),
            "--out",
            str(tmp_path / "out2"),
            "--vocabulary",
            str(county),
            "--json",
        ).output
    )
    assert result.exit_code == 2  # a crosswalk row not used is a loss
    assert needs_of_the_service(out) == {"legal"}
    # The county's file goes with the data it made, for the next import and for check-data.
    assert (out / CROSSWALK_FILE).read_text(encoding="utf-8") == COUNTY_CROSSWALK
    # The report: file, line, reason, action; counted in the totals without the row's value.
    assert f"{county / CROSSWALK_FILE} line 3: {REPORTED}; row not used" in result.output
    assert 'LOST crosswalk row: need "…" is not in the vocabulary; row not used' in result.output
    (problem,) = [p for p in body["problems"] if p["file"].endswith(CROSSWALK_FILE)]
    assert problem["file"] == str(county / CROSSWALK_FILE)
    assert (problem["record"], problem["reason"], problem["action"]) == (
        "line 3",
        REPORTED,
        "row not used",
    )
    assert problem["lost"] is True and body["exit_status"] == 2


def test_the_out_folders_own_crosswalk_is_used_by_the_next_import(source, county, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(county, out)  # a county's crosswalk put in the data folder by hand
    (out / "needs.csv").unlink()
    report = import_hsds(source, out)
    assert report.written and needs_of_the_service(out) == {"legal"}
    (problem,) = [p for p in report.problems if p.file.endswith(CROSSWALK_FILE)]
    assert problem.record == "line 3" and problem.reason == REPORTED
    assert (out / CROSSWALK_FILE).read_text(encoding="utf-8") == COUNTY_CROSSWALK
    # And again: still there, still used.
    assert import_hsds(source, out).written and needs_of_the_service(out) == {"legal"}


def test_check_data_reports_the_crosswalks_bad_row_and_exits_1(source, county, tmp_path):
    out = tmp_path / "out"
    import_hsds(source, out, vocabulary=county)
    result = run("check-data", "--data", str(out))
    assert result.exit_code == 1
    assert f"{out / CROSSWALK_FILE} line 3: {BAD_ROW}; row not used" in result.output
    # Fixed, check-data is quiet about it.
    (out / CROSSWALK_FILE).write_text(COUNTY_CROSSWALK.rsplit("my county", 1)[0], "utf-8")
    result = run("check-data", "--data", str(out))
    assert CROSSWALK_FILE not in result.output


def test_import_hsds_json_includes_the_derived_region_line(source, tmp_path):
    text = run("import-hsds", str(source), "--out", str(tmp_path / "a"))
    body = json.loads(
        run("import-hsds", str(source), "--out", str(tmp_path / "b"), "--json").output
    )
    line = describe_region(tmp_path / "b")
    assert line.startswith("Region: ")
    assert body["region"] == line
    assert line in text.output  # the same line the text report prints
    failed = json.loads(
        run(
            "import-hsds", str(tmp_path / "missing.json"), "--out", str(tmp_path / "c"), "--json"
        ).output
    )
    assert failed["written"] is False and failed["region"] is None


def test_a_vocabulary_folder_without_needs_csv_writes_nothing_and_says_why(source, tmp_path):
    (tmp_path / "county").mkdir()
    (tmp_path / "county" / CROSSWALK_FILE).write_text(COUNTY_CROSSWALK, encoding="utf-8")
    result = run(
        "import-hsds",
        str(source),
        "--out",
        str(tmp_path / "out"),
        "--vocabulary",
        str(tmp_path / "county"),
    )
    assert result.exit_code == 1
    assert "the vocabulary folder has no needs.csv" in result.output
    assert not (tmp_path / "out").exists()
