"""The find-help answer: locate, read needs from the person's words, match, and group for display.

The page (/) and the API (/api/v1/match) both call `find_help`, so they cannot disagree.
This module only composes domain calls (geo locate, words, matching, screening, search)
and sorts their answers into the groups the page shows; it decides nothing about who serves
whom. Pure: no Flask.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from geo.atlas import Location
from geo.places import PlaceNotFound, town_elsewhere

from .catalog import Directory
from .matching import (
    AgencyMatch,
    Match,
    MatchQuery,
    Ranked,
    match,
    parts_served,
)
from .records import AgeGroup, Agency, Kind
from .screening import LevelSuggestion, suggest_level
from .search import search_words
from .urgent import (
    UrgentHelp,
    UrgentLine,
    elsewhere_lines,
    gaps_pointing_to_lines,
    signals_in,
    urgent_help,
    vocabulary,
)
from .words import age_from_words

# Agencies fitting every choice are listed a page (page_size) at a time; the groups after them
# (serving the place but not fitting every choice, serving part of it, community supports)
# this many at a time, so the answer a family asked for is not buried on a phone.
SECONDARY_STEP = 5
# Facet counts kept per data version and process, at most about this many bytes (the oldest
# made is dropped first): one answer, about 5 KB, per place's areas, age group and age.
MAX_KEPT_COUNTS_BYTES = 4_000_000


@dataclass(frozen=True)
class FindHelp:
    """Everything the find-help page and /api/v1/match show for one search."""

    query: MatchQuery
    location: Any  # geo.atlas.Location
    needs_from_words: tuple[str, ...]
    match: Match | None  # None when the place is outside the covered region
    suggestion: LevelSuggestion | None
    words: Any = None  # search Results for the free text, when the search module is present
    did_you_mean: str | None = None
    chosen: Sequence[AgencyMatch] = ()  # cover the place and fit every choice
    others: Sequence[AgencyMatch] = ()  # cover the place, but not the chosen level or needs
    partial: Sequence[AgencyMatch] = ()  # serve only part of an imprecise place (a ZIP, a town)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    parts_named: dict[str, tuple[str, ...]] = field(default_factory=dict)  # partial id -> parts
    urgent: UrgentHelp = field(default_factory=UrgentHelp)  # what to reach first, if anything
    age_group: AgeGroup | None = None  # chosen, or read from the words ("my son")
    age_group_inferred: bool = False  # True when the words, not the form, gave the age group
    notices: tuple[str, ...] = ()  # contradictions and other things the person should know
    elsewhere: tuple[UrgentLine, ...] = ()  # outside the region: 211 and 988, from the data
    whole: tuple[str, ...] = ()  # area ids holding all of the place (place_parts(...).whole)

    # The page's lists of agencies, by name: what section_key and shown answer for.
    LISTS = ("chosen", "others", "partial", "informal")

    def ranked(self, name: str) -> Sequence[AgencyMatch]:
        """The whole list `name` (one of LISTS), best first."""
        if name == "informal":
            return self.match.informal if self.match else ()
        return {"chosen": self.chosen, "others": self.others, "partial": self.partial}[name]

    def shown(self, name: str) -> Sequence[AgencyMatch]:
        """The part of list `name` this page shows."""
        return self.ranked(name)[: self.limit if name == "chosen" else self.secondary_limit]

    def section_key(self, name: str) -> tuple | None:
        """What list `name` on the page depends on, when that is only the data version and
        the derived query (the areas holding the place, age group, age, level, needs, page):
        then its HTML can be made once and reused. None when it depends on more: the exact
        point (distances to agencies with an address of their own, supports with an address
        near the point, the parts of a straddling place, whose distances are to the point).
        The key holds area ids, codes and numbers only: never a person's words, place or point.
        """
        if self.match is None or name not in ("chosen", "others", "informal"):
            return None
        ranked = self.ranked(name)
        if not isinstance(ranked, Ranked):
            return None
        if ranked.has_points:
            return None  # ordered and labelled by the distance to the point
        if name == "informal":
            filters = ranked.filters
            has_point = filters.has_point
            if has_point.any():
                others = ~filters.mask("kind", [Kind.FORMAL.value]) & ~filters.covering(self.whole)
                if (has_point & others).any():
                    return None  # one with an address near the point would join the list
        return (
            name,
            self.whole,
            self.match.parts,
            self.match.age_group.value if self.match.age_group else None,
            self.match.age,
            self.match.level.value if self.match.level else None,
            self.match.needs,
            self.query.page,
            self.query.page_size,
            self.how_to_refer,
        )

    @functools.cached_property  # every card on the page asks
    def how_to_refer(self) -> str | None:
        """The referral steps most agencies shown share: the page says them once, and a card
        repeats only steps of its own."""
        shown = (
            *_agencies(self.chosen, self.limit),
            *_agencies(self.others, self.secondary_limit),
            *_agencies(self.partial, self.secondary_limit),
        )
        steps = Counter(agency.how_to_refer for agency in shown if agency.how_to_refer)
        return steps.most_common(1)[0][0] if steps else None

    @property
    def facet_total(self) -> int:
        """Agencies serving the place: a facet value narrows only when fewer than this have it."""
        return len(self.match.agencies) if self.match else 0

    def narrowing(self) -> dict[str, list[tuple[str, int]]]:
        """The facet values worth offering as links, with their counts: each narrows the
        agencies serving the place (some have it, not all). A level stays offered even when
        every agency has it (choosing one shapes the gap notices); age groups only while none
        was chosen; needs not already chosen."""
        total, facets = self.facet_total, self.facets
        return {
            "level": [(value, n) for value, n in facets.get("level", {}).items() if n > 0],
            "age_group": []
            if self.query.age_group is not None
            else [(value, n) for value, n in facets.get("age_group", {}).items() if 0 < n < total],
            "need": [
                (code, n)
                for code, n in facets.get("need", {}).items()
                if 0 < n < total and code not in self.query.needs
            ],
        }

    @property
    def is_whole_region(self) -> bool:
        """No place was given: the answer is for the whole region."""
        return not self.query.near

    @property
    def is_in_area(self) -> bool:
        return bool(self.location.in_area)

    @property
    def word_hits(self) -> tuple:
        """Search hits for the person's words not already shown as matches (e.g. "library")."""
        if self.words is None:
            return ()
        if self.match is None:
            return tuple(self.words.hits)
        shown = self.match.agencies.mask() | self.match.informal.mask()
        position = self.match.agencies.filters.position
        return tuple(hit for hit in self.words.hits if not shown[position[hit.agency.id]])

    @property
    def limit(self) -> int:
        """How many of each group the page lists: "Show more" asks for the next page too."""
        return self.query.page * self.query.page_size

    @property
    def secondary_step(self) -> int:
        """How many more of each later group "Show more" adds."""
        return min(self.query.page_size, SECONDARY_STEP)

    @property
    def secondary_limit(self) -> int:
        """How many of each later group (others, partial, community supports) the page lists."""
        return self.query.page * self.secondary_step

    @property
    def needs(self) -> tuple[str, ...]:
        """Needs ticked and needs read from the words, each once."""
        return self.match.needs if self.match else self.query.needs


