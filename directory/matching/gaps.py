"""What a person may need that no agency serving their place provides, with alternatives (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geo.distance import haversine_km

from ..catalog import Directory
from ..records import AgeGroup, Agency, Kind, Level
from .ranked import NO_POSITIONS, AgencyMatch, agency_match

ALTERNATIVES = 3  # how many alternatives a gap names


@dataclass(frozen=True, slots=True)
class Gap:
    """Something the person may need that no agency covering their place provides."""

    kind: str  # "gap": nobody covering the place; "region-wide only": only region-wide agencies
    message: str
    alternatives: tuple[AgencyMatch, ...]
    need: str | None = None
    level: Level | None = None
    age_group: AgeGroup | None = None
    finding: str = ""  # the message's first sentence: what is missing, without alternatives

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


@dataclass(frozen=True, slots=True)
class Finding:
    """A gap as the derived query alone finds it (what is missing, the alternatives serving the
    place), kept with a plan: the nearest alternatives outside and the words naming the
    person's place are added per request (`gap`), so a finding holds neither."""

    sort: str  # "need", "unassigned" (no agency of the place's own area), "level", "done"
    need: str | None = None
    level: Level | None = None
    age_group: AgeGroup | None = None
    groups: tuple[AgeGroup, ...] = ()  # the age groups asked about
    covered: tuple[AgencyMatch, ...] = ()  # alternatives serving the place
    words: str = ""  # the need's label, or the names of the region-wide agencies
    done: Gap | None = None  # complete already: it names no place of the person's

    def gap(
        self,
        directory: Directory,
        location,
        covering: np.ndarray,
        needs: Sequence[str],
        level: Level | None,
    ) -> Gap:
        """The gap for this person: their place's name, and the nearest alternatives outside."""
        if self.done is not None:
            return self.done
        place = location.label or directory.area_name(location.areas[-1])
        if self.sort == "unassigned":
            message = (
                f"No service coordination agency is assigned to {place}; these "
                f"{directory.region_name}-wide agencies serve you: {self.words}."
            )
            return Gap("region-wide only", message, self.covered, age_group=self.age_group)
        filters = directory.filters
        formal = filters.mask("kind", [Kind.FORMAL.value])
        if self.sort == "need":
            in_groups = filters.mask("age_group", [g.value for g in self.groups])
            providers = formal & in_groups & filters.mask("need", [self.need or ""])
        else:
            providers = (
                formal
                & filters.mask("level", [self.level.value if self.level else ""])
                & filters.mask("age_group", [self.age_group.value if self.age_group else ""])
            )
        nearest = tuple(
            agency_match(a, km, needs, level, False)
            for a, km in nearest_outside(directory, location, providers, covering)
        )
        if self.sort == "need":
            alts = nearest + self.covered
            finding = (
                f"No service coordination agency serving {place} lists help with "
                f"{self.words.lower()}{_for_groups(self.groups)}."
            )
            message = (
                finding
                + " "
                + (_alternatives_sentence(alts) if alts else "We know of no alternative.")
            )
            return Gap("gap", message, alts, need=self.need, finding=finding)
        what = _what(self.level, self.age_group)
        message = f"No agency serving {place} offers {what}."
        message += (
            " " + _alternatives_sentence(nearest)
            if nearest
            else " No agency in the directory offers it."
        )
        return Gap("gap", message, nearest, level=self.level, age_group=self.age_group)


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
    return [
        finding.gap(directory, location, covering, needs, level)
        for finding in gap_findings(
            directory, location.areas, covering, age_group, needs, level, age
        )
    ]


def gap_findings(
    directory: Directory,
    areas: tuple[str, ...],
    covering: np.ndarray,
    age_group: AgeGroup | None,
    needs: Sequence[str],
    level: Level | None,
    age: int | None,
) -> tuple[Finding, ...]:
    """find_gaps' decisions, from the place's areas and the derived query alone (no point,
    no place name), so a plan can keep them."""
    filters = directory.filters
    root_id = directory.atlas.root_id
    region_wide = np.zeros(len(filters), dtype=bool)
    if root_id:
        region_wide[filters.listed_in.get(root_id, NO_POSITIONS)] = True
    groups = [age_group] if age_group else list(AgeGroup)
    levels = [level] if level else list(Level)
    formal = filters.mask("kind", [Kind.FORMAL.value])
    findings: list[Finding] = []

    fits_age = filters.serving_age(age)

    def local_ones(providers: np.ndarray) -> np.ndarray:
        return providers & covering & fits_age

    def covered_alternatives(mask: np.ndarray) -> tuple[AgencyMatch, ...]:
        positions = np.flatnonzero(mask)
        first = positions[np.argsort(filters.name_rank[positions], kind="stable")[:ALTERNATIVES]]
        return tuple(
            agency_match(filters.agencies[p], 0.0, needs, level, True) for p in first.tolist()
        )

    in_groups = filters.mask("age_group", [g.value for g in groups])
    for need in needs:
        label = directory.needs_by_code[need].label if need in directory.needs_by_code else need
        offering = filters.mask("need", [need])
        providers = formal & in_groups & offering
        if not local_ones(providers).any():
            covered = covered_alternatives(~formal & in_groups & covering & offering)
            findings.append(
                Finding("need", need=need, groups=tuple(groups), covered=covered, words=label)
            )

    # No agency of the place's own area at all: say so once, in the brochure's words, rather
    # than once per level and age group.
    unassigned = bool(root_id) and not (formal & covering & ~region_wide).any()
    if unassigned and areas[-1:] != (root_id,):
        serving = formal & covering & fits_age & in_groups
        alts = covered_alternatives(serving)
        positions = np.flatnonzero(serving)
        ordered = positions[np.argsort(filters.name_rank[positions], kind="stable")]
        names = ", ".join(filters.agencies[p].name for p in ordered.tolist())
        if names:
            findings.append(Finding("unassigned", age_group=age_group, covered=alts, words=names))
    for lvl in levels:
        for group in groups:
            providers = (
                formal
                & filters.mask("level", [lvl.value])
                & filters.mask("age_group", [group.value])
            )
            local = local_ones(providers)
            if not local.any():
                findings.append(Finding("level", level=lvl, age_group=group))
            elif not unassigned and areas[-1] != root_id and not (local & ~region_wide).any():
                area_name = directory.area_name(areas[-1])
                alts = covered_alternatives(local)
                names = ", ".join(alt.agency.name for alt in alts)
                message = (
                    f"No agency based in {area_name} offers {_what(lvl, group)}; these "
                    f"{directory.region_name}-wide agencies do: {names}."
                )
                done = Gap("region-wide only", message, alts, level=lvl, age_group=group)
                findings.append(Finding("done", done=done))
    return tuple(findings)


def _what(level: Level | None, group: AgeGroup | None) -> str:
    return f"{level.label if level else ''} coordination for {group.label.lower() if group else ''}"


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
