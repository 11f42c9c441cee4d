"""Builds on disk: complete builds side by side under an index root, one pointer file per
backend naming the live one, swapped atomically; old and abandoned builds pruned.

    whoosh.current                  -> "whoosh-3f2a...-1732370000000000000"
    whoosh-3f2a...-17323.../        a complete build, with manifest.json
    .building-whoosh-<random>/      a build in progress (never read)

A build writes into a fresh `.building-*` folder, renames it into place and only then
replaces the pointer (both through directory.atomic), so a failed or interrupted build never
touches what readers use. Builds are never modified once complete, so any number of
processes can read one at once.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import atomic
from .base import Backend
from .documents import SCHEMA_VERSION, Document

log = logging.getLogger(__name__)

KEEP_BUILDS = 2  # the live build and the one before it, which other processes may still read
STALE_BUILD_SECONDS = 3600  # an unfinished build older than this was abandoned by a crash


@dataclass(frozen=True)
class Build:
    """One complete build on disk, as named by a pointer file."""

    folder: Path
    manifest: Mapping[str, Any]

    @property
    def key(self) -> str:
        return str(self.manifest.get("key", ""))

    @functools.cached_property
    def _files(self) -> tuple[tuple[str, int], ...]:
        return tuple(
            (os.path.join(self.folder, name), size)
            for name, size in self.manifest.get("files", {}).items()
        )

    def is_intact(self) -> bool:
        """Every file the build wrote is still there with its size (guards against a
        truncated or deleted index being read, which mmap would turn into a crash)."""
        try:
            return all(os.stat(path).st_size == size for path, size in self._files)
        except OSError:
            return False


def pointer_path(root: Path, backend: str) -> Path:
    return root / f"{backend}.current"


def live_build(root: Path, backend: str) -> Build | None:
    """The build the pointer names, or None when there is none or it is unreadable."""
    try:
        name = pointer_path(root, backend).read_text(encoding="utf-8").strip()
        folder = root / name
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not name or "/" in name or name.startswith(".") or manifest.get("backend") != backend:
        return None
    return Build(folder, manifest)


def build_index(root: Path, backend: Backend, documents: Iterable[Document], key: str) -> Build:
    """Build a complete index beside the live one and swap the pointer to it.

    Raises whatever the build raised, after removing the half-written folder: the
    pointer, and so every reader, still names the previous good build.
    """
    root.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_builds(root)
    scratch = atomic.scratch_folder(root, prefix=f".building-{backend.name}-")
    count = 0

    def counted(stream: Iterable[Document]) -> Iterator[Document]:
        nonlocal count
        for document in stream:
            count += 1
            yield document

    started = time.perf_counter()
    try:
        backend.write(scratch, counted(documents)).close()
        files = {
            str(path.relative_to(scratch)): path.stat().st_size
            for path in sorted(scratch.rglob("*"))
            if path.is_file() and not path.name.endswith(".lock")
        }
        manifest = {
            "backend": backend.name,
            "key": key,
            "schema": SCHEMA_VERSION,
            "documents": count,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": round(time.perf_counter() - started, 3),
            "files": files,
        }
        atomic.write_text(scratch / "manifest.json", json.dumps(manifest, indent=2))
        folder = root / f"{backend.name}-{key}-{time.time_ns()}"
        atomic.publish_folder(scratch, folder)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    # The swap: readers see either the old pointer or the new one, never a partial build.
    atomic.write_text(pointer_path(root, backend.name), folder.name + "\n")
    _remove_old_builds(root, backend.name, keep=folder.name)
    log.info(
        "search index built: %s, %d documents, %.2fs",
        backend.name,
        count,
        manifest["build_seconds"],
    )
    return Build(folder, manifest)


def _remove_old_builds(root: Path, backend: str, keep: str) -> None:
    builds = sorted(
        (path for path in root.glob(f"{backend}-*") if path.is_dir() and path.name != keep),
        key=lambda path: path.stat().st_mtime_ns,
        reverse=True,
    )
    for old in builds[KEEP_BUILDS - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


def _remove_abandoned_builds(root: Path) -> None:
    cutoff = time.time() - STALE_BUILD_SECONDS
    for path in root.glob(".building-*"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """One builder at a time per index root, across processes; others wait, then reuse."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): builds stay atomic, only work may repeat
        yield
        return
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".build.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
