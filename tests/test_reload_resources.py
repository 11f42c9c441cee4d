"""Memory and open files stay flat over 100 reloads (issue 12): every cache lives on the data
version it belongs to, old search indexes are closed and removed, and nothing keeps an old
directory alive. Measured in this process (/proc/self), with generous bounds and no timing."""

from __future__ import annotations

import gc
import os
import shutil
import time
import weakref
from pathlib import Path

import pytest

from directory import create_app

SAMPLE = Path(__file__).parent / "data" / "sample_region"
RELOADS = 100

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def resident_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


def test_memory_and_open_files_stay_flat_over_100_reloads(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    index = tmp_path / "index"
    app = create_app(
        {
            "TESTING": True,
            "DATA": str(data),
            "INDEX_DIR": str(index),  # on disk, as in production: old indexes must be let go
            "SNAPSHOT_DIR": str(tmp_path / "snapshots"),
            "RELOAD_SECONDS": 0,
            "STABLE_SECONDS": 0,
            "RATE_LIMIT_PER_MINUTE": 0,
        }
    )
    holder = app.extensions["directory"]
    client = app.test_client()
    agencies = data / "agencies.csv"
    text = agencies.read_text(encoding="utf-8")
    versions: list[weakref.ref] = []

    def reload(number: int) -> None:
        # Same rows, new bytes (blank lines are skipped): a new data version every time.
        agencies.write_text(text + "\n" * number, encoding="utf-8")
        past = time.time() - 60
        os.utime(agencies, (past, past))
        assert holder.reload_if_changed() is True  # synchronously, through the public API
        versions.append(weakref.ref(holder.current()))
        # Fill the per-version caches: search, coverage (memoised per version), HSDS view.
        for url in ("/?q=food", "/coverage.csv", "/api/v1/search?q=food", "/hsds/services"):
            assert client.get(url).status_code == 200, url

    for number in range(1, 11):  # warm up: imports, templates, first caches
        reload(number)
    gc.collect()
    files_before, memory_before = open_files(), resident_kib()
    for number in range(11, RELOADS + 1):
        reload(number)
    gc.collect()
    files_after, memory_after = open_files(), resident_kib()

    assert len(versions) == RELOADS
    alive = [ref for ref in versions if ref() is not None]
    assert len(alive) <= 2, f"{len(alive)} old data versions still held in memory"
    assert files_after <= files_before + 2, (files_before, files_after)
    # Generous: a leak of one directory per reload grew a worker by ~1 MB each before.
    assert memory_after - memory_before < 20 * 1024, (memory_before, memory_after)
    # Old search indexes are removed from disk too, not only closed.
    assert sum(1 for path in index.rglob("*") if path.is_dir()) <= 6
