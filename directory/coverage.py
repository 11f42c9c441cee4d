"""Coverage by area for planners: gap (no provider), fragile (one), overlap (many). Pure."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache

from .catalog import Directory
from .matching import area_tree
from .records import AgeGroup, Level

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
    providers: tuple[str, ...]  # agency ids covering the whole area under the chosen filters
    flag: str
    by_combo: dict[str, int]  # "blended-child" -> providers offering that level to that age group
    by_need: dict[str, int]  # need code -> providers (under the chosen level/age filters)

    @property
    def count(self) -> int:
        return len(self.providers)


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
                    "by_combo": {key: {"count": n, "flag": flag_for(n, self.overlap_at)}
                                 for key, n in area.by_combo.items()},
                    "by_need": {code: {"count": n, "flag": flag_for(n, self.overlap_at)}
                                for code, n in area.by_need.items()},
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
def _coverage(directory: Directory, level: Level | None, age_group: AgeGroup | None,
              need: str | None) -> Coverage:
    overlap_at = int(directory.settings.get("OVERLAP_AT", 3))
    tree = area_tree(directory)
    formal = directory.formal_agencies
    # Id sets per closed-vocabulary value: counting is then set intersection, not loops.
    offers: dict[tuple[Level, AgeGroup], frozenset[str]] = {
        combo: frozenset(a.id for a in formal if combo[0] in a.levels and combo[1] in a.age_groups)
        for combo in COMBOS
    }
    by_need = {code: frozenset(a.id for a in formal if code in a.needs) for code in directory.needs_by_code}
    chosen = frozenset(a.id for a in formal)
    if level is not None:
        chosen &= frozenset(a.id for a in formal if level in a.levels)
    if age_group is not None:
        chosen &= frozenset(a.id for a in formal if age_group in a.age_groups)
    if need is not None:
        chosen &= by_need.get(need, frozenset())
    # Needs are counted under the level and age filters, not the need filter itself.
    need_base = frozenset(a.id for a in formal
                          if (level is None or level in a.levels)
                          and (age_group is None or age_group in a.age_groups))
    areas = []
    for area_id in tree.in_display_order():
        covering = tree.covering(area_id)
        providers = covering & chosen
        area = tree.areas[area_id]
        areas.append(
            AreaCoverage(
                area_id=area_id,
                name=area.name,
                parent=area.parent,
                depth=tree.depth(area_id),
                providers=tuple(sorted(providers, key=lambda i: directory.agencies_by_id[i].name)),
                flag=flag_for(len(providers), overlap_at),
                by_combo={combo_key(*combo): len(covering & ids) for combo, ids in offers.items()},
                by_need={code: len(covering & need_base & ids) for code, ids in by_need.items()},
            )
        )
    return Coverage(level, age_group, need, overlap_at, tuple(areas))
