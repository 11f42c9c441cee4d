"""The `directory` command's exit codes and messages."""

from __future__ import annotations

from click.testing import CliRunner

from directory.cli import main


def test_check_data_on_bundled_data_exits_0_with_summary():
    result = CliRunner().invoke(main, ["check-data"])
    assert result.exit_code == 0, result.output
    assert "12 agencies" in result.output and "0 rows rejected" in result.output


def test_check_data_reports_each_broken_row_and_exits_1(data_copy):
    with (data_copy / "agencies.csv").open("a", encoding="utf-8") as handle:
        handle.write("bad-phone,Bad Phone,formal,,,,,allegheny-county,,412-55,,,,,,,,,test,,,\n")
        handle.write("bad-area,Bad Area,formal,,,,,atlantis,,,,,,,,,,,test,,,\n")
    result = CliRunner().invoke(main, ["check-data", "--data", str(data_copy)])
    assert result.exit_code == 1
    assert 'agencies.csv:25: column "phones": "412-55" has 5 digits' in result.output
    assert 'agencies.csv:26: column "areas": unknown area "atlantis"' in result.output
    assert "12 agencies" in result.output and "2 rows rejected" in result.output


def test_check_data_on_missing_folder_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["check-data", "--data", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "file not found" in result.output
    assert "Traceback" not in result.output


def test_check_data_reports_skipped_gazetteer_rows_and_exits_1(data_copy):
    with (data_copy / "places.csv").open("a", encoding="utf-8") as handle:
        header = (data_copy / "places.csv").read_text(encoding="utf-8").splitlines()[0]
        row = {column: "" for column in header.split(",")}
        row.update(name="Atlantis", areas="no-such-area")
        handle.write(",".join(row.values()) + "\n")
    result = CliRunner().invoke(main, ["check-data", "--data", str(data_copy)])
    assert result.exit_code == 1
    assert "places.csv" in result.output and 'unknown area "no-such-area"' in result.output
    assert "geo rows skipped" in result.output
