"""Where the directory's data comes from, said the same way on every page, print and download.

`data_line(directory)` is the one short line for results, the referral list, its print view,
coverage and both CSVs: the main source of the service coordination agencies, its date, and
which of their columns are our reconstruction. It is read from the data (sources,
`verified_on`, `reconstructed`), so another region's folder says its own words. Pure: no Flask.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .catalog import Directory

# How the `reconstructed` column's names read in a sentence.
COLUMN_WORDS = {
    "levels": "levels",
    "age_groups": "age groups",
    "needs": "needs",
    "latitude": "map points",
    "longitude": "map points",
}


@dataclass(frozen=True, slots=True)
class Provenance:
    """The facts behind the honest line and the About page."""

    source: str  # the most common source of the service coordination agencies
    source_count: int  # how many agencies it is the source of
    agencies: int
    verified_month: str  # "September 2011", or "" when never verified
    reconstructed: tuple[str, ...]  # "levels", "age groups", ... as words, in column order
    reconstructed_count: int  # agencies with any reconstructed column
    support_sources: tuple[tuple[str, int], ...] = ()  # community supports: (source, how many)

    @property
    def line(self) -> str:
        return _line(self)


def provenance(directory: Directory) -> Provenance:
    """The provenance facts of this data version (made once per version)."""
    return directory.memo(("provenance",), lambda: _provenance(directory))


def data_line(directory: Directory) -> str:
    """One short line: source, date, what is reconstructed, call to confirm."""
    return provenance(directory).line


def _provenance(directory: Directory) -> Provenance:
    formal = directory.formal_agencies or directory.agencies
    sources = Counter(agency.source for agency in formal if agency.source)
    source, count = sources.most_common(1)[0] if sources else ("", 0)
    source = re.sub(r"\s*\([^()]*\)$", "", source)  # "(name, phone, ...)": the line says what
    dates = sorted(a.verified_on for a in formal if a.verified_on)
    month = dates[0].strftime("%B %Y") if dates else ""
    words: dict[str, None] = {}
    for agency in formal:
        for column in agency.reconstructed:
            words.setdefault(COLUMN_WORDS.get(column, column.replace("_", " ")), None)
    # Needs of service coordination agencies are the source's own list of what coordinators
    # help with; say what was guessed about the agencies themselves.
    words.pop("needs", None)
    by_source: dict[str, list[str]] = {}  # as Jinja's groupby: by source, any letter case
    for support in sorted(directory.informal_supports, key=lambda a: (a.source or "").lower()):
        by_source.setdefault((support.source or "").lower(), []).append(support.source)
    return Provenance(
        support_sources=tuple((names[0], len(names)) for names in by_source.values()),
        source=source,
        source_count=count,
        agencies=len(formal),
        verified_month=month,
        reconstructed=tuple(words),
        reconstructed_count=sum(1 for a in formal if a.reconstructed),
    )


def _line(facts: Provenance) -> str:
    parts = []
    if facts.source:
        if not facts.verified_month:
            dated = ""
        elif facts.verified_month in facts.source:  # "..., September 2011": say it isn't newer
            dated = "; not checked since"
        else:
            dated = f", last checked {facts.verified_month}"
        parts.append(f"Agencies, phones and service areas: {facts.source}{dated}.")
    if facts.reconstructed:
        what = _and(facts.reconstructed)
        parts.append(
            f"{what[0].upper()}{what[1:]} are our reconstruction, not the source's: "
            "call the agency to confirm."
        )
    else:
        parts.append("Call the agency to confirm before you go.")
    return " ".join(parts)


def _and(words: tuple[str, ...]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
