"""The search engine: words a person typed plus precise filters -> ranked, faceted pages.

The text engine (directory.index) only says which agencies contain which words. Everything
else happens here, the same for every backend: cleaning the words (never query syntax),
recognising needs through data/needs.csv's synonyms, correcting typos, filtering by the
precomputed sets of directory.facets, counting facets, ranking and paging. It sits below the
loaded directory (which holds one engine per data version); `directory.search.search` is the
thin call above it that locates a typed place first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from . import params
from .config import Settings
from .facets import FACETS, FilterSets
from .index import (
    FIELD_BOOSTS,
    SearchIndex,
    backend_named,
    data_key,
    documents_of,
    index_root,
)
from .records import AgeGroup, Agency, DataSet, Kind, Level
from .words import (
    AUDIENCE_WORDS,
    Phrases,
    Speller,
    all_words,
    clean_text,
    content_words,
    split_words,
)

SORTS = ("relevance", "distance", "name")
# Relevance = (TEXT_WEIGHT x BM25 relative to the best match + NEED_WEIGHT x share of the
# named needs served + AGE_WEIGHT x serves a named age group) x (1 + LOCALITY_WEIGHT x how
# specifically the agency covers the place, 0..1). Serving exactly the person's small area
# beats serving the whole region.
TEXT_WEIGHT = 1.0
NEED_WEIGHT = 1.0
AGE_WEIGHT = 0.5
LOCALITY_WEIGHT = 1.0
# The SEARCH_TEXT_LIMIT setting: text matches taken from the engine per query, best first. A
# word found in more agencies than this (only in very large directories) ranks and counts
# within the best ones, and Results.is_total_exact says so; needs named in the text always
# count in full.
DEFAULT_SETTINGS = Settings()


class Place(Protocol):
    """Where a person is: geo.atlas.Location, or anything with these (read-only) attributes."""

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...

    @property
    def areas(self) -> Sequence[str]: ...


class KnownCodes(Protocol):
    """What SearchQuery.read checks codes against: the loaded directory."""

    settings: Settings
    areas_by_id: Mapping[str, Any]
    needs_by_code: Mapping[str, Any]


AreaDistance = Callable[[float, float, str], float]  # (lat, lon, area id) -> km


@dataclass(frozen=True)
class SearchQuery:
    """What to search for. Filters combine with AND; values within one filter with OR.

    Built by SearchQuery.read from a URL's or a command's arguments (directory.params), or
    directly in code; level, age group and kind values given as text become their enums."""

    q: str = ""  # the person's words
    kinds: tuple[Kind, ...] = ()
    levels: tuple[Level, ...] = ()
    age_groups: tuple[AgeGroup, ...] = ()
    areas: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    near: str = ""  # a place typed by the person (ZIP, town, ...), located by search()
    sort: str = SORTS[0]
    page: int = 1
    page_size: int = 20

    def __post_init__(self) -> None:
        for name, enum in (("kinds", Kind), ("levels", Level), ("age_groups", AgeGroup)):
            object.__setattr__(self, name, tuple(enum(value) for value in getattr(self, name)))

    @property
    def text(self) -> str:
        """The words (`q`), by their older name."""
        return self.q

    @classmethod
    def read(
        cls,
        args: Mapping[str, Any],
        directory: KnownCodes | None = None,
        settings: Settings | None = None,
    ) -> SearchQuery:
        """Read request or command-line arguments; BadInput says what is wrong and what to do.

        Accepts a Flask MultiDict or a plain mapping (a command's options); a filter may
        repeat (need=a&need=b) or list values with commas. Names: q, kind, level, age, area,
        need, near, sort, page, page_size ("age_group" is still read as "age"). With a
        directory, area and need codes are checked too.
        """
        if settings is None:
            settings = directory.settings if directory is not None else Settings()
        max_chars = settings.max_query_chars
        query = cls(
            q=clean_text(params.one(args, "q"), max_chars).strip(),
            kinds=params.enums(args, "kind", Kind),
            levels=params.enums(args, "level", Level),
            age_groups=tuple(
                dict.fromkeys(
                    params.enums(args, "age", AgeGroup) + params.enums(args, "age_group", AgeGroup)
                )
            ),
            areas=params.codes(args, "area"),
            needs=params.codes(args, "need"),
            near=clean_text(params.one(args, "near"), max_chars).strip(),
            sort=params.choice(args, "sort", SORTS, SORTS[0]),
            page=params.whole_number(args, "page", 1, minimum=1, maximum=params.MAX_PAGE),
            page_size=params.whole_number(
                args, "page_size", settings.page_size, minimum=1, maximum=settings.max_page_size
            ),
        )
        if query.sort == "distance" and not query.near:
            raise params.refuse("needs_near", "sort", "distance")
        if directory is not None:
            query.check_codes(directory.areas_by_id, directory.needs_by_code)
        return query

    from_args = read  # the older name

    def check_codes(self, area_ids: Mapping[str, Any], need_codes: Mapping[str, Any]) -> None:
        """BadInput for an area or need code this directory does not have."""
        params.known_codes("area", self.areas, area_ids)
        params.known_codes("need", self.needs, need_codes)

    def filters(self) -> dict[str, tuple[str, ...]]:
        """Facet name -> chosen values (only the facets with a choice)."""
        chosen = {
            "kind": tuple(kind.value for kind in self.kinds),
            "level": tuple(level.value for level in self.levels),
            "age_group": tuple(group.value for group in self.age_groups),
            "need": self.needs,
            "area": self.areas,
        }
        return {facet: values for facet, values in chosen.items() if values}

    def to_args(self) -> dict[str, Any]:
        """The query as arguments again (as read), e.g. for the next page's link."""
        args: dict[str, Any] = {
            "q": self.q,
            "kind": [kind.value for kind in self.kinds],
            "level": [level.value for level in self.levels],
            "age": [group.value for group in self.age_groups],
            "area": list(self.areas),
            "need": list(self.needs),
            "near": self.near,
            "sort": self.sort,
            "page": self.page,
            "page_size": self.page_size,
        }
        return {key: value for key, value in args.items() if value not in ("", [], None)}


@dataclass(frozen=True)
class Hit:
    agency: Agency
    score: float
    distance_km: float | None = None  # from the located person, when there is one
    needs_met: tuple[str, ...] = ()  # needs named in the text that this agency serves
    covers_place: bool | None = None  # serves the whole of the person's place or chosen area


@dataclass(frozen=True)
class Results:
    query: SearchQuery
    hits: tuple[Hit, ...]
    total: int
    facets: Mapping[str, Mapping[str, int]]  # facet -> value -> agencies it would show
    did_you_mean: str | None = None  # the text with typos corrected, when any were
    needs_named: tuple[str, ...] = ()  # need codes recognised in the text
    location: Any = None  # the located person (geo.atlas.Location), if any
    is_total_exact: bool = True  # False when a very common word hit the text limit

    @property
    def page(self) -> int:
        return self.query.page

    @property
    def page_size(self) -> int:
        return self.query.page_size

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


@dataclass(frozen=True)
class SearchEngine:
    """Everything search needs for one loaded directory, built once per load."""

    filters: FilterSets
    index: SearchIndex
    need_phrases: Phrases
    age_phrases: Phrases
    speller: Speller
    max_query_chars: int = DEFAULT_SETTINGS.max_query_chars
    text_limit: int = DEFAULT_SETTINGS.search_text_limit

    @classmethod
    def build(
        cls,
        data: DataSet,
        given: Settings | Mapping[str, Any] | None = None,
        filters: FilterSets | None = None,
    ) -> SearchEngine:
        """Open (or build, then open) the text index for this data, per SEARCH_BACKEND and
        INDEX_DIR (":memory:" keeps it in this process)."""
        settings = Settings.of(given)
        agencies = data.agencies
        filters = filters or FilterSets.build(agencies, data.areas, [n.code for n in data.needs])
        backend = backend_named(settings.search_backend)
        documents = documents_of(data)
        index = SearchIndex(backend, index_root(settings), data_key(data, backend.name), documents)
        vocabulary = [document.text(field) for document in documents() for field in FIELD_BOOSTS]
        vocabulary += [text for need in data.needs for text in (need.label, *need.synonyms)]
        vocabulary += list(AUDIENCE_WORDS.values())
        speller = Speller(word for text in vocabulary for word in all_words(text))
        return cls(
            filters=filters,
            index=index,
            need_phrases=Phrases.for_needs(data.needs),
            age_phrases=Phrases.for_age_groups(),
            speller=speller,
            max_query_chars=settings.max_query_chars,
            text_limit=settings.search_text_limit,
        )

    def search(
        self,
        query: SearchQuery,
        location: Place | None = None,
        area_distance_km: AreaDistance | None = None,
        *,
        with_facets: bool = True,
    ) -> Results:
        """Rank, filter, count and page. Never raises for what a person typed."""
        filters = self.filters
        size = len(filters)
        words = split_words(clean_text(query.q, self.max_query_chars))
        corrected = [self._spelling(word) or word for word in words]
        did_you_mean = " ".join(corrected) if corrected != words else None
        needs_named = self.need_phrases.find(corrected)
        ages_named = self.age_phrases.find(corrected)
        corrections = [c for c, w in zip(corrected, words, strict=True) if c != w]
        search_words = content_words(words + corrections)

        # Matches: agencies containing any content word (BM25 from the text engine), or
        # serving a need the words name; age words only rank, unless they are all there is.
        text: np.ndarray | None = None  # relative BM25 by position, when any text matched
        serving: list[np.ndarray] = []  # per need named, who serves it
        ages: np.ndarray | None = None  # serving an age group named
        is_total_exact = True
        if search_words:
            positions, text_scores, text_total = self.index.match(search_words, self.text_limit)
            is_total_exact = text_total == positions.size
            matched = np.zeros(size, dtype=bool)
            matched[positions] = True
            if positions.size:
                text = np.zeros(size, dtype=np.float64)
                text[positions] = TEXT_WEIGHT * text_scores / max(float(text_scores.max()), 1e-9)
            if needs_named:
                serving = [filters.mask("need", [code]) for code in needs_named]
                matched |= np.logical_or.reduce(serving)
            if ages_named:
                ages = filters.mask("age_group", ages_named)
                if not matched.any():
                    matched = ages.copy()
        else:
            matched = filters.everyone()

        # Filters: precomputed sets; facet counts leave out their own facet's choice, so
        # a person can see what choosing another level or area would give.
        chosen = query.filters()
        masks = {facet: filters.mask(facet, values) for facet, values in chosen.items()}
        selected = matched.copy()
        for mask in masks.values():
            selected &= mask
        facets: dict[str, dict[str, int]] = {}
        if with_facets:
            for facet in FACETS:
                base = matched.copy()
                for other, mask in masks.items():
                    if other != facet:
                        base &= mask
                facets[facet] = filters.counts(facet, base)

        # Ranking: text score, lifted by named needs served and by local coverage.
        place_areas = tuple(location.areas) if location is not None else query.areas
        locality = filters.locality(place_areas) if place_areas else None
        found = np.flatnonzero(selected)
        score = _relevance(found, text, serving, ages, locality) if search_words else None
        distances = None
        if location is not None and query.sort == "distance":
            distances = self.filters.distances_km(
                found, location.lat, location.lon, area_distance_km, locality
            )
        start = (query.page - 1) * query.page_size
        order = self._order(
            query,
            found,
            score,
            locality,
            distances,
            needed=start + query.page_size,
        )

        page = order[start : start + query.page_size]
        if location is not None and distances is None:
            distances = self.filters.distances_km(
                page, location.lat, location.lon, area_distance_km, locality
            )
            lookup = dict(zip(page.tolist(), distances.tolist(), strict=True))
        elif distances is not None:
            lookup = dict(zip(found.tolist(), distances.tolist(), strict=True))
        else:
            lookup = {}
        scores = (
            score[np.searchsorted(found, page)].tolist() if score is not None else [0.0] * page.size
        )
        hits = tuple(
            Hit(
                agency=filters.agencies[n],
                score=page_score,
                distance_km=_finite(lookup.get(n)),
                needs_met=tuple(c for c in needs_named if c in filters.agencies[n].needs),
                covers_place=bool(locality[n]) if locality is not None else None,
            )
            for n, page_score in zip(page.tolist(), scores, strict=True)
        )
        return Results(
            query=query,
            hits=hits,
            total=int(found.size),
            facets=facets,
            did_you_mean=did_you_mean,
            needs_named=needs_named,
            location=location,
            is_total_exact=is_total_exact,
        )

    def _spelling(self, word: str) -> str | None:
        return None if self.speller.knows(word) else self.speller.correct(word)

    def _order(
        self,
        query: SearchQuery,
        found: np.ndarray,
        score: np.ndarray | None,
        locality: np.ndarray | None,
        distances: np.ndarray | None,
        needed: int,
    ) -> np.ndarray:
        """Positions in display order, at least the first `needed` of them; ties always fall
        back to the name, so pages are stable."""
        keys: list[np.ndarray] = [self.filters.name_rank[found]]
        if query.sort != "name":
            if locality is not None:  # the most local first when nothing else decides
                keys.append(-locality[found].astype(np.float64))
            if score is not None:  # one per agency in `found`
                keys.append(-score)
            if query.sort == "distance" and distances is not None:
                keys.append(distances)
        if 0 < needed < found.size // 4:
            # Only the first pages are shown: sort just what can reach them (ties included).
            primary = keys[-1]
            cutoff = np.partition(primary, needed - 1)[needed - 1]
            keep = primary <= cutoff
            found, keys = found[keep], [key[keep] for key in keys]
        return found[np.lexsort(keys)]


def _relevance(
    found: np.ndarray,
    text: np.ndarray | None,
    serving: Sequence[np.ndarray],
    ages: np.ndarray | None,
    locality: np.ndarray | None,
) -> np.ndarray:
    """Relevance of the agencies at `found` only (the rest are never shown), summed in the
    same order as over the whole directory, so every score is the same to the last bit."""
    score = text[found] if text is not None else np.zeros(found.size, dtype=np.float64)
    if serving:
        score += (
            NEED_WEIGHT
            * np.add.reduce([m[found].astype(np.float64) for m in serving])
            / len(serving)
        )
    if ages is not None:
        score += AGE_WEIGHT * ages[found]
    if locality is not None:
        deepest = max(int(locality.max(initial=0)), 1)  # over the whole directory, as before
        score *= 1.0 + LOCALITY_WEIGHT * locality[found] / deepest
    return score


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)
