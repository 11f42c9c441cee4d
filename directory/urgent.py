"""Urgent help first: words that signal danger, and the lines a person should reach first (pure).

Two files in the data folder, both editable in a spreadsheet:

- `urgent.csv` (`phrase,signal,notes`): words and phrases and what they signal, `crisis`
  (988 and 911 first), `substance-use` (the national helpline and treatment locator when no
  local agency lists that help) or `everyday` (rent, food, bills: 211 first).
- `urgent_lines.csv` (`id,name,phone,how,when,signal,website,source,verified_on`): lines
  that are not agencies of the directory (911, national helplines), each with its source.

988, 211 and any county crisis line come from agencies.csv, with that row's source: a phone
number appears only if it is in the data with its source.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from .records import Agency, Kind
from .words import split_words

WORDS_FILE = "urgent.csv"
LINES_FILE = "urgent_lines.csv"
SIGNALS = ("crisis", "substance-use", "everyday")
# The screener answer and need codes that mean the same as urgent words.
SCREENER_SIGNALS = {"crises": "crisis"}
NEED_SIGNALS = {
    "crisis": "crisis",
    "substance-use": "substance-use",
    "housing": "everyday",
    "food": "everyday",
    "benefits": "everyday",
}
# A crisis block is short: 988, 911, then at most this many local crisis lines of the data.
MAX_LOCAL_CRISIS_LINES = 3
WHAT_COORDINATION_IS_FOR = (
    "Service coordination is for people seeking mental health services who want help "
    "reaching supports. For rent, food or bills alone, 211 is the quickest place to start."
)


@dataclass(frozen=True, slots=True)
class UrgentLine:
    """A line to reach first, with where its number comes from."""

    id: str
    name: str
    phone: str | None
    how: str
    when: str
    signal: str
    website: str | None
    source: str
    verified_on: date | None = None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "phone": self.phone,
            "how": self.how,
            "when": self.when,
            "signal": self.signal,
            "website": self.website,
            "source": self.source,
            "verified_on": self.verified_on.isoformat() if self.verified_on else None,
        }


@dataclass(frozen=True, slots=True)
class UrgentVocabulary:
    """The urgent words (as word tuples) by signal, the extra lines, and rows that were skipped."""

    phrases: Mapping[str, tuple[tuple[str, ...], ...]]
    lines: tuple[UrgentLine, ...]
    problems: tuple[str, ...] = ()


def read_vocabulary(folder: str | Path) -> UrgentVocabulary:
    """Read urgent.csv and urgent_lines.csv; a bad row is reported as FILE:LINE: reason, and skipped."""
    folder = Path(folder)
    problems: list[str] = []
    phrases: dict[str, list[tuple[str, ...]]] = {signal: [] for signal in SIGNALS}
    for line, row in _rows(folder / WORDS_FILE):
        words = tuple(split_words(row.get("phrase") or ""))
        signal = (row.get("signal") or "").strip()
        if not words:
            problems.append(f'{WORDS_FILE}:{line}: column "phrase" is empty; row skipped')
        elif signal not in phrases:
            problems.append(
                f'{WORDS_FILE}:{line}: column "signal": "{signal[:40]}" is not one of '
                f"{', '.join(SIGNALS)}; row skipped"
            )
        else:
            phrases[signal].append(words)
    lines: list[UrgentLine] = []
    for line, row in _rows(folder / LINES_FILE):
        values = {key: (value or "").strip() for key, value in row.items() if key}
        missing = [
            name for name in ("id", "name", "how", "signal", "source") if not values.get(name)
        ]
        if missing:
            problems.append(f'{LINES_FILE}:{line}: column "{missing[0]}" is empty; row skipped')
            continue
        if values["signal"] not in SIGNALS:
            problems.append(f'{LINES_FILE}:{line}: column "signal" is unknown; row skipped')
            continue
        try:
            verified = (
                date.fromisoformat(values["verified_on"]) if values.get("verified_on") else None
            )
        except ValueError:
            problems.append(
                f'{LINES_FILE}:{line}: column "verified_on" is not YYYY-MM-DD; left empty'
            )
            verified = None
        lines.append(
            UrgentLine(
                values["id"],
                values["name"],
                values.get("phone") or None,
                values["how"],
                values.get("when", ""),
                values["signal"],
                values.get("website") or None,
                values["source"],
                verified,
            )
        )
    return UrgentVocabulary(
        {signal: tuple(found) for signal, found in phrases.items()}, tuple(lines), tuple(problems)
    )


def vocabulary(directory) -> UrgentVocabulary:
    """This data version's urgent words and lines, read once per version."""
    return directory.memo(("urgent-vocabulary",), lambda: read_vocabulary(directory.data.folder))


