"""The need vocabulary an import maps onto: its words, and its crosswalk's problems as import
problems."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ...loading import load_data
from ...records import Need
from ..crosswalk import CROSSWALK_FILE, Crosswalk
from .report import ImportProblem

CROSSWALK_PROBLEM = re.compile(
    r"^(?P<file>.+?)(?: line (?P<line>\d+))?: (?P<reason>.+); (?P<action>[^;]+)$"
)


def crosswalk_problems(crosswalk: Crosswalk) -> list[ImportProblem]:
    """The crosswalk file's problems as import problems (file, line, reason, what was done)."""
    out = []
    for text in crosswalk.problems:
        match = CROSSWALK_PROBLEM.match(text)
        reason, action = (match["reason"], match["action"]) if match else (text, "not used")
        reason = "crosswalk row: " + re.sub(r"'([^']*)'", r'"\1"', reason)  # totals: "…"
        out.append(
            ImportProblem(
                file=str(crosswalk.path or CROSSWALK_FILE),
                record=f"line {match['line']}" if match and match["line"] else "",
                field=None,
                value="",
                reason=reason,
                action=action,
            )
        )
    return out


def vocabulary_needs(folder: Path) -> list[Need]:
    """The need vocabulary of a data folder (the bundled one by default)."""
    return list(load_data(folder).needs)


def words_of(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def need_words(needs: Iterable[Need]) -> dict[str, str]:
    """Normalised label, code and synonyms -> need code, to match other taxonomies' terms."""
    words: dict[str, str] = {}
    for need in needs:
        for text in (need.code, need.label, *need.synonyms):
            words.setdefault(words_of(text), need.code)
    return words
