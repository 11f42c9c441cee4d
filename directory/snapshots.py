"""Last-good snapshots: every accepted data version, copied with its fingerprint beside the
index, so a restarted or replaced worker serves the version that was accepted, not whatever
the files say now.

    <SNAPSHOT_DIR or beside the index>/snapshots/<folder key>/<fingerprint>/files/*.csv ...
                                                             /<fingerprint>/files/hsds/*.csv
                                                             /<fingerprint>/manifest.json
    <folder key>/LATEST        the fingerprint of the newest accepted version

An imported folder's kept HSDS tables (the `hsds/` folder its hsds_package.json lists, with
each file's digest) are copied too, checked against those digests, so a server serving the
snapshot still shows the feed's hours, contacts and emails. The fingerprint covers
hsds_package.json, so it covers the kept tables as well.

Each data folder has its own key (a hash of its resolved path), so two regions never share.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import atomic
from .config import Settings
from .records import DataSet, Kind

log = logging.getLogger(__name__)
KEEP = 3  # snapshots kept per data folder
SNAPSHOT_SUFFIXES = {".csv", ".geojson", ".json"}  # the files the fingerprint covers


def counts_of(data: DataSet) -> dict[str, int]:
    formal = sum(1 for a in data.agencies if a.kind is Kind.FORMAL)
    return {
        "agencies.csv": len(data.agencies),
        "regions.csv": len(data.areas),
        "needs.csv": len(data.needs),
        "formal": formal,
    }


@dataclass(frozen=True)
class Snapshot:
    folder: Path  # holds files/ and manifest.json
    manifest: Mapping[str, Any]

    @property
    def files(self) -> Path:
        return self.folder / "files"

    @property
    def fingerprint(self) -> str:
        return str(self.manifest["fingerprint"])

    @property
    def counts(self) -> Mapping[str, int]:
        return self.manifest.get("counts", {})


class SnapshotStore:
    def __init__(self, root: Path, data_folder: Path):
        key = hashlib.sha256(str(Path(data_folder).resolve()).encode()).hexdigest()[:16]
        self.root = Path(root) / key

    @classmethod
    def for_settings(cls, settings: Settings, data_folder: Path) -> SnapshotStore | None:
        """The store for this data folder; None when the index lives in memory and no
        SNAPSHOT_DIR is set (tests and one-off commands)."""
        configured = settings.snapshot_dir
        if configured:
            return cls(Path(configured), data_folder)
        from .index import index_root

        root = index_root(settings)
        return None if root is None else cls(root.parent / "snapshots", data_folder)

    def newest(self) -> Snapshot | None:
        """The newest accepted snapshot that is intact, else None."""
        try:
            fingerprint = (self.root / "LATEST").read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return self._open(fingerprint)

    def _open(self, fingerprint: str) -> Snapshot | None:
        folder = self.root / fingerprint
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        for name, size in manifest.get("files", {}).items():
            path = folder / "files" / name
            if not path.is_file() or path.stat().st_size != size:
                return None
        return Snapshot(folder, manifest)

    def save(self, data: DataSet, geo_problems: int = 0) -> Snapshot:
        """Copy the accepted data's files (atomically) and mark it the newest."""
        existing = self._open(data.fingerprint)
        if existing is not None and _lacks_kept_tables(existing):
            existing = None  # made before snapshots copied hsds/: made again, whole
        if existing is None:
            scratch = atomic.scratch_folder(self.root)
            files = scratch / "files"
            files.mkdir()
            sizes = {}
            try:
                for path in sorted(Path(data.folder).glob("*")):
                    if path.is_file() and path.suffix in SNAPSHOT_SUFFIXES:
                        shutil.copyfile(path, files / path.name)
                        sizes[path.name] = (files / path.name).stat().st_size
                sizes.update(_copy_kept_tables(Path(data.folder), files))
            except OSError:
                shutil.rmtree(scratch, ignore_errors=True)
                raise
            manifest = {
                "fingerprint": data.fingerprint,
                "accepted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "counts": {**counts_of(data), "geo_problems": geo_problems},
                "files": sizes,
            }
            atomic.write_text(scratch / "manifest.json", json.dumps(manifest, indent=1))
            target = self.root / data.fingerprint
            if target.exists():
                shutil.rmtree(target, ignore_errors=True)
            atomic.publish_folder(scratch, target)
            existing = Snapshot(target, manifest)
        atomic.write_text(self.root / "LATEST", data.fingerprint + "\n")
        self._prune(keep=data.fingerprint)
        return existing

    def _prune(self, keep: str) -> None:
        folders = sorted(
            (p for p in self.root.iterdir() if p.is_dir() and p.name != keep),
            key=lambda p: p.stat().st_mtime_ns,
            reverse=True,
        )
        for old in folders[KEEP - 1 :]:
            shutil.rmtree(old, ignore_errors=True)


