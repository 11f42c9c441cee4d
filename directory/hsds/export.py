"""Writing HSDS 3.0 files: the CSV data package, hsds.json and services.json, swapped in whole."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..records import Area
from .ids import read_feed_ids
from .package import write_csv_tables
from .schema import JSON_FILE, PACKAGE_TABLES, SERVICES_FILE, TABLES, Tables, json_row
from .tables import hsds_tables
from .view import HsdsView


def write_json_tables(tables: Tables, folder: Path) -> None:
    """hsds.json (one array per table) and services.json (fully nested services)."""
    dataset = {table: [json_row(table, row) for row in tables.get(table, ())] for table in TABLES}
    (folder / JSON_FILE).write_text(
        json.dumps(dataset, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    view = HsdsView(tables)
    services = [view.full_service(row["id"]) for row in tables["service"]]
    (folder / SERVICES_FILE).write_text(
        json.dumps(services, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


# -- export --------------------------------------------------------------------------------


def area_extents(areas: Iterable[Area], shape_of: Callable[[str], Any]) -> dict[str, str]:
    """GeoJSON geometry text for each area `shape_of` (e.g. Atlas.shape) knows; others skipped."""
    extents: dict[str, str] = {}
    for area in areas:
        try:
            geometry = shape_of(area.id)
        except (KeyError, LookupError, ValueError):
            continue
        if geometry is None or getattr(geometry, "is_empty", False):
            continue
        mapping = geometry.__geo_interface__
        extents[area.id] = json.dumps(_rounded(mapping), separators=(",", ":"))
    return extents


def _rounded(value: Any) -> Any:
    """Coordinates to 6 decimals (about 10 cm): smaller files, stable text between runs."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, (list, tuple)):
        return [_rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value


def export_hsds(directory: Any, out_dir: str | Path, format: str = "json") -> Path:
    """Write the whole directory as HSDS 3.0 (`json` or `csv`) into out_dir; returns it.

    The files are written beside out_dir and swapped in at the end, so a failed export never
    leaves half a dataset behind.
    """
    if format not in ("json", "csv"):
        raise ValueError(f'unknown format "{format}"; expected json or csv')
    atlas = getattr(directory, "atlas", None)
    shape_of = getattr(atlas, "shape", None)
    extents = area_extents(directory.data.areas, shape_of) if shape_of else {}
    tables = hsds_tables(directory.data, extents, read_feed_ids(directory.data.folder))
    writer = write_json_tables if format == "json" else write_csv_tables
    ours = {JSON_FILE, SERVICES_FILE, "datapackage.json"} | {f for f, _ in PACKAGE_TABLES.values()}
    return write_folder(Path(out_dir), lambda folder: writer(tables, folder), ours)


def write_folder(
    out_dir: Path, fill: Callable[[Path], None], ours: set[str], *, keep_others: bool = False
) -> Path:
    """Fill a fresh folder beside out_dir, then swap it in, so nobody ever sees half of it.

    out_dir may be missing or empty, or hold only files named in `ours` (an earlier run).
    With `keep_others`, other plain files in it (a data folder's ZIP points and outline)
    are carried over into the new folder; without, they are someone's work and we refuse.
    """
    out_dir = out_dir.resolve()
    carried: list[Path] = []
    if out_dir.exists():
        if not out_dir.is_dir():
            raise FileExistsError(f"{out_dir} exists and is not a folder")
        others = sorted(p for p in out_dir.iterdir() if p.name not in ours)
        if others and not (keep_others and all(p.is_file() for p in others)):
            names = ", ".join(p.name for p in others[:5])
            raise FileExistsError(
                f"{out_dir} holds other files or folders ({names}); choose a new or empty folder"
            )
        carried = others
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        fill(staging)
        for path in carried:
            if not (staging / path.name).exists():
                shutil.copy2(path, staging / path.name)
        os.chmod(staging, 0o755)
        swap_in(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def swap_in(staging: Path, out_dir: Path) -> None:
    """Replace out_dir by staging with two renames, so readers see old or new, never half."""
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    old = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
    out_dir.rename(old)
    try:
        staging.rename(out_dir)
    except OSError:
        old.rename(out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
