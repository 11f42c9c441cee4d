"""Search one loaded directory: locate a typed place, then ask its engine.

    results = search(directory, SearchQuery(q="rent help", areas=("oakland",)))

The engine and its query and result types live in directory.search_engine, below the loaded
directory; this module is the call above it.
"""

from __future__ import annotations

from dataclasses import replace

from .catalog import Directory
from .search_engine import Hit, Place, Results, SearchEngine, SearchQuery

__all__ = ["Hit", "Results", "SearchEngine", "SearchQuery", "search", "search_words"]


def search(
    directory: Directory,
    query: SearchQuery,
    location: Place | None = None,
    *,
    with_facets: bool = True,
) -> Results:
    """Search one loaded directory. A typed `near` place is located first (PlaceNotFound, a
    ValueError with suggestions, when it can't be); area and need codes must exist. Facet
    counts are left out when the caller shows none (`with_facets=False`)."""
    query.check_codes(directory.areas_by_id, directory.needs_by_code)
    if location is None and query.near:
        location = directory.atlas.locate(query.near)
    if query.sort == "distance" and location is None:
        query = replace(query, sort="relevance")
    engine = directory.search_engine
    if engine is None:
        raise RuntimeError("this directory was loaded without a search index")
    return engine.search(
        query, location, directory.atlas.distance_to_area_km, with_facets=with_facets
    )


def search_words(directory: Directory, text: str, location: Place | None = None) -> Results | None:
    """Free-text search for a person's own words, among agencies serving their place (None
    when this directory was loaded without a search index). The find-help page shows its
    hits, named needs and spelling, never its facets, so they are not counted."""
    if directory.search_engine is None:
        return None
    areas: tuple[str, ...] = ()
    if location is not None and getattr(location, "in_area", False) and location.areas:
        areas = (location.areas[-1],)
    query = SearchQuery(q=text, areas=areas, page_size=5)
    return search(directory, query, location, with_facets=False)
