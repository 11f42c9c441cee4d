"""The `directory` command's exit codes and messages."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from directory.cli import main
from directory.coverage import By, Scope
from directory.params import enum_values
from directory.records import AgeGroup, Kind, Level
from directory.search_engine import SORTS


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


# -- one request boundary: a command reads its options as the API reads its URL ------------


def _choices(command: str, option: str) -> list[str]:
    found = [p for p in main.commands[command].params if p.name == option]
    return list(found[0].type.choices)


def test_command_choices_are_the_enums_values():
    assert _choices("search", "level") == enum_values(Level)
    assert _choices("search", "age") == enum_values(AgeGroup)
    assert _choices("search", "kind") == enum_values(Kind)
    assert _choices("search", "sort") == list(SORTS)
    assert _choices("match", "level") == enum_values(Level)
    assert _choices("match", "age") == enum_values(AgeGroup)
    assert _choices("coverage", "scope") == enum_values(Scope)
    assert _choices("coverage", "by") == enum_values(By)


def test_search_command_answers_as_the_api_does(client):
    result = CliRunner().invoke(
        main, ["search", "rent", "--level", "blended", "--age", "child", "--json"]
    )
    assert result.exit_code == 0, result.output
    command = json.loads(result.output)
    api = client.get("/api/v1/search?q=rent&level=blended&age=child").get_json()
    assert [a["id"] for a in command["agencies"]] == [a["id"] for a in api["agencies"]]
    assert command["total"] == api["total"] > 0
    assert (
        command["query"]
        == api["query"]
        == {
            "q": "rent",
            "level": ["blended"],
            "age": ["child"],
            "sort": "relevance",
            "page": 1,
            "page_size": 20,
        }
    )


@pytest.mark.parametrize(
    ("command", "url"),
    [
        (["search", "rent", "--page", "0"], "/api/v1/search?q=rent&page=0"),
        (["search", "rent", "--page-size", "x"], "/api/v1/search?q=rent&page_size=x"),
        (["search", "rent", "--sort", "distance"], "/api/v1/search?q=rent&sort=distance"),
        (["search", "--need", "rnet"], "/api/v1/search?need=rnet"),
        (["match", "--near", "15213", "--years", "abc"], "/api/v1/match?near=15213&years=abc"),
        (["match", "--near", "15213", "--need", "rnet"], "/api/v1/match?near=15213&need=rnet"),
        (["coverage", "--need", "rnet"], "/api/v1/coverage?need=rnet"),
    ],
)
def test_a_refused_option_is_refused_in_the_apis_words(client, command, url):
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1
    response = client.get(url)
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert f"Error: {message}" in result.output


def test_a_command_loads_its_directory_without_building_the_app(monkeypatch):
    """Commands load the directory once, with the DIRECTORY_* settings; building the web app
    too would load it twice (and, without DIRECTORY_INDEX_DIR, index into instance/)."""
    import directory

    def no_app(*args, **kwargs):
        raise AssertionError("a command built the web app")

    monkeypatch.setattr(directory, "create_app", no_app)
    result = CliRunner().invoke(main, ["search", "rent", "--page-size", "2"])
    assert result.exit_code == 0, result.output
    assert "page 1 of" in result.output
