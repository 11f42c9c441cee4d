"""Who serves this place, for these needs, at this level and age, and what is missing (pure)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from geo.distance import haversine_km

from .area_tree import AreaTree
from .catalog import Directory
from .records import AgeGroup, Agency, Level

NEAR_KM = 15.0  # informal supports with a point this close count as "nearby" even outside their areas
ALTERNATIVES = 3  # how many alternatives a gap names


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
            {"id": alt.id, "name": alt.agency.name, "phone": alt.agency.phone,
             "distance_km": round(alt.distance_km, 2), "covers_place": alt.covers_place}
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
    agencies: tuple[AgencyMatch, ...]
    informal: tuple[AgencyMatch, ...]
    gaps: tuple[Gap, ...]

    @property
    def is_in_area(self) -> bool:
        return bool(getattr(self.location, "in_area", False))


@lru_cache(maxsize=8)
def area_tree(directory: Directory) -> AreaTree:
    """The directory's area tree, built once per loaded directory."""
    return AreaTree.build(directory.data.areas, directory.agencies)


def distances_km(directory: Directory, lat: float, lon: float, agencies: Sequence[Agency]) -> list[float]:
    """Distance to each agency: to its point when known, else to its nearest service area."""
    result = [math.inf] * len(agencies)
    with_point = [i for i, agency in enumerate(agencies) if agency.has_point]
    if with_point:
        lats = np.array([agencies[i].latitude for i in with_point], dtype=float)
        lons = np.array([agencies[i].longitude for i in with_point], dtype=float)
        for i, km in zip(with_point, haversine_km(lat, lon, lats, lons)):
            result[i] = float(km)
    area_km: dict[str, float] = {}
    for i, agency in enumerate(agencies):
        if agency.has_point:
            continue
        for area_id in agency.area_ids:
            if area_id not in area_km:
                area_km[area_id] = directory.atlas.distance_to_area_km(lat, lon, area_id)
            result[i] = min(result[i], area_km[area_id])
    return result


def match(
    directory: Directory,
    location,
    age_group: AgeGroup | None = None,
    needs: Iterable[str] = (),
    level: Level | None = None,
    age: int | None = None,
) -> Match:
    """Formal agencies serving the person's place and age group, ranked by needs met, then
    level fit, then distance; informal supports nearby; and the gaps, each with alternatives.
    """
    needs = tuple(dict.fromkeys(needs))
    if age_group is None and age is not None:
        age_group = AgeGroup.CHILD if age < 18 else AgeGroup.ADULT
    tree = area_tree(directory)
    covering = tree.covering_place(location.areas) if location.in_area else frozenset()
    # Typing a broad place ("Pittsburgh") also shows agencies serving part of it, ranked after.
    specific = location.areas[-1] if location.areas else None
    partial = tree.serving_part(specific) if (specific and location.in_area) else frozenset()

    def fits_person(agency: Agency) -> bool:
        return (age_group is None or age_group in agency.age_groups) and agency.serves_age(age)

    formal = [a for a in directory.formal_agencies if (a.id in covering or a.id in partial) and fits_person(a)]
    formal_km = distances_km(directory, location.lat, location.lon, formal)
    # Among equals, an agency for the person's own small area comes before a region-wide one.
    depth = {area_id: i for i, area_id in enumerate(location.areas)}

    def localness(agency: Agency) -> int:
        return max((depth[a] for a in agency.area_ids if a in depth), default=-1)

    agencies = sorted(
        (_agency_match(a, km, needs, level, a.id in covering) for a, km in zip(formal, formal_km)),
        key=lambda m: (not m.covers_place, -len(m.needs_met), not m.offers_level, m.distance_km,
                       -localness(m.agency), m.agency.name),
    )

    informal_candidates = [a for a in directory.informal_supports if fits_person(a)
                           and (not needs or a.needs & set(needs))]
    informal_km = distances_km(directory, location.lat, location.lon, informal_candidates)
    informal = sorted(
        (
            _agency_match(a, km, needs, None, a.id in covering)
            for a, km in zip(informal_candidates, informal_km)
            if a.id in covering or km <= NEAR_KM
        ),
        key=lambda m: (-len(m.needs_met), not m.covers_place, m.distance_km, m.agency.name),
    )
    gaps = find_gaps(directory, location, tree, covering, age_group, needs, level, age) if location.in_area else ()
    return Match(location, age_group, needs, level, age, tuple(agencies), tuple(informal), tuple(gaps))


