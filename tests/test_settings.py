"""Settings: one frozen, typed object built from the defaults, DIRECTORY_* and overrides."""

from __future__ import annotations

import dataclasses

import pytest

from directory import create_app
from directory.config import DEFAULTS, Settings, SettingsError


def test_defaults_are_the_settings_fields_by_name():
    assert DEFAULTS == Settings().as_config()
    assert DEFAULTS["PAGE_SIZE"] == 20 and DEFAULTS["MAX_QUERY_CHARS"] == 500


def test_environment_then_overrides_each_cast_once():
    environ = {
        "DIRECTORY_PAGE_SIZE": " 30 ",
        "DIRECTORY_MAX_SHRINK": "0.5",
        "DIRECTORY_ALLOW_SHRINK": "yes",
        "DIRECTORY_SEARCH_BACKEND": "tantivy",
        "OTHER_PAGE_SIZE": "7",
    }
    settings = Settings.build({"SEARCH_BACKEND": "whoosh", "TESTING": True}, environ)
    assert settings.page_size == 30
    assert settings.max_shrink == 0.5
    assert settings.allow_shrink is True
    assert settings.search_backend == "whoosh"  # an override beats the environment
    assert settings.max_page_size == 100  # untouched: the default


def test_settings_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().page_size = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("PAGE_SIZE", "twenty", "whole number"),
        ("PAGE_SIZE", "-3", "whole number"),
        ("PAGE_SIZE", "²", "whole number"),
        ("RELOAD_SECONDS", "soon", "a number"),
        ("MAX_SHRINK", "-0.5", "0 or more"),
        ("ALLOW_SHRINK", "maybe", "1 or 0"),
    ],
)
def test_a_bad_value_names_its_variable(name, value, words):
    with pytest.raises(SettingsError) as raised:
        Settings.build({}, {f"DIRECTORY_{name}": value})
    assert f"DIRECTORY_{name}" in str(raised.value) and words in str(raised.value)


def test_create_app_and_the_directory_share_one_settings_object(tmp_path):
    app = create_app({"TESTING": True, "RELOAD_SECONDS": "0", "PAGE_SIZE": 7})
    settings = app.extensions["settings"]
    assert settings.page_size == 7 and settings.reload_seconds == 0.0
    assert app.config["PAGE_SIZE"] == 7 and app.config["TESTING"] is True
    assert app.extensions["directory"].settings is settings
    response = app.test_client().get("/api/v1/search?q=rent")
    assert response.status_code == 200 and response.get_json()["page_size"] == 7


def test_a_command_with_a_bad_setting_says_which_and_stops(monkeypatch):
    from click.testing import CliRunner

    from directory.cli import main

    monkeypatch.setenv("DIRECTORY_MAX_PAGE_SIZE", "lots")
    result = CliRunner().invoke(main, ["search", "rent"])
    assert result.exit_code == 1
    assert "DIRECTORY_MAX_PAGE_SIZE must be a whole number" in result.output