def _lacks_kept_tables(snapshot: Snapshot) -> bool:
    from .hsds.package import FEED_MANIFEST

    names = snapshot.manifest.get("files", {})
    return FEED_MANIFEST in names and not any("/" in name for name in names)


def _copy_kept_tables(data_folder: Path, files: Path) -> dict[str, int]:
    """Copy the kept HSDS tables hsds_package.json lists into files/<its folder>/, each checked
    against the digest the manifest gives (a half-replaced folder is refused with OSError,
    never snapshotted); {"hsds/services.csv": size, ...}. Nothing when there is no manifest."""
    from .hsds.package import FEED_MANIFEST

    try:
        manifest = json.loads((data_folder / FEED_MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise OSError(f"{FEED_MANIFEST} unreadable ({error})") from None
    folder = str(manifest.get("folder") or "")
    listed = manifest.get("files") or {}
    if not folder or "/" in folder or "\\" in folder or folder.startswith("."):
        raise OSError(f"{FEED_MANIFEST} names no usable folder ({folder!r})")
    (files / folder).mkdir()
    sizes = {}
    for name, about in sorted(listed.items()):
        if "/" in name or "\\" in name or name.startswith("."):
            raise OSError(f"{FEED_MANIFEST} lists an unusable file name ({name!r})")
        target = files / folder / name
        shutil.copyfile(data_folder / folder / name, target)
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        if isinstance(about, Mapping) and about.get("sha256") not in (None, digest):
            raise OSError(f"{folder}/{name} does not match {FEED_MANIFEST} (changed mid-copy?)")
        sizes[f"{folder}/{name}"] = target.stat().st_size
    return sizes


def shrink_refusal(data: DataSet, settings: Settings, confirmed: bool = False) -> str:
    """Why this data version shrank too much against the newest accepted snapshot of its folder
    ('' when it didn't, when there is none, or when the operator confirmed: `confirmed` (the
    CLI's --confirm-shrink), ALLOW_SHRINK, or a CONFIRM_SHRINK file in the data folder)."""
    if confirmed or settings.allow_shrink or (Path(data.folder) / CONFIRM_MARKER).exists():
        return ""
    store = SnapshotStore.for_settings(settings, Path(data.folder))
    newest = store.newest() if store is not None else None
    if newest is None:
        return ""
    return shrink_reason(data, newest.counts, settings.max_shrink)


def shrink_reason(data: DataSet, before: Mapping[str, int], max_share: float) -> str:
    """Why this version lost too many rows against the last accepted one ('' when fine)."""
    after = counts_of(data)
    for name in ("agencies.csv", "regions.csv", "needs.csv"):
        old, new = int(before.get(name, 0)), after[name]
        if old and new < old * (1 - max_share):
            return (
                f"{name} has {new} rows, down from {old} (more than {max_share:.0%} fewer); "
                f"if that is intended, create a file named {CONFIRM_MARKER} in the data "
                "folder (or set DIRECTORY_ALLOW_SHRINK=1, or check with --confirm-shrink)"
            )
    return ""


CONFIRM_MARKER = "CONFIRM_SHRINK"
