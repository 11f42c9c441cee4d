"""Coverage by area for planners: gap (no provider), fragile (one), overlap (many). Pure."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .catalog import Directory
from .records import AgeGroup, Agency, Kind, Level

GAP, FRAGILE, COVERED, OVERLAP = "gap", "fragile", "covered", "overlap"
COMBOS: tuple[tuple[Level, AgeGroup], ...] = tuple((lvl, grp) for lvl in Level for grp in AgeGroup)


def flag_for(count: int, overlap_at: int) -> str:
    if count == 0:
        return GAP
    if count == 1:
        return FRAGILE
    return OVERLAP if count >= overlap_at else COVERED


def combo_key(level: Level, group: AgeGroup) -> str:
    """'blended-adult': the column key used in JSON, CSV and the page."""
    return f"{level.value}-{group.value}"


@dataclass(frozen=True, slots=True)
class AreaCoverage:
    area_id: str
    name: str
    parent: str | None
    depth: int
    positions: np.ndarray  # agencies covering the whole area under the chosen filters
    agencies: tuple[Agency, ...]  # the directory's agencies, by position
    flag: str
    by_combo: dict[str, int]  # "blended-child" -> providers offering that level to that age group
    by_need: dict[str, int]  # need code -> providers (under the chosen level/age filters)

    @property
    def count(self) -> int:
        return int(self.positions.size)

    @property
    def providers(self) -> tuple[str, ...]:
        """Ids of the covering agencies, by name (built only when a page or export asks)."""
        found = [self.agencies[p] for p in self.positions.tolist()]
        return tuple(a.id for a in sorted(found, key=lambda a: a.name))


@dataclass(frozen=True, slots=True)
class Coverage:
    level: Level | None
    age_group: AgeGroup | None
    need: str | None
    overlap_at: int
    areas: tuple[AreaCoverage, ...]

    def by_area(self) -> dict[str, AreaCoverage]:
        return {area.area_id: area for area in self.areas}

    def to_json(self) -> dict:
        return {
            "filters": {
                "level": self.level.value if self.level else None,
                "age_group": self.age_group.value if self.age_group else None,
                "need": self.need,
            },
            "overlap_at": self.overlap_at,
            "areas": [
                {
                    "id": area.area_id,
                    "name": area.name,
                    "parent": area.parent,
                    "count": area.count,
                    "flag": area.flag,
                    "providers": list(area.providers),
                    "by_combo": {
                        key: {"count": n, "flag": flag_for(n, self.overlap_at)}
                        for key, n in area.by_combo.items()
                    },
                    "by_need": {
                        code: {"count": n, "flag": flag_for(n, self.overlap_at)}
                        for code, n in area.by_need.items()
                    },
                }
                for area in self.areas
            ],
        }

    def to_csv(self) -> str:
        """One row per area: the chosen count and flag, then every combo and need count."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        combos = [combo_key(lvl, grp) for lvl, grp in COMBOS]
        needs = list(self.areas[0].by_need) if self.areas else []
        writer.writerow(["area_id", "area", "parent", "providers", "flag"] + combos + needs)
        for area in self.areas:
            writer.writerow(
                [area.area_id, area.name, area.parent or "", area.count, area.flag]
                + [area.by_combo[key] for key in combos]
                + [area.by_need[code] for code in needs]
            )
        return out.getvalue()


def coverage(
    directory: Directory,
    level: Level | None = None,
    age_group: AgeGroup | None = None,
    need: str | None = None,
) -> Coverage:
    """For every area: the formal agencies covering all of it, counted per level x age group
    and per need, flagged gap / fragile / covered / overlap. Cached per loaded directory."""
    return _coverage(directory, level, age_group, need)


@lru_cache(maxsize=256)
def _coverage(
    directory: Directory, level: Level | None, age_group: AgeGroup | None, need: str | None
) -> Coverage:
    overlap_at = int(directory.settings.get("OVERLAP_AT", 3))
    filters = directory.filters
    formal = filters.mask("kind", [Kind.FORMAL.value])
    # Counting is mask arithmetic over precomputed sets, not loops over agencies.
    offers = {
        combo_key(lvl, grp): formal
        & filters.mask("level", [lvl.value])
        & filters.mask("age_group", [grp.value])
        for lvl, grp in COMBOS
    }
    # Needs are counted under the level and age filters, not the need filter itself.
    need_base = formal.copy()
    if level is not None:
        need_base &= filters.mask("level", [level.value])
    if age_group is not None:
        need_base &= filters.mask("age_group", [age_group.value])
    chosen = need_base & filters.mask("need", [need]) if need is not None else need_base
    areas = []
    for area_id, depth in areas_in_display_order(filters.links):
        covering = filters.covering([area_id])
        positions = np.flatnonzero(covering & chosen)
        area = directory.areas_by_id[area_id]
        need_counts = filters.counts("need", covering & need_base)
        areas.append(
            AreaCoverage(
                area_id=area_id,
                name=area.name,
                parent=area.parent,
                depth=depth,
                positions=positions,
                agencies=filters.agencies,
                flag=flag_for(positions.size, overlap_at),
                by_combo={
                    key: int(np.count_nonzero(covering & mask)) for key, mask in offers.items()
                },
                by_need={code: need_counts.get(code, 0) for code in directory.needs_by_code},
            )
        )
    return Coverage(level, age_group, need, overlap_at, tuple(areas))


def areas_in_display_order(links) -> list[tuple[str, int]]:
    """(area id, depth) depth-first from the root, each broad area followed by its small places."""
    return links.display_order()  # the one area tree (geo.areas.AreaTree)
