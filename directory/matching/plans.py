"""What the derived query alone decides about a match, kept per data version (pure).

A match depends on the person's point only through distances: to agencies with an office of
their own, and to the areas of those not serving the place. Everything else (who covers the
place, fits the age, meets the needs; the order when no distance depends on the point; the
gaps found) depends on the data version and the derived query: the place's areas, age group,
age, needs and level. A plan holds that, kept under those codes (never a person's words,
place or point), so the next person asking the same pays only for what is theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from geo.distance import haversine_km

from ..catalog import Directory
from ..records import AgeGroup, Kind, Level
from .gaps import Finding, gap_findings
from .places import PlaceParts
from .ranked import NO_POSITIONS, Ranked, same_everywhere

NEAR_KM = 15.0  # informal supports with a point this close count as "nearby" outside their areas
# Plans kept per data version and process, at most about this many bytes (the oldest made is
# dropped first): every choice of needs, age and level is a key, so without a bound a client
# could fill the memory. A plan is about 15 KB at 10,000 agencies.
MAX_KEPT_PLAN_BYTES = 32_000_000

Keys = tuple[np.ndarray, ...]
MaybeKeys = tuple[np.ndarray | None, ...]


@dataclass(frozen=True, slots=True)
class Measure:
    """How to measure a listing's candidates from a person's point: those with an office of
    their own by haversine, those serving neither the place nor an area holding it through
    their areas (FilterSets.distances_km); the rest are 0 km. Kept in data order, so each
    distance is computed exactly as matching always has."""

    lats: np.ndarray  # of the candidates with an office
    lons: np.ndarray
    at: np.ndarray  # where each of those is in the listing
    walk: np.ndarray  # positions measured through their areas
    walk_at: np.ndarray


@dataclass(frozen=True, slots=True)
class Listing:
    """One list of a plan: ranked already when none of its distances depends on the person's
    point; else its candidates in the order of the sort keys weaker than the distance, with
    the keys stronger than it, ranked per request (`rank`)."""

    ranked: Ranked | None
    positions: np.ndarray = field(default_factory=lambda: NO_POSITIONS)
    covers: np.ndarray = field(default_factory=lambda: NO_POSITIONS)
    after: Keys = ()  # np.lexsort's order: the last key sorts first
    measure: Measure | None = None
    level: Level | None = None  # the level asked for, or None for supports
    near_only: bool = False  # supports: those not covering the place only within NEAR_KM

    def rank(self, directory: Directory, location, needs: tuple[str, ...]) -> Ranked:
        """The list for a person at `location`."""
        if self.ranked is not None:
            return self.ranked
        measure = self.measure
        if measure is None:
            raise TypeError("a Listing is either ranked or measured")
        kms = np.zeros(self.positions.size)
        if measure.at.size:
            kms[measure.at] = haversine_km(location.lat, location.lon, measure.lats, measure.lons)
        if measure.walk.size:
            kms[measure.walk_at] = directory.filters.distances_km(
                measure.walk, location.lat, location.lon, directory.atlas.distance_to_area_km
            )
        # A stable sort by the stronger keys over the order of the weaker ones is the order
        # of all of them (np.lexsort sorts key by key the same way).
        order = np.lexsort((kms, *self.after))
        ranked = Ranked(
            directory.filters,
            self.positions[order],
            kms[order],
            self.covers[order],
            needs,
            self.level,
        )
        return _near(ranked) if self.near_only else ranked


@dataclass(frozen=True, slots=True)
class Plan:
    """A match's lists and gaps as far as the derived query decides them."""

    agencies: Listing
    informal: Listing
    partial: Listing
    findings: tuple[Finding, ...]
    nbytes: int  # about how much memory it holds


def plan_for(
    directory: Directory,
    location,
    split: PlaceParts,
    age_group: AgeGroup | None,
    age: int | None,
    needs: tuple[str, ...],
    level: Level | None,
) -> Plan:
    """The plan for this derived query, made once per data version while it is kept."""
    key = (
        tuple(location.areas),
        split.whole,
        split.parts,
        age_group.value if age_group else None,
        age,
        needs,
        level.value if level else None,
    )
    return directory.kept("match-plans", MAX_KEPT_PLAN_BYTES).get_or_make(
        key,
        lambda: _make_plan(directory, location.areas, split, age_group, age, needs, level),
        lambda plan: plan.nbytes,
    )