def find_help(directory: Directory, query: MatchQuery) -> FindHelp:
    """Locate the person (PlaceNotFound for nonsense), match, and sort the answer for display.

    The person's words are searched: the needs they name (through needs.csv's synonyms,
    after spelling correction) join the ticked needs, and `did_you_mean` is offered; without
    a search index the words are only shown back.
    No place (only words or needs) answers for the whole region and asks for a place.
    """
    location = locate_or_outside(directory, query.near) if query.near else whole_region(directory)
    answers = query.answers
    suggestion = suggest_level(answers) if answers else None
    words = search_words(directory, query.q, location) if query.q else None
    named = words.needs_named if words is not None else ()
    from_words = tuple(code for code in named if code not in query.needs)
    did_you_mean = words.did_you_mean if words is not None else None
    words_of_danger = vocabulary(directory)
    signals = signals_in(words_of_danger, query.q, query.needs + from_words, answers)
    age_group, years, inferred, notices = _who(query)
    if not location.in_area:
        return FindHelp(
            query,
            location,
            from_words,
            None,
            suggestion,
            words,
            did_you_mean,
            urgent=urgent_help(directory, words_of_danger, signals, None),
            age_group=age_group,
            age_group_inferred=inferred,
            notices=notices,
            elsewhere=elsewhere_lines(directory),
        )
    result = match(directory, location, age_group, query.needs + from_words, query.level, years)
    # Sorted into the page's groups with masks, so only what a page shows becomes objects.
    chosen, others = by_fit(directory, result)
    whole = result.whole
    urgent = urgent_help(directory, words_of_danger, signals, directory.filters.covering(whole))
    if urgent.urgent:  # only lines to reach first change what a gap says
        result = replace(result, gaps=gaps_pointing_to_lines(result.gaps, urgent))
    return FindHelp(
        query,
        location,
        from_words,
        result,
        suggestion,
        words,
        did_you_mean,
        chosen,
        others,
        result.partial,
        facet_counts(directory, result),
        {
            found.id: tuple(
                directory.area_name(part)
                for part in parts_served(directory, found.agency, result.parts)
            )
            for found in result.partial[: query.page * query.page_size]
        },
        urgent=urgent,
        age_group=result.age_group,
        age_group_inferred=inferred,
        notices=notices,
        whole=whole,
    )


