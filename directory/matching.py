"""Who serves this place, for these needs, at this level and age, and what is missing (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from geo.distance import haversine_km

from .catalog import Directory
from .records import AgeGroup, Agency, Kind, Level, parse_choice

NEAR_KM = (
    15.0  # informal supports with a point this close count as "nearby" even outside their areas
)
ALTERNATIVES = 3  # how many alternatives a gap names
NO_POSITIONS = np.zeros(0, dtype=np.int32)


@dataclass(frozen=True, slots=True)
class AgencyMatch:
    """One agency or support, with why it was matched and how far it is."""

    agency: Agency
    needs_met: tuple[str, ...]
    offers_level: bool
    distance_km: float
    covers_place: bool  # False: serves only part of the place the person typed, or is nearby

    @property
    def id(self) -> str:
        return self.agency.id


class Ranked(Sequence[AgencyMatch]):
    """Ranked agencies held as arrays; an AgencyMatch is made only when an item is read, so a
    place covered by 50,000 agencies costs a page of objects, not 50,000."""

    def __init__(
        self,
        filters,
        positions: np.ndarray,
        kms: np.ndarray,
        covers: np.ndarray,
        needs: tuple[str, ...],
        level: Level | None,
    ):
        self.filters, self.positions, self.kms, self.covers = filters, positions, kms, covers
        self.needs, self.level = needs, level

    def __len__(self) -> int:
        return int(self.positions.size)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self._item(i) for i in range(*index.indices(len(self))))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._item(index)

    def _item(self, i: int) -> AgencyMatch:
        return _agency_match(
            self.filters.agencies[int(self.positions[i])],
            float(self.kms[i]),
            self.needs,
            self.level,
            bool(self.covers[i]),
        )

    def where(self, keep: np.ndarray) -> Ranked:
        """The items where `keep` (one flag per item) is true, in the same order."""
        return Ranked(
            self.filters,
            self.positions[keep],
            self.kms[keep],
            self.covers[keep],
            self.needs,
            self.level,
        )

    def mask(self) -> np.ndarray:
        """The items as a mask over every agency of the directory."""
        mask = np.zeros(len(self.filters), dtype=bool)
        mask[self.positions] = True
        return mask

    def __repr__(self) -> str:
        return f"Ranked({len(self)} agencies)"


@dataclass(frozen=True, slots=True)
class Gap:
    """Something the person may need that no agency covering their place provides."""

    kind: str  # "gap": nobody covering the place; "region-wide only": only region-wide agencies
    message: str
    alternatives: tuple[AgencyMatch, ...]
    need: str | None = None
    level: Level | None = None
    age_group: AgeGroup | None = None

    def to_json(self) -> dict:
        payload: dict = {"kind": self.kind}
        if self.need is not None:
            payload["need"] = self.need
        else:
            payload["level"] = self.level.value if self.level else None
            payload["age_group"] = self.age_group.value if self.age_group else None
        payload["message"] = self.message
        payload["alternatives"] = [
            {
                "id": alt.id,
                "name": alt.agency.name,
                "phone": alt.agency.phone,
                "distance_km": round(alt.distance_km, 2),
                "covers_place": alt.covers_place,
            }
            for alt in self.alternatives
        ]
        return payload


@dataclass(frozen=True, slots=True)
class Match:
    location: object  # geo Location
    age_group: AgeGroup | None
    needs: tuple[str, ...]
    level: Level | None
    age: int | None
    agencies: Sequence[AgencyMatch]  # Ranked: read a page at a time
    informal: Sequence[AgencyMatch]
    gaps: tuple[Gap, ...]

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
    covering = filters.covering(location.areas)
    # Typing a broad place ("Pittsburgh") also shows agencies serving part of it, ranked after.
    partial = filters.mask("area", location.areas[-1:]) & ~covering
    fits = filters.serving_age(age)
    if age_group:
        fits &= filters.mask("age_group", [age_group.value])
    locality = filters.locality(location.areas)
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
        formal & fits & (covering | partial),
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
    gaps = find_gaps(directory, location, covering, age_group, needs, level, age)
    return Match(location, age_group, needs, level, age, agencies, informal, tuple(gaps))


def _agency_match(
    agency: Agency, km: float, needs: Sequence[str], level: Level | None, covers: bool
) -> AgencyMatch:
    return AgencyMatch(
        agency=agency,
        needs_met=tuple(n for n in needs if n in agency.needs),
        offers_level=level is None or level in agency.levels,
        distance_km=0.0 if covers and not agency.has_point else km,
        covers_place=covers,
    )


def nearest_outside(
    directory: Directory,
    location,
    providers: np.ndarray,
    covering: np.ndarray,
    limit: int = ALTERNATIVES,
) -> list[tuple[Agency, float]]:
    """The `limit` providers nearest to the person among those not covering their place.

    Area-only providers are found by walking the areas nearest first (the first area that
    lists a provider is its nearest), so the cost depends on the areas, not on the agencies.
    """
    filters = directory.filters
    outside = providers & ~covering
    lats, lons = filters.points
    found: dict[int, float] = {}
    with_point = np.flatnonzero(outside & ~np.isnan(lats))
    if with_point.size:
        kms = haversine_km(location.lat, location.lon, lats[with_point], lons[with_point])
        for i in np.argsort(kms)[:limit].tolist():
            found[int(with_point[i])] = float(kms[i])
    area_only = outside & np.isnan(lats)
    if area_only.any():
        by_distance = sorted(
            directory.atlas.distances_to_areas_km(location.lat, location.lon).items(),
            key=lambda pair: pair[1],
        )
        picked = 0
        for area_id, km in by_distance:
            if picked >= limit:
                break
            for position in filters.listed_in.get(area_id, NO_POSITIONS).tolist():
                if area_only[position] and position not in found:
                    found[position] = km
                    picked += 1
    ranked = sorted(found.items(), key=lambda pair: (pair[1], filters.agencies[pair[0]].name))
    return [(filters.agencies[position], km) for position, km in ranked[:limit]]


def find_gaps(
    directory: Directory,
    location,
    covering: np.ndarray,
    age_group: AgeGroup | None,
    needs: Sequence[str],
    level: Level | None,
    age: int | None,
) -> list[Gap]:
    """For each requested need, and each level x age group the person could need: is it
    provided by an agency covering the place? If not, name the nearest alternatives.
    """
    filters = directory.filters
    place = location.label or directory.area_name(location.areas[-1])
    root_id = directory.atlas.root_id
    region_wide = np.zeros(len(filters), dtype=bool)
    if root_id:
        region_wide[filters.listed_in.get(root_id, NO_POSITIONS)] = True
    groups = [age_group] if age_group else list(AgeGroup)
    levels = [level] if level else list(Level)
    formal = filters.mask("kind", [Kind.FORMAL.value])
    gaps: list[Gap] = []

    fits_age = filters.serving_age(age)

    def local_ones(providers: np.ndarray) -> np.ndarray:
        return providers & covering & fits_age

    def alternatives(providers: np.ndarray) -> tuple[AgencyMatch, ...]:
        return tuple(
            _agency_match(a, km, needs, level, False)
            for a, km in nearest_outside(directory, location, providers, covering)
        )

    def covered_alternatives(mask: np.ndarray) -> tuple[AgencyMatch, ...]:
        positions = np.flatnonzero(mask)
        first = positions[np.argsort(filters.name_rank[positions], kind="stable")[:ALTERNATIVES]]
        return tuple(
            _agency_match(filters.agencies[p], 0.0, needs, level, True) for p in first.tolist()
        )

    in_groups = filters.mask("age_group", [g.value for g in groups])
    for need in needs:
        label = directory.needs_by_code[need].label if need in directory.needs_by_code else need
        offering = filters.mask("need", [need])
        providers = formal & in_groups & offering
        if not local_ones(providers).any():
            alts = alternatives(providers) + covered_alternatives(
                ~formal & in_groups & covering & offering
            )
            message = (
                f"No service coordination agency serving {place} lists help with {label.lower()}"
            )
            message += _for_groups(groups) + "."
            message += " " + _alternatives_sentence(alts) if alts else " We know of no alternative."
            gaps.append(Gap("gap", message, alts, need=need))

    for lvl in levels:
        for group in groups:
            providers = (
                formal
                & filters.mask("level", [lvl.value])
                & filters.mask("age_group", [group.value])
            )
            local = local_ones(providers)
            what = f"{lvl.label} coordination for {group.label.lower()}"
            if not local.any():
                alts = alternatives(providers)
                message = f"No agency serving {place} offers {what}."
                message += (
                    " " + _alternatives_sentence(alts)
                    if alts
                    else " No agency in the directory offers it."
                )
                gaps.append(Gap("gap", message, alts, level=lvl, age_group=group))
            elif location.areas[-1] != root_id and not (local & ~region_wide).any():
                area_name = directory.area_name(location.areas[-1])
                alts = covered_alternatives(local)
                names = ", ".join(alt.agency.name for alt in alts)
                message = (
                    f"No agency based in {area_name} offers {what}; these "
                    f"{directory.region_name}-wide agencies do: {names}."
                )
                gaps.append(Gap("region-wide only", message, alts, level=lvl, age_group=group))
    return gaps


def _for_groups(groups: Sequence[AgeGroup]) -> str:
    return f" for {groups[0].label.lower()}" if len(groups) == 1 else ""


def _alternatives_sentence(alternatives: Sequence[AgencyMatch]) -> str:
    parts = []
    for alt in alternatives:
        if alt.covers_place:
            parts.append(f"{alt.agency.name} (serves your area)")
        else:
            parts.append(f"{alt.agency.name} ({alt.distance_km:.1f} km away)")
    return "Nearest alternatives: " + "; ".join(parts) + "."


@dataclass(frozen=True, slots=True)
class MatchQuery:
    """What a family asked for, parsed once from a form, an API call or the command line."""

    near: str
    age_group: AgeGroup | None = None
    years: int | None = None
    needs: tuple[str, ...] = ()
    level: Level | None = None
    q: str = ""
    page: int = 1  # the page shows pages 1..page ("show more"); the API returns this page
    page_size: int = 20

    @classmethod
    def from_args(cls, args, directory: Directory) -> MatchQuery:
        """Parse `near`, `age`, `years`, `need` (repeatable), `level`, `q`; BadInput says what's wrong."""
        from .errors import BadInput

        def one(name: str) -> str:
            value = args.get(name) or ""
            return value.strip() if isinstance(value, str) else ""

        near = one("near")
        if not near:
            raise BadInput(
                f"Enter a ZIP code, town, neighbourhood or address in {directory.region_name}.",
                code="missing_place",
            )
        age_group = parse_choice(AgeGroup, one("age"), "age", "adult or child")
        level = parse_choice(Level, one("level"), "level", "blended or administrative")
        years = None
        if one("years"):
            try:
                years = int(one("years"))
            except ValueError:
                raise BadInput("Age in years must be a whole number.", code="bad_age") from None
            if not 0 <= years <= 120:
                raise BadInput("Age in years must be between 0 and 120.", code="bad_age")
        getlist = getattr(args, "getlist", None)
        raw_needs = getlist("need") if getlist else args.get("need") or []
        if isinstance(raw_needs, str):
            raw_needs = [raw_needs]
        needs = []
        for code in (piece.strip() for value in raw_needs for piece in str(value).split(",")):
            if not code:
                continue
            if code not in directory.needs_by_code:
                known = ", ".join(sorted(directory.needs_by_code))
                raise BadInput(
                    f'Unknown need "{code[:40]}". Known needs: {known}.', code="bad_need"
                )
            needs.append(code)
        limit = int(directory.settings.get("MAX_QUERY_CHARS", 500))
        page = _whole(one("page") or "1", "Page", 1, 1000)
        page_size = _whole(
            one("page_size") or str(directory.settings.get("PAGE_SIZE", 20)),
            "Page size",
            1,
            int(directory.settings.get("MAX_PAGE_SIZE", 100)),
        )
        return cls(
            near[:limit],
            age_group,
            years,
            tuple(dict.fromkeys(needs)),
            level,
            one("q")[:limit],
            page,
            page_size,
        )


def _whole(value: str, what: str, low: int, high: int) -> int:
    from .errors import BadInput

    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise BadInput(f"{what} must be a whole number from {low} to {high}.", code="bad_page")
    return number