def _make_plan(
    directory: Directory,
    areas: tuple[str, ...],
    split: PlaceParts,
    age_group: AgeGroup | None,
    age: int | None,
    needs: tuple[str, ...],
    level: Level | None,
) -> Plan:
    filters = directory.filters
    covering = filters.covering(split.whole)
    # An imprecise place ("15201", "Pittsburgh") also names agencies serving part of it, apart.
    partial = filters.covering(split.parts) & ~covering if split.parts else np.zeros_like(covering)
    fits = filters.serving_age(age)
    if age_group:
        fits &= filters.mask("age_group", [age_group.value])
    locality = filters.locality(split.whole + split.parts)
    formal = filters.mask("kind", [Kind.FORMAL.value])
    needs_met = np.zeros(len(filters), dtype=np.int16)
    for code in needs:
        needs_met += filters.mask("need", [code])
    offers = filters.mask("level", [level.value]) if level else filters.everyone()

    def listing(
        mask: np.ndarray,
        level_wanted: Level | None,
        keys: Callable[[np.ndarray, np.ndarray], tuple[MaybeKeys, MaybeKeys]],
        near_only: bool = False,
    ) -> Listing:
        positions = np.flatnonzero(mask).astype(np.int32)  # kept: half the memory of int64
        covers = covering[positions]
        # A key the same for all (None: no level or needs asked, all covering) never changes
        # a stable sort's order: left out, each is one pass fewer.
        before, after = (
            tuple(k for k in part if k is not None) for part in keys(positions, covers)
        )
        has_point = filters.has_point[positions]
        walk = ~has_point & (locality[positions] == 0) & ~covers
        if has_point.any() or walk.any():
            base = np.lexsort(before)
            at = np.empty(positions.size, dtype=np.int32)
            at[base] = np.arange(positions.size, dtype=np.int32)
            lats, lons = filters.points
            measure = Measure(
                lats[positions][has_point],
                lons[positions][has_point],
                at[has_point],
                positions[walk],
                at[walk],
            )
            return Listing(
                None,
                positions[base],
                covers[base],
                tuple(key[base] for key in after),
                measure,
                level_wanted,
                near_only,
            )
        # Every distance is 0 km (no office of its own, and listing an area holding the place
        # or part of it: FilterSets.distances_km), whatever the point: rank once.
        kms = same_everywhere(0.0, positions.size)
        order = np.lexsort((*before, *after))  # the distances, all 0, leave it as it is
        in_order = positions[order]
        in_order.flags.writeable = False
        ranked = Ranked(filters, in_order, kms, _compact(covers[order]), needs, level_wanted)
        return Listing(_near(ranked) if near_only else ranked)

    agencies = listing(
        formal & fits & covering,
        level,
        lambda p, covers: (
            (filters.name_rank[p], -locality[p]),
            (~offers[p] if level else None, -needs_met[p] if needs else None, _varied(~covers)),
        ),
    )
    informal_mask = ~formal & fits
    if needs:
        informal_mask &= needs_met > 0
    near = informal_mask & ~covering & filters.has_point
    informal = listing(
        informal_mask & (covering | near),
        None,
        lambda p, covers: (
            (filters.name_rank[p],),
            (_varied(~covers), -needs_met[p] if needs else None),
        ),
        near_only=True,
    )
    partial_listing = listing(
        formal & fits & partial,
        level,
        lambda p, covers: (
            (filters.name_rank[p],),
            (~offers[p] if level else None, -needs_met[p] if needs else None),
        ),
    )
    findings = gap_findings(directory, areas, covering, age_group, needs, level, age)
    lists = (agencies, informal, partial_listing)
    return Plan(*lists, findings, _nbytes(lists))


def _near(ranked: Ranked) -> Ranked:
    """Supports covering the place, and those not covering it within NEAR_KM."""
    return ranked.where(ranked.covers | (ranked.kms <= NEAR_KM))


def _varied(flags: np.ndarray) -> np.ndarray | None:
    """The flags as a sort key, or None when they are all the same."""
    return flags if flags.size and flags.any() and not flags.all() else None


def _compact(flags: np.ndarray) -> np.ndarray:
    """All-true or all-false flags as one value seen `size` times (see same_everywhere)."""
    if flags.size and (flags.all() or not flags.any()):
        return same_everywhere(flags[0], flags.size)
    return flags


def _nbytes(lists: tuple[Listing, ...]) -> int:
    """About the memory a plan holds: its arrays, each once (a view of one value as nothing),
    the agencies' split by fit kept on their list (Ranked.memo), and its objects."""
    arrays: dict[int, np.ndarray] = {}
    for found in lists:
        parts = (found.positions, found.covers, *found.after)
        if found.measure is not None:
            parts += (found.measure.lats, found.measure.lons, found.measure.at)
            parts += (found.measure.walk, found.measure.walk_at)
        if found.ranked is not None:
            parts += (found.ranked.positions, found.ranked.kms, found.ranked.covers)
        for array in parts:
            if array.strides != (0,):
                arrays[id(array)] = array
    split = lists[0].ranked.positions.nbytes if lists[0].ranked is not None else 0
    return sum(array.nbytes for array in arrays.values()) + split + 8192
