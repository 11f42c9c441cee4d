"""regions.csv: the service areas, one tree with one root.

A row with a bad value is rejected on its own: the areas inside it are placed under its nearest
good ancestor (they are inside that one too), and the agencies serving it are loaded without it
and reported (see agencies.py), so one mistyped ZIP never takes good agencies off the list.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from geo.areas import AreaTree

from ..records import Area, LoadProblem
from .fields import SLUG, required, slug, zips
from .rows import Row, RowProblem, fatal, parse_rows

REGION_COLUMNS = {
    "required": ("id", "name", "parent", "zips"),
    "optional": ("straddling_zips", "source", "notes"),
}


def load_regions(path: Path, problems: list[LoadProblem]) -> tuple[list[Area], dict[str, int]]:
    """The usable areas, and the ids of rejected rows with their lines (so agencies serving
    them can say why the area is missing instead of being dropped)."""
    lines: dict[str, int] = {}

    def parse(row: Row) -> Area:
        area_id = slug(row, "id")
        parent = row.get("parent") or None
        if parent is not None and not SLUG.match(parent):
            raise RowProblem("parent", parent, f'"{parent}" is not a valid area id')
        area_zips = zips(row, "zips")
        straddling = zips(row, "straddling_zips")
        stray = [z for z in straddling if z not in area_zips]
        if stray:
            raise RowProblem(
                "straddling_zips",
                ";".join(stray),
                f"{', '.join(stray)} listed as straddling but not among the area's zips",
            )
        lines[area_id] = row.line
        return Area(
            id=area_id,
            name=required(row, "name"),
            parent=parent,
            zips=area_zips,
            straddling_zips=straddling,
            source=row.get("source"),
            notes=row.get("notes"),
        )

    bad_rows: list[Row] = []
    areas = parse_rows(
        path, REGION_COLUMNS, problems, parse, key=lambda area: area.id, rejected=bad_rows
    )
    good = {area.id for area in areas}
    rejected = {
        row.get("id"): row
        for row in bad_rows
        if SLUG.match(row.get("id")) and row.get("id") not in good
    }
    areas = [_under_good_ancestor(path, area, rejected, lines, problems) for area in areas]
    return _drop_orphans(path, areas, lines, problems), {
        key: row.line for key, row in rejected.items()
    }


def _under_good_ancestor(
    path: Path, area: Area, rejected: dict[str, Row], lines: dict[str, int], problems: list
) -> Area:
    """An area whose parent row was rejected hangs under that parent's nearest good ancestor."""
    if area.parent not in rejected:
        return area
    parent: str | None = area.parent
    seen = set()
    while parent in rejected and parent not in seen:
        seen.add(parent)
        parent = rejected[parent].get("parent") or None
    if parent is None or parent in rejected:
        return area  # nowhere to hang it: the orphan check reports it
    problems.append(
        LoadProblem(
            path,
            lines[area.id],
            "parent",
            area.parent or "",
            f'parent area "{area.parent}" was rejected (line {rejected[area.parent].line})',
            f'area loaded under "{parent}" until that row is fixed',
        )
    )
    return dataclasses.replace(area, parent=parent)


def _drop_orphans(
    path: Path, areas: list[Area], lines: dict[str, int], problems: list[LoadProblem]
) -> list[Area]:
    """Drop areas whose parent chain doesn't reach a root (unknown parent or a cycle)."""
    unrooted = AreaTree.build(areas).unrooted  # the one area tree says which, and why
    kept = []
    for area in areas:
        reason = unrooted.get(area.id)
        if reason is None:
            kept.append(area)
        else:
            problems.append(LoadProblem(path, lines[area.id], "parent", area.parent or "", reason))
    if areas and not any(area.parent is None for area in kept):
        problems.append(
            fatal(
                path,
                "no area without a parent; one root area (the whole region) is needed",
                "areas unusable",
            )
        )
    return kept
