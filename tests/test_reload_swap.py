"""How soon a server worker swaps in a saved data version (its background reload), no Flask."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from directory.catalog import Directory
from directory.serving import DirectoryHolder


def test_the_background_reload_waits_for_a_just_saved_file_instead_of_skipping_it(
    tmp_path, data_copy
):
    # A file saved a moment ago may still be being written, so it is only read once it has
    # been unchanged for STABLE_SECONDS. The background look used to leave such a file for the
    # next look, RELOAD_SECONDS later, which added up to that long to every swap after a save.
    # It now waits (in its own thread, so no request waits) for the file to settle and reads it.
    past = time.time() - 60
    for path in Path(data_copy).iterdir():
        os.utime(path, (past, past))
    holder = DirectoryHolder(
        data_copy,
        {
            "SNAPSHOT_DIR": str(tmp_path / "snapshots"),
            "INDEX_DIR": ":memory:",
            "RELOAD_SECONDS": 0.001,
            "STABLE_SECONDS": 0.5,
        },
        build=lambda data, given: Directory.from_data(data, given, search_index=False),
    )
    before = holder.current().data.fingerprint
    agencies = data_copy / "agencies.csv"
    text = agencies.read_text(encoding="utf-8")
    agencies.write_text(text.replace("Allegheny", "Allegheny ", 1), encoding="utf-8")
    running = set(threading.enumerate())
    time.sleep(0.01)  # past RELOAD_SECONDS, well within STABLE_SECONDS of the save
    holder.current()  # starts one background look at the files
    for thread in set(threading.enumerate()) - running:
        thread.join(timeout=60)
    assert holder.current().data.fingerprint != before
