"""The find-help answer: locate, read needs from the person's words, match, and group for display.

The page (/) and the API (/api/v1/match) both call `find_help`, so they cannot disagree.
This module only composes domain calls (geo locate, words, matching, screening, search)
and sorts their answers into the groups the page shows; it decides nothing about who serves
whom. Pure: no Flask.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .catalog import Directory
from .matching import AgencyMatch, Match, MatchQuery, match
from .screening import LevelSuggestion, suggest_level


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
    partial: Sequence[AgencyMatch] = ()  # serve only part of the place typed
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

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
    def needs(self) -> tuple[str, ...]:
        """Needs ticked and needs read from the words, each once."""
        return self.match.needs if self.match else self.query.needs


def find_help(
    directory: Directory, query: MatchQuery, answers: Iterable[str] = (), search_words: Any = None
) -> FindHelp:
    """Locate the person (PlaceNotFound for nonsense), match, and sort the answer for display.

    `search_words(directory, text, location)` returns free-text search Results: the needs
    named in the words (through needs.csv's synonyms, after spelling correction) join the
    ticked needs, and `did_you_mean` is offered. It is passed in so this module stays free
    of the web layer; without it (or a search index) the words are only shown back.
    """
    location = directory.atlas.locate(query.near)
    answers = frozenset(answers)
    suggestion = suggest_level(answers) if answers else None
    words = search_words(directory, query.q, location) if (search_words and query.q) else None
    named = tuple(getattr(words, "needs_named", ())) if words is not None else ()
    from_words = tuple(code for code in named if code not in query.needs)
    did_you_mean = getattr(words, "did_you_mean", None) if words is not None else None
    if not location.in_area:
        return FindHelp(query, location, from_words, None, suggestion, words, did_you_mean)
    result = match(
        directory, location, query.age_group, query.needs + from_words, query.level, query.years
    )
    # Sorted into the page's groups with masks, so only what a page shows becomes objects.
    ranked = result.agencies
    filters = directory.filters
    offers = (filters.mask("level", [result.level.value]) if result.level else filters.everyone())[
        ranked.positions
    ]
    meets = (filters.mask("need", result.needs) if result.needs else filters.everyone())[
        ranked.positions
    ]
    fits = ranked.covers & offers & meets
    return FindHelp(
        query,
        location,
        from_words,
        result,
        suggestion,
        words,
        did_you_mean,
        ranked.where(fits),
        ranked.where(ranked.covers & ~fits),
        ranked.where(~ranked.covers),
        facet_counts(directory, result),
    )


def facet_counts(directory: Directory, result: Match) -> dict[str, dict[str, int]]:
    """How many of the agencies covering the place offer each level, age group and need."""
    filters = directory.filters
    covering = result.agencies.where(result.agencies.covers).mask()
    needs = filters.counts("need", covering)
    return {
        "level": filters.counts("level", covering),
        "age_group": filters.counts("age_group", covering),
        "need": dict(
            sorted(
                ((code, n) for code, n in needs.items() if n), key=lambda pair: (-pair[1], pair[0])
            )
        ),
    }
