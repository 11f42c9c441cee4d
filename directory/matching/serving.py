"""Who serves this place, for these needs, at this level and age (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..catalog import Directory
from ..records import AgeGroup, Kind, Level
from .gaps import Gap, find_gaps
from .places import place_parts
from .ranked import NO_POSITIONS, AgencyMatch, Ranked

NEAR_KM = 15.0  # informal supports with a point this close count as "nearby" outside their areas


@dataclass(frozen=True, slots=True)
class Match:
    location: object  # geo Location
    age_group: AgeGroup | None
    needs: tuple[str, ...]
    level: Level | None
    age: int | None
    agencies: Ranked  # read a page at a time; all serve the place
    informal: Ranked
    gaps: tuple[Gap, ...]
    partial: Sequence[AgencyMatch] = ()  # serve only part of an imprecise place
    parts: tuple[str, ...] = ()  # area ids holding only part of the place

    @property
    def is_in_area(self) -> bool:
        return bool(getattr(self.location, "in_area", False))


def match(
    directory: Directory,
    location,
    age_group: AgeGroup | None = None,
    needs: Iterable[str] = (),
    level: Level | None = None,
    age: int | None = None,
) -> Match:
    """Formal agencies serving the person's place and age group, ranked by needs met, then
    level fit, then distance, then how local they are; informal supports nearby; and the
    gaps, each with alternatives. Filters are the directory's precomputed masks, so the cost
    grows with the agencies that serve the place, not with the whole directory.
    """
    needs = tuple(dict.fromkeys(needs))
    if age_group is None and age is not None:
        age_group = AgeGroup.CHILD if age < 18 else AgeGroup.ADULT
    filters = directory.filters
    if not location.in_area:
        empty = Ranked(filters, NO_POSITIONS, np.zeros(0), np.zeros(0, dtype=bool), needs, level)
        return Match(location, age_group, needs, level, age, empty, empty, ())
    split = place_parts(directory, location)
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

    def ranked(mask: np.ndarray, level_wanted: Level | None, keys) -> Ranked:
        positions = np.flatnonzero(mask)
        kms = filters.distances_km(
            positions, location.lat, location.lon, directory.atlas.distance_to_area_km, locality
        )
        covers = covering[positions]
        kms[covers & np.isnan(filters.points[0][positions])] = 0.0
        order = np.lexsort(keys(positions, kms, covers))  # the last key sorts first
        return Ranked(filters, positions[order], kms[order], covers[order], needs, level_wanted)

    agencies = ranked(
        formal & fits & covering,
        level,
        lambda p, km, covers: (
            filters.name_rank[p],
            -locality[p],
            km,
            ~offers[p],
            -needs_met[p],
            ~covers,
        ),
    )
    informal_mask = ~formal & fits
    if needs:
        informal_mask &= needs_met > 0
    near = informal_mask & ~covering & ~np.isnan(filters.points[0])
    informal = ranked(
        informal_mask & (covering | near),
        None,
        lambda p, km, covers: (filters.name_rank[p], km, ~covers, -needs_met[p]),
    )
    informal = informal.where(informal.covers | (informal.kms <= NEAR_KM))
    partial_ranked = ranked(
        formal & fits & partial,
        level,
        lambda p, km, covers: (filters.name_rank[p], km, ~offers[p], -needs_met[p]),
    )
    gaps = find_gaps(directory, location, covering, age_group, needs, level, age)
    return Match(
        location,
        age_group,
        needs,
        level,
        age,
        agencies,
        informal,
        tuple(gaps),
        partial_ranked,
        split.parts,
    )
