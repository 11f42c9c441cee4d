"""Who serves this place, for these needs, at this level and age (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..catalog import Directory
from ..records import AgeGroup, Level
from .gaps import Gap
from .places import place_parts
from .plans import NEAR_KM, plan_for
from .ranked import NO_POSITIONS, AgencyMatch, Ranked

__all__ = ["NEAR_KM", "Match", "match"]


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
    whole: tuple[str, ...] = ()  # area ids holding all of it (place_parts)

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
    grows with the agencies that serve the place, not with the whole directory; what the
    derived query alone decides is kept in a plan (matching.plans), so a person asking what
    another asked before pays only for the distances to their own point, if any.
    """
    needs = tuple(dict.fromkeys(needs))
    if age_group is None and age is not None:
        age_group = AgeGroup.CHILD if age < 18 else AgeGroup.ADULT
    filters = directory.filters
    if not location.in_area:
        empty = Ranked(filters, NO_POSITIONS, np.zeros(0), np.zeros(0, dtype=bool), needs, level)
        return Match(location, age_group, needs, level, age, empty, empty, ())
    split = place_parts(directory, location)
    plan = plan_for(directory, location, split, age_group, age, needs, level)
    gaps: tuple[Gap, ...] = ()
    if plan.findings:  # the nearest alternatives outside, and the place named, are the person's
        covering = filters.covering(split.whole)
        gaps = tuple(
            finding.gap(directory, location, covering, needs, level) for finding in plan.findings
        )
    return Match(
        location,
        age_group,
        needs,
        level,
        age,
        plan.agencies.rank(directory, location, needs),
        plan.informal.rank(directory, location, needs),
        gaps,
        plan.partial.rank(directory, location, needs),
        split.parts,
        split.whole,
    )
