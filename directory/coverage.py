"""Coverage for planners: gap (no provider), fragile (one), overlap (many), by area or place. Pure.

Counts are mask arithmetic over the directory's precomputed filter sets. Every filter (level,
age group, need, scope) applies to every number: the chosen count, the level x age group
columns and the per-need columns. Answers are kept per data version with `directory.memo`,
so a reload frees them.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from . import params
from .catalog import Directory
from .cells import csv_text
from .provenance import data_line
from .records import AgeGroup, Agency, Kind, Level

GAP, FRAGILE, COVERED, OVERLAP = "gap", "fragile", "covered", "overlap"
INFORMAL_ONLY = "informal-only"  # a need with no coordination agency but a community support
COMBOS: tuple[tuple[Level, AgeGroup], ...] = tuple((lvl, grp) for lvl in Level for grp in AgeGroup)
MUNICIPALITY_KINDS = ("city", "borough", "township")
PLACE_KINDS = (*MUNICIPALITY_KINDS, "neighbourhood")
# Overlap means this many agencies of an area's own on top of those serving the whole region:
# region-wide agencies cover every area alike, so counting them would paint everything overlap.
OWN_AGENCIES_FOR_OVERLAP = 2


class Scope(enum.Enum):
    """Which agencies count: all of them, or only local ones (leaving out region-wide ones)."""

    ALL = "all"
    LOCAL = "local"


class By(enum.Enum):
    """Rows per service area (the brochure's), or per municipality and city neighbourhood."""

    AREA = "area"
    PLACE = "place"


def flag_for(count: int, overlap_at: int) -> str:
    if count == 0:
        return GAP
    if count == 1:
        return FRAGILE
    return OVERLAP if count >= overlap_at else COVERED


def need_flag(count: int, informal: int, overlap_at: int) -> str:
    """A need is a gap only where neither a coordination agency nor a community support helps."""
    if count == 0 and informal > 0:
        return INFORMAL_ONLY
    return flag_for(count, overlap_at)


def combo_key(level: Level, group: AgeGroup) -> str:
    """'blended-adult': the column key used in JSON, CSV and the page."""
    return f"{level.value}-{group.value}"


@dataclass(frozen=True, slots=True)
class AreaCoverage:
    """One row: a service area, or (by place) a municipality or city neighbourhood."""

    area_id: str  # the area's id, or the place's slug ("pittsburgh-bloomfield")
    name: str
    parent: str | None  # for a place: the service area it lies in
    depth: int
    positions: np.ndarray  # agencies covering the whole area under the chosen filters
    agencies: tuple[Agency, ...]  # the directory's agencies, by position
    flag: str
    by_combo: dict[str, int]  # "blended-child" -> providers offering that level to that age group
    by_need: dict[str, int]  # need code -> coordination agencies (under every filter)
    informal_by_need: dict[str, int]  # need code -> community supports (age and scope filters)
    kind: str = "area"  # "area", or the place's kind (city, borough, township, neighbourhood)

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
    scope: Scope = Scope.ALL
    by: By = By.AREA
    region_wide: int = 0  # agencies serving the whole region under the filters (0 when local)
    provenance: str = ""  # source, verification date and reconstruction note, for every download

    def by_area(self) -> dict[str, AreaCoverage]:
        return {area.area_id: area for area in self.areas}

    def to_json(self) -> dict:
        return {
            "filters": {
                "level": self.level.value if self.level else None,
                "age_group": self.age_group.value if self.age_group else None,
                "need": self.need,
            },
            "scope": self.scope.value,
            "by": self.by.value,
            "overlap_at": self.overlap_at,
            "region_wide": self.region_wide,
            "provenance": self.provenance,
            "areas": [
                {
                    "id": area.area_id,
                    "name": area.name,
                    "parent": area.parent,
                    "kind": area.kind,
                    "count": area.count,
                    "flag": area.flag,
                    "providers": list(area.providers),
                    "by_combo": {
                        key: {"count": n, "flag": flag_for(n, self.overlap_at)}
                        for key, n in area.by_combo.items()
                    },
                    "by_need": {
                        code: {
                            "count": n,
                            "informal": area.informal_by_need[code],
                            "flag": need_flag(n, area.informal_by_need[code], self.overlap_at),
                        }
                        for code, n in area.by_need.items()
                    },
                }
                for area in self.areas
            ],
        }

    def csv_header(self) -> list[str]:
        combos = [combo_key(lvl, grp) for lvl, grp in COMBOS]
        needs = list(self.areas[0].by_need) if self.areas else []
        return (
            ["area_id", "area", "parent", "providers", "flag"]
            + combos
            + needs
            + [f"{code} informal" for code in needs]
            + ["kind", "scope", "provenance"]
        )

    def to_csv(self) -> str:
        """One row per area (or place): the chosen count and flag, every combo and need count,
        community supports per need, and on every row where the numbers come from."""
        combos = [combo_key(lvl, grp) for lvl, grp in COMBOS]
        needs = list(self.areas[0].by_need) if self.areas else []
        rows = (
            [area.area_id, area.name, area.parent or "", area.count, area.flag]
            + [area.by_combo[key] for key in combos]
            + [area.by_need[code] for code in needs]
            + [area.informal_by_need[code] for code in needs]
            + [area.kind, self.scope.value, self.provenance]
            for area in self.areas
        )
        return csv_text(self.csv_header(), rows, lineterminator="\n")

    def file_name(self, extension: str) -> str:
        """'coverage-blended-child.csv': the download is named for its filters."""
        parts = [
            self.by.value if self.by is By.PLACE else "",
            self.scope.value if self.scope is Scope.LOCAL else "",
            self.level.value if self.level else "",
            self.age_group.value if self.age_group else "",
            self.need or "",
        ]
        return "-".join(["coverage", *(p for p in parts if p)]) + "." + extension


@dataclass(frozen=True, slots=True)
class CoverageQuery:
    """The coverage filters of the page, its downloads, the API and `directory coverage`:
    level, age group and need (each optional), scope and row kind. Read through the one
    request boundary (directory/params.py), so a bad value is refused in the same words
    everywhere."""

    level: Level | None = None
    age_group: AgeGroup | None = None
    need: str | None = None
    scope: Scope = Scope.ALL  # local: leave out agencies serving the whole region
    by: By = By.AREA  # place: a row per municipality and city neighbourhood

    @classmethod
    def from_args(cls, args, directory: Directory) -> CoverageQuery:
        """From a URL's query (a werkzeug MultiDict) or a CLI's options (a plain mapping)."""
        level = params.choice(args, "level", params.enum_values(Level), "")
        age = params.choice(args, "age", params.enum_values(AgeGroup), "")
        scope = params.choice(args, "scope", params.enum_values(Scope), Scope.ALL.value)
        by = params.choice(args, "by", params.enum_values(By), By.AREA.value)
        needs = params.codes(args, "need")
        params.known_codes("need", needs[:1], directory.needs_by_code)
        return cls(
            Level(level) if level else None,
            AgeGroup(age) if age else None,
            needs[0] if needs else None,
            Scope(scope),
            By(by),
        )

    @classmethod
    def answer(cls, args, directory: Directory) -> tuple[CoverageQuery, Coverage]:
        """Read the filters and run the one coverage call the page, downloads and API share."""
        query = cls.from_args(args, directory)
        return query, query.run(directory)

    def run(self, directory: Directory) -> Coverage:
        return coverage(directory, self.level, self.age_group, self.need, self.scope, self.by)

    def params(self) -> dict[str, str]:
        """The filters as URL parameters, defaults left out."""
        found = {
            "level": self.level.value if self.level else "",
            "age": self.age_group.value if self.age_group else "",
            "need": self.need or "",
            "scope": self.scope.value if self.scope is not Scope.ALL else "",
            "by": self.by.value if self.by is not By.AREA else "",
        }
        return {key: value for key, value in found.items() if value}

    def describe(self, directory: Directory) -> str:
        """'Blended coordination for children, helping with food' -> words for captions."""
        what = f"{self.level.label} coordination" if self.level else "Service coordination"
        if self.age_group:
            what += f" for {self.age_group.label.lower()}"
        if self.need:
            what += f", helping with {directory.needs_by_code[self.need].label.lower()}"
        if self.scope is Scope.LOCAL:
            what += ", local agencies only"
        return what


def coverage(
    directory: Directory,
    level: Level | None = None,
    age_group: AgeGroup | None = None,
    need: str | None = None,
    scope: Scope = Scope.ALL,
    by: By = By.AREA,
) -> Coverage:
    """For every area (or place): the formal agencies covering all of it, counted per level x
    age group and per need, flagged gap / fragile / covered / overlap. Made once per data
    version and filter (directory.memo), so every visitor after the first is served from memory."""
    key = ("coverage", level, age_group, need, scope, by)
    return directory.memo(
        key, lambda: compute_coverage(directory, level, age_group, need, scope, by)
    )


def compute_coverage(
    directory: Directory,
    level: Level | None = None,
    age_group: AgeGroup | None = None,
    need: str | None = None,
    scope: Scope = Scope.ALL,
    by: By = By.AREA,
) -> Coverage:
    """The uncached computation behind coverage() (benchmarks time this)."""
    filters = directory.filters
    everyone = filters.everyone()
    root = directory.atlas.root_id
    region_wide_mask = filters.covering([root]) if root else ~everyone
    in_scope = ~region_wide_mask if scope is Scope.LOCAL else everyone
    formal = filters.mask("kind", [Kind.FORMAL.value]) & in_scope
    informal = filters.mask("kind", [Kind.INFORMAL.value]) & in_scope
    if age_group is not None:
        # Informal supports open to every age list no age group; they count for everyone.
        ages = filters.mask("age_group", [age_group.value])
        informal &= ages | ~filters.mask("age_group", [g.value for g in AgeGroup])
    needs = [need] if need is not None else list(directory.needs_by_code)
    if need is not None:
        formal &= filters.mask("need", [need])
        informal &= filters.mask("need", [need])
    # The level x age group columns respect the need and scope filters (not level/age: they
    # are those columns).
    offers = {
        combo_key(lvl, grp): formal
        & filters.mask("level", [lvl.value])
        & filters.mask("age_group", [grp.value])
        for lvl, grp in COMBOS
    }
    chosen = formal.copy()
    if level is not None:
        chosen &= filters.mask("level", [level.value])
    if age_group is not None:
        chosen &= filters.mask("age_group", [age_group.value])
    region_wide = int(np.count_nonzero(chosen & region_wide_mask))
    overlap_at = max(directory.settings.overlap_at, region_wide + OWN_AGENCIES_FOR_OVERLAP)
    rows: dict[str, AreaCoverage] = {}
    order = filters.links.display_order()
    for area_id, depth in order:
        covering = filters.covering([area_id])
        positions = np.flatnonzero(covering & chosen)
        need_counts = filters.counts("need", covering & chosen)
        informal_counts = filters.counts("need", covering & informal)
        area = directory.areas_by_id[area_id]
        rows[area_id] = AreaCoverage(
            area_id=area_id,
            name=area.name,
            parent=area.parent,
            depth=depth,
            positions=positions,
            agencies=filters.agencies,
            flag=flag_for(positions.size, overlap_at),
            by_combo={key: int(np.count_nonzero(covering & mask)) for key, mask in offers.items()},
            by_need={code: need_counts.get(code, 0) for code in needs},
            informal_by_need={code: informal_counts.get(code, 0) for code in needs},
        )
    if by is By.PLACE:
        areas = tuple(_place_rows(directory, rows, order))
    else:
        areas = tuple(rows.values())
    return Coverage(
        level,
        age_group,
        need,
        overlap_at,
        areas,
        scope=scope,
        by=by,
        region_wide=0 if scope is Scope.LOCAL else region_wide,
        provenance=provenance_line(directory),
    )


def _place_rows(directory: Directory, rows: dict[str, AreaCoverage], order) -> list[AreaCoverage]:
    """A row per municipality and city neighbourhood, with the numbers of the most specific
    service area it lies in, grouped under the brochure areas in display order."""
    under: dict[str, list[AreaCoverage]] = {}
    seen: Counter[str] = Counter()
    for name, kind, municipality, area_ids in place_list(directory):
        known = [a for a in area_ids if a in rows]
        if not known:
            continue
        area = max(known, key=lambda a: rows[a].depth)  # the most specific
        numbers = rows[area]
        slug = _slug(f"{municipality} {name}" if kind == "neighbourhood" else name)
        seen[slug] += 1
        if seen[slug] > 1:
            slug = f"{slug}-{_slug(kind)}"
        under.setdefault(area, []).append(
            AreaCoverage(
                area_id=slug,
                name=f"{name}, {municipality}"
                if kind == "neighbourhood" and municipality
                else name,
                parent=area,
                depth=numbers.depth + 1,
                positions=numbers.positions,
                agencies=numbers.agencies,
                flag=numbers.flag,
                by_combo=numbers.by_combo,
                by_need=numbers.by_need,
                informal_by_need=numbers.informal_by_need,
                kind=kind,
            )
        )
    return [
        place
        for area_id, _ in order
        for place in sorted(under.get(area_id, []), key=lambda p: p.name)
    ]


def place_list(directory: Directory) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(name, kind, municipality, area ids) of every municipality and city neighbourhood:
    from the atlas's polygons when the data folder has them, else from the gazetteer."""
    atlas = directory.atlas
    shapes = getattr(atlas, "places_with_shapes", None)
    found = list(shapes()) if shapes else []
    if found:
        return [
            (p.name, p.kind, p.municipality, tuple(p.area_ids))
            for p in found
            if p.kind in PLACE_KINDS
        ]
    return [
        (p.name, p.kind, p.municipality, tuple(p.area_ids))
        for p in atlas.places
        if p.kind in PLACE_KINDS
    ]


def provenance_line(directory: Directory) -> str:
    """The one provenance line (source, date, reconstruction), with the data version, for
    the page and inside every download."""
    return f"{data_line(directory)} Data version {directory.data.fingerprint[:12]}."


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
