"""Atomic writes and folder swaps: a reader sees the old version or the new one, never half."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path


def write_text(path: Path, text: str) -> None:
    """Write `text` to `path` through a scratch file in the same folder, fsynced, then renamed."""
    path = Path(path)
    scratch = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        with open(scratch, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(scratch, path)
    finally:
        if scratch.exists():
            scratch.unlink()


def publish_folder(build: Path, final: Path) -> None:
    """Move a finished scratch folder `build` to `final` in one rename; an existing `final`
    (the same content, published by another process first) wins and `build` is removed."""
    try:
        os.replace(build, final)
    except OSError:
        shutil.rmtree(build, ignore_errors=True)
        if not final.is_dir():
            raise


def scratch_folder(parent: Path, prefix: str = ".building-") -> Path:
    """A new empty folder beside where the result will go (same filesystem, so renames work)."""
    parent.mkdir(parents=True, exist_ok=True)
    folder = parent / f"{prefix}{uuid.uuid4().hex}"
    folder.mkdir()
    return folder
