"""An imported data folder served from its last accepted snapshot keeps the feed's own records
(hours, contacts, emails) on agency pages and in /hsds: snapshots copy the kept hsds/ tables."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from hsds_feed import PANTRY, write_feed_csv

from directory import create_app
from directory.hsds import import_hsds
from directory.hsds.package import FEED_FOLDER, FEED_MANIFEST
from directory.snapshots import SnapshotStore


def settings(folder: Path, snapshots: Path) -> dict:
    return {
        "GEOCODER": "offline",
        "INDEX_DIR": ":memory:",
        "DATA": str(folder),
        "SNAPSHOT_DIR": str(snapshots),
        "RELOAD_SECONDS": 0,
        "STABLE_SECONDS": 0,
    }


@pytest.fixture()
def imported(tmp_path) -> Path:
    report = import_hsds(write_feed_csv(tmp_path / "feed"), tmp_path / "data")
    assert report.written, [str(p) for p in report.problems]
    return tmp_path / "data"


def pantry_agency(folder: Path) -> str:
    with (folder / "hsds_ids.csv").open(encoding="utf-8", newline="") as file:
        return next(r["agency_id"] for r in csv.DictReader(file) if r["service_id"] == PANTRY)


def test_a_broken_imported_folder_serves_the_snapshot_with_the_feeds_hours_and_contacts(
    imported, tmp_path
):
    snapshots = tmp_path / "snapshots"
    agency_id = pantry_agency(imported)
    first = create_app(settings(imported, snapshots))
    assert first.extensions["directory"].serving == "data"
    # The snapshot holds the kept tables the manifest lists, byte for byte.
    (store_root,) = [p for p in snapshots.iterdir() if p.is_dir()]
    store = SnapshotStore(snapshots, imported)
    snapshot = store.newest()
    assert snapshot is not None and snapshot.folder.parent == store_root
    listed = json.loads((imported / FEED_MANIFEST).read_text(encoding="utf-8"))["files"]
    for name in listed:
        assert (snapshot.files / FEED_FOLDER / name).read_bytes() == (
            imported / FEED_FOLDER / name
        ).read_bytes()
        assert f"{FEED_FOLDER}/{name}" in snapshot.manifest["files"]

    # Broken: agencies.csv cut to its header, and the kept tables gone from the folder.
    agencies = imported / "agencies.csv"
    agencies.write_text(agencies.read_text(encoding="utf-8").splitlines()[0] + "\n", "utf-8")
    shutil.rmtree(imported / FEED_FOLDER)

    restarted = create_app(settings(imported, snapshots))
    assert restarted.extensions["directory"].serving == "snapshot"
    client = restarted.test_client()
    page = client.get(f"/agencies/{agency_id}").get_data(as_text=True)
    assert "Tuesday and Thursday, 09:30–12:00" in page
    assert 'href="mailto:sam@example.org"' in page  # the feed's contact
    body = client.get(f"/hsds/services/{PANTRY}").get_json()
    assert [s["opens_at"] for s in body["schedules"]] == ["09:30:00"]
    assert [c["email"] for c in body["contacts"]] == ["sam@example.org"]


def test_a_kept_table_that_does_not_match_its_manifest_is_never_snapshotted(imported, tmp_path):
    from directory.loading import load_data

    data = load_data(imported)
    (imported / FEED_FOLDER / "schedules.csv").write_text("id\n", encoding="utf-8")
    store = SnapshotStore(tmp_path / "snapshots", imported)
    with pytest.raises(OSError, match="schedules.csv does not match"):
        store.save(data)
    assert store.newest() is None
    assert not [p for p in store.root.iterdir() if p.name.startswith(".building-")]
