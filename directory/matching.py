"""Who serves this place, for these needs, at this level and age, and what is missing (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from geo.distance import haversine_km
from geo.places import normalise_name
from geo.zips import normalise_zip, zips_in_text

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
class PlaceParts:
    """Which service areas hold the whole of a person's place, and which only part of it."""

    whole: tuple[str, ...]  # broadest first: agencies serving one of these serve the person
    parts: tuple[str, ...] = ()  # only for imprecise places (a ZIP or town straddling areas)


# Precisions that name one neighbourhood, municipality or point: never "part of" anything else.
PRECISE = frozenset({"point", "address", "neighbourhood"})


def place_parts(directory: Directory, location) -> PlaceParts:
    """Split the location's areas into those holding all of it and those holding only part.

    A ZIP code an area lists as straddling is only partly inside it ("15201" is partly
    Lawrenceville), unless the area is the ZIP's own postal town ("15120" is Homestead's). A named town or city whose ZIP codes make up smaller areas ("Pittsburgh"
    holds Oakland) is partly inside each. A neighbourhood, a municipality inside one area, a
    point or an address is wholly where it is: it never gets parts.
    """
    areas = tuple(location.areas)
    if not areas or location.precision in PRECISE:
        return PlaceParts(areas)
    atlas = directory.atlas
    if location.precision == "zip":
        code = normalise_zip(location.query) or (zips_in_text(location.query) or [""])[-1]
        town = normalise_name(getattr(atlas.geometry.zip_points.get(code), "city", "") or "")
        # A brochure town area ("Homestead") is the town its post office names: the ZIP whose
        # postal town it is ("15120 Homestead") counts as wholly inside it.
        straddling = [
            a
            for a in areas
            if code in atlas.areas[a].straddling_zips
            and normalise_name(atlas.areas[a].name) != town
        ]
        if not straddling:
            return PlaceParts(areas)
        links = directory.filters.links
        whole = [a for a in areas if a not in straddling]
        held = {up for a in whole for up in links.ancestors(a)}  # a whole child: its parents too
        whole = [a for a in areas if a in held or a in whole]
        return PlaceParts(tuple(whole), tuple(a for a in areas if a not in held))
    place = _places_by_label(directory).get(location.label)
    if place is None or place.kind == "neighbourhood":
        return PlaceParts(areas)
    zips = set(place.zips)
    below = _areas_below(directory).get(areas[-1], ())
    parts = tuple(
        a for a in below if zips & (set(atlas.areas[a].zips) - set(atlas.areas[a].straddling_zips))
    )
    return PlaceParts(areas, parts)


def _places_by_label(directory: Directory) -> dict:
    return directory.memo(
        ("places-by-label",), lambda: {p.label: p for p in directory.atlas.places}
    )


def _areas_below(directory: Directory) -> dict[str, tuple[str, ...]]:
    def make() -> dict[str, tuple[str, ...]]:
        links = directory.filters.links
        order = {a: n for n, a in enumerate(links.order)}
        return {
            area: tuple(sorted(below, key=order.__getitem__))
            for area, below in links.descendants().items()
        }

    return directory.memo(("areas-below",), make)


def parts_served(directory: Directory, agency: Agency, parts: Sequence[str]) -> tuple[str, ...]:
    """Which of the place's parts this agency serves (it lists the part or an area above it)."""
    links = directory.filters.links
    listed = set(agency.area_ids)
    return tuple(p for p in parts if listed.intersection(links.ancestors(p)))


@dataclass(frozen=True, slots=True)
class Match:
    location: object  # geo Location
    age_group: AgeGroup | None
    needs: tuple[str, ...]
    level: Level | None
    age: int | None
    agencies: Sequence[AgencyMatch]  # Ranked: read a page at a time; all serve the place
    informal: Sequence[AgencyMatch]
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

    # No agency of the place's own area at all: say so once, in the brochure's words, rather
    # than once per level and age group.
    unassigned = bool(root_id) and not (formal & covering & ~region_wide).any()
    if unassigned and location.areas[-1:] != (root_id,):
        serving = formal & covering & fits_age & in_groups
        alts = covered_alternatives(serving)
        positions = np.flatnonzero(serving)
        ordered = positions[np.argsort(filters.name_rank[positions], kind="stable")]
        names = ", ".join(filters.agencies[p].name for p in ordered.tolist())
        if names:
            message = (
                f"No service coordination agency is assigned to {place}; these "
                f"{directory.region_name}-wide agencies serve you: {names}."
            )
            gaps.append(Gap("region-wide only", message, alts, age_group=age_group))
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
            elif (
                not unassigned
                and location.areas[-1] != root_id
                and not (local & ~region_wide).any()
            ):
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

    near: str  # "" when only words or needs were given: the answer is for the whole region
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
        getlist = getattr(args, "getlist", None)
        raw_needs = getlist("need") if getlist else args.get("need") or []
        if isinstance(raw_needs, str):
            raw_needs = [raw_needs]
        # Words without a place answer for the whole region (and ask for one); ticked needs
        # alone, or nothing at all, need a place.
        if not near and not one("q"):
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