def _agency_match(agency: Agency, km: float, needs: Sequence[str], level: Level | None,
                  covers: bool) -> AgencyMatch:
    return AgencyMatch(
        agency=agency,
        needs_met=tuple(n for n in needs if n in agency.needs),
        offers_level=level is None or level in agency.levels,
        distance_km=0.0 if covers and not agency.has_point else km,
        covers_place=covers,
    )


def find_gaps(
    directory: Directory,
    location,
    tree: AreaTree,
    covering: frozenset[str],
    age_group: AgeGroup | None,
    needs: Sequence[str],
    level: Level | None,
    age: int | None,
) -> list[Gap]:
    """For each requested need, and each level x age group the person could need: is it
    provided by an agency covering the place? If not, name the nearest alternatives.
    """
    place = location.label or directory.area_name(location.areas[-1])
    region_wide = tree.direct.get(tree.root_id, frozenset()) if tree.root_id else frozenset()
    groups = [age_group] if age_group else list(AgeGroup)
    levels = [level] if level else list(Level)
    formal = [a for a in directory.formal_agencies if a.serves_age(age)]
    gaps: list[Gap] = []

    def alternatives(providers: list[Agency]) -> tuple[AgencyMatch, ...]:
        outside = [a for a in providers if a.id not in covering]
        kms = distances_km(directory, location.lat, location.lon, outside)
        ranked = sorted(zip(outside, kms), key=lambda pair: (pair[1], pair[0].name))
        return tuple(_agency_match(a, km, needs, level, False) for a, km in ranked[:ALTERNATIVES])

    def covered_alternatives(providers: list[Agency]) -> tuple[AgencyMatch, ...]:
        return tuple(_agency_match(a, 0.0, needs, level, True)
                     for a in sorted(providers, key=lambda a: a.name)[:ALTERNATIVES])

    for need in needs:
        label = directory.needs_by_code[need].label if need in directory.needs_by_code else need
        providers = [a for a in formal if need in a.needs and any(g in a.age_groups for g in groups)]
        local = [a for a in providers if a.id in covering]
        if not local:
            informal = [a for a in directory.informal_supports if need in a.needs and a.id in covering]
            alts = alternatives(providers) + covered_alternatives(informal)
            message = f"No service coordination agency serving {place} lists help with {label.lower()}"
            message += _for_groups(groups) + "."
            message += " " + _alternatives_sentence(alts) if alts else " We know of no alternative."
            gaps.append(Gap("gap", message, alts, need=need))

    for lvl in levels:
        for group in groups:
            providers = [a for a in formal if lvl in a.levels and group in a.age_groups]
            local = [a for a in providers if a.id in covering]
            what = f"{lvl.label} coordination for {group.label.lower()}"
            if not local:
                alts = alternatives(providers)
                message = f"No agency serving {place} offers {what}."
                message += " " + _alternatives_sentence(alts) if alts else " No agency in the directory offers it."
                gaps.append(Gap("gap", message, alts, level=lvl, age_group=group))
            elif all(a.id in region_wide for a in local) and location.areas[-1] != tree.root_id:
                area_name = directory.area_name(location.areas[-1])
                alts = covered_alternatives(local)
                names = ", ".join(alt.agency.name for alt in alts)
                message = (f"No agency based in {area_name} offers {what}; these "
                           f"{directory.region_name}-wide agencies do: {names}.")
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
        age_group = _enum_arg(AgeGroup, one("age"), "age", "adult or child")
        level = _enum_arg(Level, one("level"), "level", "blended or administrative")
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
                raise BadInput(f'Unknown need "{code[:40]}". Known needs: {known}.', code="bad_need")
            needs.append(code)
        limit = int(directory.settings.get("MAX_QUERY_CHARS", 500))
        return cls(near[:limit], age_group, years, tuple(dict.fromkeys(needs)), level, one("q")[:limit])


def _enum_arg(enum_type, value: str, name: str, expected: str):
    from .errors import BadInput

    if not value:
        return None
    try:
        return enum_type(value.lower())
    except ValueError:
        raise BadInput(f'Unknown {name} "{value[:40]}"; use {expected}.', code=f"bad_{name}") from None