def by_fit(directory: Directory, result: Match) -> tuple[Ranked, Ranked]:
    """The agencies serving the place that fit every choice (the level, any of the needs), and
    the others, each in match order. Kept on the list (Ranked.memo): a list of a kept plan is
    split once for everyone asking the same."""
    ranked = result.agencies

    def split() -> tuple[Ranked, Ranked]:
        filters = directory.filters
        level, needs = result.level, result.needs
        offers = (filters.mask("level", [level.value]) if level else filters.everyone())[
            ranked.positions
        ]
        meets = (filters.mask("need", needs) if needs else filters.everyone())[ranked.positions]
        fits = offers & meets
        return ranked.where(fits), ranked.where(~fits)

    return ranked.memo(("fit", result.level, result.needs), split)


def facet_counts(directory: Directory, result: Match) -> dict[str, dict[str, int]]:
    """How many of the agencies covering the place offer each level, age group and need.
    They depend on the place's areas, age group and age alone, so they are kept under those
    (shared by every need and level asked there): read the answer, never change it."""
    key = (result.whole, result.age_group.value if result.age_group else None, result.age)

    def count() -> dict[str, dict[str, int]]:
        filters = directory.filters
        covering = result.agencies.mask()
        needs = filters.counts("need", covering)
        return {
            "level": filters.counts("level", covering),
            "age_group": filters.counts("age_group", covering),
            "need": dict(
                sorted(
                    ((code, n) for code, n in needs.items() if n),
                    key=lambda pair: (-pair[1], pair[0]),
                )
            ),
        }

    return directory.kept("facet-counts", MAX_KEPT_COUNTS_BYTES).get_or_make(
        key, count, lambda counts: 512 + 128 * sum(len(values) for values in counts.values())
    )


def _agencies(found: Sequence[AgencyMatch], limit: int) -> list[Agency]:
    """The first `limit` agencies of a list, without making a match object of each."""
    if isinstance(found, Ranked):
        agencies = found.filters.agencies
        return [agencies[p] for p in found.positions[:limit].tolist()]
    return [item.agency for item in found[:limit]]


def _who(query: MatchQuery) -> tuple[AgeGroup | None, int | None, bool, tuple[str, ...]]:
    """The age group and age to search with, whether the words gave them, and contradictions.

    A chosen age group wins; words ("my son", "age 10") fill it in when none was chosen. An
    age in years that contradicts the chosen group is pointed out, never silently dropped.
    """
    said = age_from_words(query.q) if query.q else None
    age_group, years, inferred = query.age_group, query.years, False
    if years is None and said is not None and said.years is not None:
        years = said.years
    if age_group is None and years is not None:
        age_group = AgeGroup.CHILD if years < 18 else AgeGroup.ADULT
        inferred = query.years is None
    if age_group is None and said is not None and said.age_group is not None:
        age_group, inferred = said.age_group, True
    notices = []
    if query.age_group is not None and years is not None:
        by_age = AgeGroup.CHILD if years < 18 else AgeGroup.ADULT
        if by_age is not query.age_group:
            notices.append(
                f"You chose {query.age_group.label.lower()}, but age {years} is "
                f"{'a child' if by_age is AgeGroup.CHILD else 'an adult'}'s age. These results "
                f"are for {query.age_group.label.lower()}; choose "
                f"{by_age.label.lower()} if the help is for someone aged {years}."
            )
    elif (
        query.age_group is not None
        and said is not None
        and said.age_group not in (None, query.age_group)
    ):
        notices.append(
            f"You chose {query.age_group.label.lower()}, but your words (\u201c{said.reason}\u201d) "
            f"sound like the help is for {said.age_group.label.lower()}. These results are for "
            f"{query.age_group.label.lower()}."
        )
    return age_group, years, inferred, tuple(notices)


def whole_region(directory: Directory) -> Location:
    """The whole region as a place, for words or needs given without one."""
    atlas = directory.atlas
    root = atlas.root_id
    point = atlas.area_point(root) if root else None
    lat, lon = point if point else (0.0, 0.0)
    return Location(
        "",
        directory.region_name,
        lat,
        lon,
        "region",
        (root,) if root else (),
        root is not None,
        (),
        f"Add your ZIP code or town to see the agencies for your part of {directory.region_name}.",
    )


def locate_or_outside(directory: Directory, text: str) -> Location:
    """atlas.locate, which answers a US town elsewhere ("Erie, PA") as outside the region; and
    when it could not place the text at all (an address the online geocoder could not find,
    with no choices or suggestions of our own to offer), the same town lookup the atlas uses
    offline (geo.places.town_elsewhere), so such a town is still answered as outside."""
    atlas = directory.atlas
    try:
        return atlas.locate(text)
    except PlaceNotFound as error:
        if error.choices or error.suggestions:
            raise
        geometry = atlas.geometry
        town = town_elsewhere(text, geometry.gazetteer, geometry.tree.areas_by_zip)
        if town is None:
            raise
        return Location(
            text,
            town.label,
            town.lat or 0.0,
            town.lon or 0.0,
            "place",
            (),
            False,
            (),
            town.message(directory.region_name),
        )
