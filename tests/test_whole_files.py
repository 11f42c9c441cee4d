"""Whole files only (issue 12): a cut, header-only or shrunken data version and a broken geo
file are reported with file and reason, `check-data` exits 1, and a running directory keeps
serving its last good version; files still being written are read only once they settle."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from directory.catalog import Directory
from directory.cli import main
from directory.loading import load_data
from directory.serving import DirectoryHolder

TWO_POINT_RING = (
    b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"oakland"},'
    b'"geometry":{"type":"Polygon","coordinates":[[[-80.0,40.4],[-79.9,40.4]]]}}]}'
)


def check_data(folder: Path, *options: str, snapshots: Path | None = None):
    env = {"DIRECTORY_SNAPSHOT_DIR": str(snapshots)} if snapshots else {}
    result = CliRunner().invoke(main, ["check-data", "--data", str(folder), *options], env=env)
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def holder(folder: Path, snapshots: Path, **settings) -> DirectoryHolder:
    """A directory holder as a server worker has it (snapshots on, reloads on demand only)."""
    config = {
        "SNAPSHOT_DIR": str(snapshots),
        "INDEX_DIR": ":memory:",
        "RELOAD_SECONDS": 0,
        "STABLE_SECONDS": 0.5,
        **settings,
    }
    return DirectoryHolder(
        folder,
        config,
        build=lambda data, given: Directory.from_data(data, given, search_index=False),
    )


def settle(folder: Path) -> None:
    """Date every file a minute back, as if the last save ended long ago."""
    past = time.time() - 60
    for path in folder.iterdir():
        os.utime(path, (past, past))


def total(directory: Directory) -> int:
    return len(directory.agencies)


# -- geo files: reported with file and reason, exit 1, never a traceback ---------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("county_outline.geojson", b'{"type":"FeatureCollection","features":[', "not valid JSON"),
        ("county_outline.geojson", b"", "not valid JSON"),
        ("zip_points.csv", b"zip,city,lat,lon\n15213,Pittsb\xffurgh,40.4,-79.9\n", "not UTF-8"),
        ("places.csv", None, "not UTF-8"),
        ("regions.geojson", TWO_POINT_RING, "unusable geometry"),
        ("zip_points.csv", b"", "the file is empty"),
        ("places.csv", b"", "only a header"),
    ],
    ids=[
        "outline-cut",
        "outline-empty",
        "zip-points-not-utf8",
        "places-not-utf8",
        "two-point-ring",
        "zip-points-empty",
        "places-header-only",
    ],
)
def test_a_broken_geo_file_fails_check_data_with_its_name_and_reason(
    data_copy, name, content, reason
):
    path = data_copy / name
    if name == "places.csv":
        lines = path.read_bytes().splitlines(keepends=True)
        # header only, or the real file with one Latin-1 line in the middle
        content = lines[0] if content == b"" else b"".join([*lines[:5], b"Caf\xe9,x\n", *lines[5:]])
    path.write_bytes(content)
    result = check_data(data_copy)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    assert lines and reason in lines[0], result.output
    assert "12 agencies" in result.output  # the directory files still loaded


# -- cut and header-only agencies.csv --------------------------------------------------------


def cut_to_header(folder: Path) -> None:
    path = folder / "agencies.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


def cut_at_60_percent(folder: Path) -> None:
    path = folder / "agencies.csv"
    raw = path.read_bytes()
    cut = raw[: int(len(raw) * 0.6)]
    if cut.endswith(b"\n"):
        cut = cut[:-1]
    path.write_bytes(cut)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (cut_to_header, "the file has a header but no rows: it looks cut short"),
        (cut_at_60_percent, "the file ends in the middle of line"),
    ],
    ids=["header-only", "cut-at-60-percent"],
)
def test_an_incomplete_agencies_file_is_refused(data_copy, tmp_path, damage, reason):
    running = holder(data_copy, tmp_path / "snapshots")
    good = running.current()
    damage(data_copy)
    data = load_data(data_copy)
    assert data.has_fatal_problem
    assert any(p.path.name == "agencies.csv" and reason in p.reason for p in data.problems)
    result = check_data(data_copy)
    assert result.exit_code == 1 and reason in result.output
    settle(data_copy)
    assert running.reload_if_changed() is False
    assert running.current() is good  # the last good version keeps serving
    status = running.status()
    assert status["refused_because"] == "1 file(s) unusable"
    assert status["data_version"] == good.data.fingerprint
    assert any(reason in p["reason"] for p in status["rejected_reload"])
    # A restarted worker boots from the snapshot, not from the cut file.
    restarted = holder(data_copy, tmp_path / "snapshots", STABLE_SECONDS=0)
    assert restarted.serving == "snapshot"
    assert total(restarted.current()) == total(good)


# -- shrink refusal and its overrides --------------------------------------------------------


def drop_agencies(folder: Path, count: int) -> None:
    path = folder / "agencies.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[: len(lines) - count]) + "\n", encoding="utf-8")


def test_a_suspicious_shrink_is_refused_until_confirmed(data_copy, tmp_path):
    snapshots = tmp_path / "snapshots"
    running = holder(data_copy, snapshots)
    good = running.current()
    assert total(good) == 23
    drop_agencies(data_copy, 6)  # 17 of 23: more than 20% fewer
    settle(data_copy)
    assert running.reload_if_changed() is False
    assert running.current() is good
    because = running.status()["refused_because"]
    assert "agencies.csv has 17 rows, down from 23 (more than 20% fewer)" in because
    assert "CONFIRM_SHRINK" in because
    result = check_data(data_copy, snapshots=snapshots)
    assert result.exit_code == 1
    assert "agencies.csv has 17 rows, down from 23" in result.output
    assert "--confirm-shrink" in result.output
    assert check_data(data_copy, "--confirm-shrink", snapshots=snapshots).exit_code == 0
    # The operator confirms with a marker file: the next look accepts it.
    (data_copy / "CONFIRM_SHRINK").write_text("", encoding="utf-8")
    settle(data_copy)
    assert running.reload_if_changed() is True
    assert total(running.current()) == 17
    assert "refused_because" not in running.status()


def test_a_small_drop_is_accepted_and_the_flag_allows_a_big_one(data_copy, tmp_path):
    running = holder(data_copy, tmp_path / "snapshots")
    drop_agencies(data_copy, 4)  # 19 of 23: within 20%
    settle(data_copy)
    assert running.reload_if_changed() is True and total(running.current()) == 19
    allowed = holder(data_copy, tmp_path / "snapshots", ALLOW_SHRINK=True)
    drop_agencies(data_copy, 10)  # 9 of 19
    settle(data_copy)
    assert allowed.reload_if_changed() is True and total(allowed.current()) == 9


def test_max_shrink_is_configurable(data_copy, tmp_path):
    running = holder(data_copy, tmp_path / "snapshots", MAX_SHRINK=0.05)
    drop_agencies(data_copy, 2)  # 21 of 23: 8.7% fewer
    settle(data_copy)
    assert running.reload_if_changed() is False
    assert "more than 5% fewer" in running.status()["refused_because"]


# -- stability: a file still being written is not read ---------------------------------------


def test_a_file_changed_moments_ago_is_read_only_once_it_settles(data_copy, tmp_path):
    running = holder(data_copy, tmp_path / "snapshots", STABLE_SECONDS=30)
    good = running.current()
    drop_agencies(data_copy, 1)  # just saved: its mtime is now
    # The background look (wait=False) leaves a fresh file for later.
    assert running.reload_if_changed(wait=False) is False
    assert running.current() is good and "refused_because" not in running.status()
    settle(data_copy)  # the save ended long ago
    assert running.reload_if_changed(wait=False) is True
    assert total(running.current()) == total(good) - 1


# -- the loader's file-level problems fail check-data too --------------------------------------


def runaway_quote(folder: Path) -> str:
    path = folder / "agencies.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[4].endswith('"')
    lines[4] = lines[4][:-1]  # the closing quote of its last value ("notes") is lost
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Only line 5 is lost (its values are unreadable); line 6 on are read again.
    return 'agencies.csv:5: column "notes": a quote opens in this field and is never closed', 11


def repeated_column(folder: Path) -> str:
    path = folder / "agencies.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",name"] + [line + "," for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 'agencies.csv:1: column "name": column "name" appears twice in the header', 12


def mistyped_region_zip(folder: Path) -> str:
    path = folder / "regions.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "south-hills,South Hills,allegheny-county,15017;",
            "south-hills,South Hills,allegheny-county,1501;",
        ),
        encoding="utf-8",
    )
    return 'column "zips": "1501" is not a 5-digit ZIP code', 12


@pytest.mark.parametrize("damage", [runaway_quote, repeated_column, mistyped_region_zip])
def test_loader_problems_fail_check_data_with_file_line_and_column(data_copy, damage):
    expected, formal = damage(data_copy)
    result = check_data(data_copy)
    assert result.exit_code == 1
    assert expected in result.output
    assert f"{formal} agencies, 11 supports" in result.output  # the rest still loads