def _rows(path: Path) -> Iterable[tuple[int, dict]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8-sig", newline="") as file:
        yield from enumerate(csv.DictReader(file), start=2)


def signals_in(
    vocabulary: UrgentVocabulary,
    text: str = "",
    needs: Iterable[str] = (),
    answers: Iterable[str] = (),
) -> frozenset[str]:
    """What the person's words, needs and screener answers signal: crisis, substance-use, everyday."""
    found = {SCREENER_SIGNALS[a] for a in answers if a in SCREENER_SIGNALS}
    found |= {NEED_SIGNALS[n] for n in needs if n in NEED_SIGNALS}
    words = split_words(text) if text else []
    if words:
        for signal, phrases in vocabulary.phrases.items():
            if signal not in found and any(_contains(words, p) for p in phrases):
                found.add(signal)
    return frozenset(found)


def _contains(words: Sequence[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(words[i : i + size]) == phrase for i in range(len(words) - size + 1))


@dataclass(frozen=True, slots=True)
class UrgentHelp:
    """What to reach first: urgent lines (crisis, substance use), or 211 for everyday needs."""

    urgent: tuple[UrgentLine, ...] = ()
    first_call: UrgentLine | None = None  # 211 when rent, food or bills alone were asked
    message: str = ""

    def to_json(self) -> dict:
        return {
            "urgent": [line.to_json() for line in self.urgent],
            "first_call": self.first_call.to_json() if self.first_call else None,
        }


def urgent_help(
    directory,
    vocabulary: UrgentVocabulary,
    signals: frozenset[str],
    covering: np.ndarray | None = None,
) -> UrgentHelp:
    """The lines for these signals: for a crisis 988 (call or text) first, then 911, then any
    crisis line of the data serving the place; for substance use with no local agency listing
    it, the national helpline and treatment locator; for everyday needs alone, 211.
    `covering` marks the agencies serving the person's place (None: outside the region)."""
    if not signals:
        return UrgentHelp()
    filters = directory.filters
    extra = {
        signal: [line for line in vocabulary.lines if line.signal == signal] for signal in SIGNALS
    }
    urgent: list[UrgentLine] = []
    if "crisis" in signals:
        lifeline = _national_line(
            directory,
            "988",
            "crisis",
            "Call or text 988",
            "Any time, day or night, if you or someone you love is thinking about suicide or is in crisis.",
        )
        urgent.extend((lifeline,) if lifeline else ())
        urgent.extend(extra["crisis"])
        if covering is not None:
            lines = _crisis_lines(directory)
            for position in lines[covering[lines]][:MAX_LOCAL_CRISIS_LINES].tolist():
                agency = filters.agencies[position]
                urgent.append(
                    _line_of(agency, "crisis", f"Call {agency.phone}", agency.description)
                )
    if "substance-use" in signals:
        served = False
        if covering is not None:
            served = bool(
                (
                    covering
                    & filters.mask("need", ["substance-use"])
                    & filters.mask("kind", [Kind.FORMAL.value])
                ).any()
            )
        if not served:
            urgent.extend(extra["substance-use"])
    if urgent:
        return UrgentHelp(tuple(dict.fromkeys(urgent)))
    if signals == {"everyday"}:
        dial = _agency_with_phone(directory, "211")
        if dial is not None:
            return UrgentHelp(
                (),
                _line_of(dial, "everyday", "Dial 211", dial.description),
                WHAT_COORDINATION_IS_FOR,
            )
    return UrgentHelp()


def _crisis_lines(directory) -> np.ndarray:
    """Positions of the data's own crisis lines, in name order, once per data version: the
    supports listing crisis help with a phone of their own (not 988, which leads already)."""

    def lines() -> np.ndarray:
        filters = directory.filters
        lifeline = _agency_with_phone(directory, "988")
        local = filters.mask("need", ["crisis"]) & ~filters.mask("kind", [Kind.FORMAL.value])
        positions = np.flatnonzero(local)
        in_order = positions[np.argsort(filters.name_rank[positions], kind="stable")].tolist()
        return np.array(
            [
                position
                for position in in_order
                if (agency := filters.agencies[position]).phone
                and agency.phone != "988"
                and not (lifeline and agency.id == lifeline.id)
            ],
            dtype=np.int64,
        )

    return directory.memo(("local-crisis-lines",), lines)


def gaps_pointing_to_lines(gaps: Sequence, help: UrgentHelp) -> tuple:
    """Need gaps whose own lines open the answer point to them first: "drug rehab" with no
    local agency listing it starts with the national helpline and the treatment locator, and
    only then names other supports (the 988 crisis line) as alternatives."""
    by_signal: dict[str, list[UrgentLine]] = {}
    for line in help.urgent:
        by_signal.setdefault(line.signal, []).append(line)
    pointed = []
    for gap in gaps:
        lines = by_signal.get(NEED_SIGNALS.get(gap.need or "", ""), []) if gap.finding else []
        lines = [line for line in lines if line.signal == "substance-use"]
        if lines:
            names = " or ".join(
                f"{line.name} ({line.phone})" if line.phone else line.name for line in lines
            )
            rest = gap.message[len(gap.finding) :].strip()
            gap = replace(gap, message=f"{gap.finding} Start with {names}. {rest}".strip())
        pointed.append(gap)
    return tuple(pointed)


def elsewhere_lines(directory) -> tuple[UrgentLine, ...]:
    """For a person outside the region: 211 (services where they live) and 988 (crisis), as
    far as the data has them, each with its row's source."""
    lines = (
        _national_line(
            directory,
            "211",
            "everyday",
            "Dial 211",
            "Free, confidential help finding services where you live.",
        ),
        _national_line(
            directory,
            "988",
            "crisis",
            "Call or text 988",
            "In a mental health crisis, any time, anywhere in the US.",
        ),
    )
    return tuple(line for line in lines if line is not None)


# The numbers every page's footer names, as far as the data has them: (number, how, when).
FOOTER_NUMBERS = (
    ("911", "call", "If you or someone else is in danger"),
    ("988", "call or text", "For a mental health crisis"),
)


def footer_lines(directory) -> tuple[UrgentLine, ...]:
    """911 and 988 for every page's footer, each only if this data version has it with a
    source: a row of urgent_lines.csv with that phone, else an agency of the data with it.
    A region whose data has neither gets no numbers in its footer."""

    def lines() -> tuple[UrgentLine, ...]:
        found = []
        for number, how, when in FOOTER_NUMBERS:
            line = next((x for x in vocabulary(directory).lines if x.phone == number), None)
            if line is None:
                line = _national_line(directory, number, "crisis", how, when)
            if line is not None and line.source:
                found.append(replace(line, how=how, when=when))
        return tuple(found)

    return directory.memo(("footer-lines",), lines)


def _agency_with_phone(directory, number: str):
    """The first agency of the data with this phone number (988, 211), once per data version."""

    def first() -> Agency | None:
        return next((agency for agency in directory.agencies if number in agency.phones), None)

    return directory.memo(("agency-with-phone", number), first)


def _national_line(directory, number: str, signal: str, how: str, when: str) -> UrgentLine | None:
    """The line of the first agency of the data with this number (988, 211), or None when the
    data has no such row: a number is never shown without its row's source."""
    agency = _agency_with_phone(directory, number)
    return _line_of(agency, signal, how, when) if agency is not None else None


def _line_of(agency, signal: str, how: str, when: str) -> UrgentLine:
    return UrgentLine(
        agency.id,
        agency.name,
        agency.phone,
        how,
        when or "",
        signal,
        agency.website or None,
        agency.source,
        agency.verified_on,
    )
