"""Who serves this place, for these needs, at this level and age, and what is missing (pure).

- `query`: MatchQuery, what a family asked for, read through directory.params.
- `places`: which service areas hold all of a place and which only part of it.
- `ranked`: one matched agency, and ranked agencies held as arrays until read.
- `serving`: `match`, the agencies and supports serving a place, ranked, with the gaps.
- `plans`: what the derived query alone decides of a match, kept per data version.
- `gaps`: what no agency serving the place provides, with the nearest alternatives.
"""

from __future__ import annotations

from .gaps import ALTERNATIVES, Gap, find_gaps, nearest_outside
from .places import PRECISE, PlaceParts, parts_served, place_parts
from .query import MatchQuery, screener_answers
from .ranked import AgencyMatch, Ranked
from .serving import NEAR_KM, Match, match

__all__ = [
    "ALTERNATIVES",
    "NEAR_KM",
    "PRECISE",
    "AgencyMatch",
    "Gap",
    "Match",
    "MatchQuery",
    "PlaceParts",
    "Ranked",
    "find_gaps",
    "match",
    "nearest_outside",
    "parts_served",
    "place_parts",
    "screener_answers",
]
