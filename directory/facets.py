"""Structured filters as precomputed sets of agency positions, kept out of the text engine.

Kind, level, age group, need and service area are closed vocabularies, so "which agencies
have this value" is computed once per load and a filter is a boolean mask over the
directory's agencies (position n = the n-th agency of the data). Matching, coverage and
search all intersect the same masks, so they cannot disagree, and none of them waits on a
text engine.

Facet counts must be exact and cheap at 100,000 agencies. Agencies are grouped by their
set of values (most share one: "adult;child", or the same service areas), so a count is a
bincount over groups and a sum over the few (group, value) pairs, not a loop over agencies.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from geo.areas import AreaTree

from .records import AgeGroup, Agency, Area, Kind, Level

FACETS = ("kind", "level", "age_group", "need", "area")


@dataclass(frozen=True)
class Facet:
    """One closed vocabulary: which agencies have which values."""

    name: str
    values: tuple[str, ...]  # every value, in display order
    group_of: np.ndarray  # agency position -> group number
    group_total: int
    pair_group: np.ndarray  # (group, value) pairs: group has value
    pair_value: np.ndarray
    groups_with: Mapping[str, np.ndarray]  # value -> groups having it
    pair_start: np.ndarray = field(repr=False)  # group -> first pair (pairs
    # are stored group by group, so a group's values are pair_value[start[g]:start[g + 1]])
    _masks: dict = field(default_factory=dict, repr=False, compare=False)
    _bits: list = field(default_factory=list, repr=False, compare=False)  # [values x words]

    CACHED_MASKS = 256  # filters repeat (an area, a need): keep their masks, read-only

    @classmethod
    def build(cls, name: str, values: Sequence[str], value_sets: Sequence[frozenset[str]]) -> Facet:
        """`value_sets[n]` is the set of values of the n-th agency."""
        position = {value: n for n, value in enumerate(values)}
        group_number: dict[frozenset[str], int] = {}
        group_of = np.fromiter(
            (group_number.setdefault(value_set, len(group_number)) for value_set in value_sets),
            dtype=np.int32,
            count=len(value_sets),
        )
        pairs = [
            (group, position[value])
            for value_set, group in group_number.items()
            for value in value_set
            if value in position
        ]
        pair_group = np.array([g for g, _ in pairs], dtype=np.int32)
        pair_value = np.array([v for _, v in pairs], dtype=np.int32)
        order = np.argsort(pair_value, kind="stable")
        bounds = np.searchsorted(pair_value[order], np.arange(len(values) + 1))
        groups_with = {
            value: pair_group[order[bounds[n] : bounds[n + 1]]] for n, value in enumerate(values)
        }
        pair_start = np.searchsorted(pair_group, np.arange(len(group_number) + 1))
        return cls(
            name,
            tuple(values),
            group_of,
            len(group_number),
            pair_group,
            pair_value,
            groups_with,
            pair_start,
        )

    def mask(self, values: Iterable[str]) -> np.ndarray:
        """Agencies having any of `values` (an unknown value matches nothing). Read-only."""
        key = tuple(sorted(set(values)))
        cached = self._masks.get(key)
        if cached is not None:
            return cached
        wanted = np.zeros(self.group_total, dtype=bool)
        for value in key:
            wanted[self.groups_with.get(value, _NONE)] = True
        mask = wanted[self.group_of]
        mask.flags.writeable = False
        if len(self._masks) >= self.CACHED_MASKS:
            self._masks.clear()
        self._masks[key] = mask
        return mask

    def value_bits(self) -> np.ndarray:
        """One packed row of agency bits per value, built on first use and kept."""
        if not self._bits:
            rows = [_pack(self.mask([value])) for value in self.values]
            self._bits.append(np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.uint64))
        return self._bits[0]

    def counts(self, mask: np.ndarray) -> dict[str, int]:
        """For each value, how many agencies in `mask` have it (zeros included)."""
        if np.count_nonzero(mask) * 4 < self.group_total:
            # Few agencies: walk just the pairs of their groups.
            selected = self.group_of[mask]
            groups, per_group = np.unique(selected, return_counts=True)
            starts = self.pair_start[groups]
            lengths = self.pair_start[groups + 1] - starts
            steps = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
            pairs = steps + np.arange(int(lengths.sum()))
            per_value = np.bincount(
                self.pair_value[pairs],
                weights=np.repeat(per_group, lengths),
                minlength=len(self.values),
            )
        else:
            # Many agencies: AND the mask's bits with each value's bits and count them,
            # 64 agencies per machine word, instead of walking every (agency, value) pair.
            packed = _pack(mask)
            per_value = np.bitwise_count(self.value_bits() & packed).sum(axis=1)
        return dict(zip(self.values, per_value.astype(np.int64).tolist(), strict=True))


_NONE = np.zeros(0, dtype=np.int32)


def _pack(mask: np.ndarray) -> np.ndarray:
    """A boolean mask as little-endian 64-bit words (padded with zeros)."""
    packed = np.packbits(mask, bitorder="little")
    padded = np.zeros(-(-packed.size // 8) * 8, dtype=np.uint8)
    padded[: packed.size] = packed
    return padded.view(np.uint64)


@dataclass(frozen=True)
class FilterSets:
    """Agency positions by kind, level, age group, need and service area, as boolean masks.

    Two area facets, because "in an area" means two things:
    - `area`: the agency serves all or part of the area: it lists the area, an ancestor
      (an agency serving the whole region serves every place in it) or a descendant (an
      agency serving Oakland serves part of Pittsburgh). This is the search filter: a
      coordinator asking "who works in Pittsburgh?" wants both.
    - `covers`: the agency serves all of the area (it lists the area or an ancestor). This
      is what matters for one person at one place; see `covering`.
    """

    agencies: tuple[Agency, ...]
    position: Mapping[str, int]  # agency id -> position
    facets: Mapping[str, Facet]
    links: AreaTree  # the one area tree (geo.areas)
    listed_in: Mapping[str, np.ndarray]  # area -> positions of the agencies listing it
    points: tuple[np.ndarray, np.ndarray] = (_NONE, _NONE)  # lat, lon per position (NaN: none)
    listed_pairs: tuple[np.ndarray, np.ndarray] = (_NONE, _NONE)  # (position, area number)
    name_rank: np.ndarray = field(
        default_factory=lambda: _NONE
    )  # position -> rank in alphabetical order of names
    ages: tuple[np.ndarray, np.ndarray] = (_NONE, _NONE)  # min, max age per position (0, 999: none)

    @classmethod
    def build(
        cls, agencies: Sequence[Agency], areas: Iterable[Area], need_codes: Sequence[str] = ()
    ) -> FilterSets:
        agencies = tuple(agencies)
        links = AreaTree.build(list(areas))
        below = links.descendants()

        def spread(area_ids: Iterable[str], up: bool) -> frozenset[str]:
            found: set[str] = set()
            for area_id in area_ids:
                if area_id in below:
                    found.add(area_id)
                    found |= below[area_id]
                    if up:
                        found.update(links.ancestors(area_id))
            return frozenset(found)

        def facet(
            name: str, values: Sequence[str], of: Callable[[Agency], frozenset[str]]
        ) -> Facet:
            return Facet.build(name, values, [of(agency) for agency in agencies])

        needs = tuple(need_codes) or tuple(sorted({c for a in agencies for c in a.needs}))
        facets = {
            "kind": facet("kind", [k.value for k in Kind], lambda a: frozenset({a.kind.value})),
            "level": facet(
                "level", [v.value for v in Level], lambda a: frozenset(v.value for v in a.levels)
            ),
            "age_group": facet(
                "age_group",
                [v.value for v in AgeGroup],
                lambda a: frozenset(v.value for v in a.age_groups),
            ),
            "need": facet("need", needs, lambda a: a.needs),
            "area": facet("area", links.order, lambda a: spread(a.area_ids, up=True)),
            "covers": facet("covers", links.order, lambda a: spread(a.area_ids, up=False)),
        }
        listing: dict[str, list[int]] = {area_id: [] for area_id in links.order}
        for n, agency in enumerate(agencies):
            for area_id in agency.area_ids:
                listing.setdefault(area_id, []).append(n)
        area_number = {area_id: n for n, area_id in enumerate(links.order)}
        pairs = [
            (n, area_number[a])
            for n, agency in enumerate(agencies)
            for a in agency.area_ids
            if a in area_number
        ]
        return cls(
            agencies=agencies,
            position={agency.id: n for n, agency in enumerate(agencies)},
            facets=facets,
            links=links,
            listed_in={k: np.array(v, dtype=np.int32) for k, v in listing.items()},
            points=(
                np.array([a.latitude if a.has_point else np.nan for a in agencies], dtype=float),
                np.array([a.longitude if a.has_point else np.nan for a in agencies], dtype=float),
            ),
            listed_pairs=(
                np.array([p for p, _ in pairs], dtype=np.int32),
                np.array([a for _, a in pairs], dtype=np.int32),
            ),
            name_rank=_name_rank(agencies),
            ages=(
                np.array(
                    [a.min_age if a.min_age is not None else 0 for a in agencies], dtype=np.int16
                ),
                np.array(
                    [a.max_age if a.max_age is not None else 999 for a in agencies], dtype=np.int16
                ),
            ),
        )

    def __len__(self) -> int:
        return len(self.agencies)

    @cached_property
    def has_point(self) -> np.ndarray:
        """Per position, whether the agency has a point of its own (an office), read-only."""
        found = ~np.isnan(self.points[0])
        found.flags.writeable = False
        return found

    def everyone(self) -> np.ndarray:
        return np.ones(len(self.agencies), dtype=bool)

    def mask(self, facet: str, values: Iterable[str]) -> np.ndarray:
        """Agencies with any of `values` in `facet` ("kind", "level", ..., "area", "covers")."""
        return self.facets[facet].mask(values)

    def where(self, filters: Mapping[str, Collection[str]]) -> np.ndarray:
        """Agencies passing every filter: any value within a facet, all facets together."""
        mask = self.everyone()
        for facet, values in filters.items():
            if values:
                mask &= self.mask(facet, values)
        return mask

    def counts(self, facet: str, mask: np.ndarray) -> dict[str, int]:
        return self.facets[facet].counts(mask)

    def covering(self, area_ids: Iterable[str]) -> np.ndarray:
        """Agencies serving all of any of these areas, e.g. everyone covering a person's place."""
        return self.mask("covers", area_ids)

    def locality(self, area_ids: Iterable[str]) -> np.ndarray:
        """Per agency, how specific its coverage of the place is: 0 = does not cover it,
        1 + depth of the deepest listed area that covers it (the root counts 1)."""
        depth = np.zeros(len(self.agencies), dtype=np.int16)
        chain = {a for area_id in area_ids for a in self.links.ancestors(area_id)}
        for area_id in sorted(chain, key=self.links.depth.__getitem__):  # broadest first
            depth[self.listed_in.get(area_id, _NONE)] = self.links.depth[area_id] + 1
        return depth

    def serving_age(self, age: int | None) -> np.ndarray:
        """Agencies whose optional age limits admit this exact age (everyone when None)."""
        if age is None:
            return self.everyone()
        low, high = self.ages
        return (low <= age) & (age <= high)

    def distances_km(
        self,
        positions: np.ndarray,
        lat: float,
        lon: float,
        area_km: Callable[[float, float, str], float] | None,
        locality: np.ndarray | None = None,
    ) -> np.ndarray:
        """Km from a person to each agency at `positions`: to its office when known, else to
        the nearest of its service areas (0 when it covers the person's place). The one place
        search and matching measure distance."""
        from geo.distance import haversine_km

        lats, lons = self.points
        result = np.full(positions.size, np.inf)
        if positions.size == 0:
            return result
        has_point = ~np.isnan(lats[positions])
        if has_point.any():
            result[has_point] = haversine_km(
                lat, lon, lats[positions][has_point], lons[positions][has_point]
            )
        rest = positions[~has_point]
        if rest.size:
            by_area = np.full(rest.size, np.inf)
            far = np.ones(rest.size, dtype=bool)
            if locality is not None:
                far = locality[rest] == 0  # covering the place: 0 km, no area walk needed
                by_area[~far] = 0.0
            if area_km is not None and far.any():
                away = rest[far]
                pair_position, pair_area = self.listed_pairs
                slot = np.full(len(lats), -1, dtype=np.int64)
                slot[away] = np.arange(away.size)
                wanted = slot[pair_position] >= 0
                areas = pair_area[wanted]
                km = np.full(len(self.links.order), np.inf)
                for area in np.unique(areas).tolist():
                    km[area] = area_km(lat, lon, self.links.order[area])
                away_km = np.full(away.size, np.inf)
                np.minimum.at(away_km, slot[pair_position[wanted]], km[areas])
                by_area[far] = away_km
            result[~has_point] = by_area
        return result


def _name_rank(agencies: Sequence[Agency]) -> np.ndarray:
    """Position -> rank of the agency's name in alphabetical order (ties keep data order)."""
    names = np.argsort(np.array([a.name.casefold() for a in agencies], dtype=object), kind="stable")
    rank = np.empty(len(agencies), dtype=np.int32)
    rank[names] = np.arange(len(agencies), dtype=np.int32)
    return rank
