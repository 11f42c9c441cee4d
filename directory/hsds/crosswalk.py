"""Outside taxonomies -> our need codes, so need filters find an imported feed's services.

A feed tags its services with terms of someone else's taxonomy: Open Eligibility (its top
categories "Food", "Health"... and their subcategories), the 211/AIRS taxonomy (codes such
as "BD-1800.2000", licensed per county), Open Referral UK's esd lists. The crosswalk maps
such terms onto the need vocabulary of a data folder, from two sources, in this order:

1. `needs.csv`'s `open_eligibility` column: an Open Eligibility category names the need
   filed under it when it is the only one, or the one whose code is the category's name
   ("Health" -> health, not mental-health or wellness).
2. `taxonomy_crosswalk.csv` (a county's own: import-hsds --vocabulary DIR's, else the --out
   folder's; else the bundled one; `folder_problems` is what check-data reports): rows of
   `scheme,code,need,note`. `scheme` is open-eligibility, airs or esd (or any other name a
   feed's taxonomy carries); `code` is a term's name or code; for airs a code prefix, the
   longest matching prefix winning ("BD" matches "BD-1800.2000"); an empty `need` says
   "no need of ours" (the term stays an attribute and text only).

A term that maps to nothing directly is looked up through its parents (a subcategory
inherits its category's need). Terms never become needs by guesswork: a term no row and no
category names stays what it was, an attribute of the record.

Pure: no Flask, nothing from ../shared; the loader reports bad rows instead of raising.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import DEFAULT_DATA_DIR
from ..records import Need

CROSSWALK_FILE = "taxonomy_crosswalk.csv"
HEADER = ("scheme", "code", "need", "note")
MAX_CROSSWALK_BYTES = 4 * 1024 * 1024
MAX_PARENTS = 16  # a term's ancestors looked through (a loop in parent_id ends here)
OPEN_ELIGIBILITY = "open-eligibility"
AIRS = "airs"
ESD = "esd"
# A taxonomy's name or URI -> scheme, by the words it contains.
SCHEME_WORDS = (
    (OPEN_ELIGIBILITY, ("open eligibility", "openeligibility")),
    (AIRS, ("airs", "211", "211taxonomy", "211hsis", "inform usa")),
    (ESD, ("esd", "esdneeds", "esdcircumstances", "esdservicetypes", "open referral uk", "lga")),
)
AIRS_CODE = re.compile(r"^[A-Z]{1,2}(?:-\d{4}(?:\.\d{4})?(?:-\d{3})?(?:\.\d{2,3})?)?$")


@dataclass(frozen=True, slots=True)
class Term:
    """A term of an outside taxonomy, as a feed gives it."""

    code: str
    name: str
    taxonomy: str = ""  # the taxonomy's name or URI, or the term's `taxonomy` column
    parents: tuple[Term, ...] = ()  # nearest first

    @property
    def scheme(self) -> str:
        """open-eligibility, airs, esd, or the taxonomy's own name in lower case."""
        text = f" {_words(self.taxonomy)} "
        for scheme, words in SCHEME_WORDS:
            if any(f" {word} " in text for word in words):
                return scheme
        if not self.taxonomy and AIRS_CODE.match(self.code.strip().upper()) and "-" in self.code:
            return AIRS
        return _words(self.taxonomy)

    @classmethod
    def from_hsds(
        cls,
        term: Any,
        taxonomies: Mapping[str, Any],
        terms: Mapping[str, Any],
    ) -> Term:
        """A taxonomy_term record (a dict or an import record) with its taxonomy and parents.

        `taxonomies` and `terms` map ids to records; parents are followed by parent_id.
        """
        chain: list[Term] = []
        seen: set[str] = set()
        parent_id = _get(term, "parent_id")
        while parent_id and parent_id not in seen and len(chain) < MAX_PARENTS:
            seen.add(parent_id)
            parent = terms.get(parent_id)
            if parent is None:
                break
            chain.append(
                cls(_get(parent, "code"), _get(parent, "name"), _taxonomy(parent, taxonomies))
            )
            parent_id = _get(parent, "parent_id")
        return cls(
            _get(term, "code"), _get(term, "name"), _taxonomy(term, taxonomies), tuple(chain)
        )


@dataclass(frozen=True)
class Crosswalk:
    """Outside terms -> need codes of one vocabulary; `problems` names rows not used."""

    names: Mapping[tuple[str, str], tuple[str, ...]]  # (scheme, words of name or code)
    prefixes: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]]  # scheme -> longest first
    problems: tuple[str, ...] = field(default=())
    path: Path | None = None  # the crosswalk file read

    @property
    def is_bundled(self) -> bool:
        """Whether the file is the bundled one (written for the bundled vocabulary, so a row
        naming a need another vocabulary lacks is no county's mistake)."""
        bundled = (DEFAULT_DATA_DIR / CROSSWALK_FILE).resolve()
        return self.path is None or self.path.resolve() == bundled

    @classmethod
    def build(cls, needs: Iterable[Need], folder: str | Path | None = None) -> Crosswalk:
        """The crosswalk for a need vocabulary: needs.csv's categories, then the file's rows.

        The file is `folder`'s taxonomy_crosswalk.csv when it has one, else the bundled one.
        """
        needs = list(needs)
        codes = {need.code for need in needs}
        names: dict[tuple[str, str], tuple[str, ...]] = {}
        for category, code in _categories(needs).items():
            names[(OPEN_ELIGIBILITY, _words(category))] = (code,)
        path = Path(folder) / CROSSWALK_FILE if folder else None
        if path is None or not path.is_file():
            path = DEFAULT_DATA_DIR / CROSSWALK_FILE
        rows, problems = read_crosswalk(path)
        prefixes: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for line, row in rows:
            wanted = tuple(n.strip() for n in row["need"].split(";") if n.strip())
            unknown = [n for n in wanted if n not in codes]
            if unknown:
                problems.append(
                    f"{path.name} line {line}: need {unknown[0]!r} is not in the vocabulary; "
                    "row not used"
                )
                continue
            scheme = row["scheme"].strip().lower()
            scheme = scheme if scheme in (OPEN_ELIGIBILITY, AIRS, ESD) else _words(scheme)
            if scheme == AIRS:
                prefixes.setdefault(scheme, []).append((_airs(row["code"]), wanted))
            else:
                names[(scheme, _words(row["code"]))] = wanted
        problems.sort(key=_line_number)
        return cls(
            names,
            {s: tuple(sorted(p, key=lambda item: -len(item[0]))) for s, p in prefixes.items()},
            tuple(problems),
            path,
        )

    def needs_for(self, term: Term) -> tuple[str, ...]:
        """The needs one term (or, failing that, its nearest mapped parent) stands for."""
        for candidate in (term, *term.parents):
            found = self._direct(candidate)
            if found is not None:
                return found
        return ()

    def _direct(self, term: Term) -> tuple[str, ...] | None:
        scheme = term.scheme
        if scheme == AIRS:
            code = _airs(term.code)
            for prefix, wanted in self.prefixes.get(AIRS, ()):
                if code and code.startswith(prefix):
                    return wanted
            return None
        for key in (_words(term.name), _words(term.code)):
            if key and (scheme, key) in self.names:
                return self.names[(scheme, key)]
        return None


def folder_problems(folder: str | Path) -> list[str]:
    """The problems of a data folder's own crosswalk file against its needs.csv (what
    `directory check-data` prints, each with the file's path): [] when it has none."""
    from ..loading.needs import load_needs

    folder = Path(folder)
    if not (folder / CROSSWALK_FILE).is_file():
        return []
    needs = load_needs(folder / "needs.csv", [])  # needs.csv's own problems: said by load_data
    return [str(folder / problem) for problem in Crosswalk.build(needs, folder).problems]


def needs_for_terms(terms: Iterable[Term], crosswalk: Crosswalk) -> tuple[str, ...]:
    """Every need the terms stand for, in order, each once."""
    found: dict[str, None] = {}
    for term in terms:
        for code in crosswalk.needs_for(term):
            found.setdefault(code, None)
    return tuple(found)


def read_crosswalk(path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The rows of a crosswalk file (line number, row) and the problems of the rest."""
    problems: list[str] = []
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_CROSSWALK_BYTES + 1)
    except OSError as error:
        return [], [f"{path.name}: unreadable ({error.strerror or error}); no crosswalk used"]
    if len(raw) > MAX_CROSSWALK_BYTES:
        return [], [f"{path.name}: larger than {MAX_CROSSWALK_BYTES >> 20} MB; not used"]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [], [f"{path.name}: not UTF-8 (byte {error.start}); not used"]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        if tuple(reader.fieldnames or ())[: len(HEADER)] != HEADER:
            return [], [f"{path.name} line 1: the header must be {','.join(HEADER)}; not used"]
        rows = []
        for row in reader:
            line = reader.line_num
            if None in row or not (row.get("scheme") or "").strip() or not row.get("code"):
                problems.append(f"{path.name} line {line}: needs a scheme and a code; row not used")
                continue
            rows.append((line, {k: (row.get(k) or "") for k in HEADER}))
    except csv.Error as error:
        return [], [f"{path.name} line {reader.line_num}: unreadable CSV ({error}); not used"]
    return rows, problems


def _categories(needs: list[Need]) -> dict[str, str]:
    """Open Eligibility category -> its need: the only one filed under it, or the namesake."""
    filed: dict[str, list[str]] = {}
    for need in needs:
        if need.open_eligibility:
            filed.setdefault(need.open_eligibility, []).append(need.code)
    out = {}
    for category, codes in filed.items():
        namesake = [c for c in codes if c == _words(category).replace(" ", "-")]
        if len(codes) == 1 or namesake:
            out[category] = (namesake or codes)[0]
    return out


def _taxonomy(term: Any, taxonomies: Mapping[str, Any]) -> str:
    taxonomy = taxonomies.get(_get(term, "taxonomy_id"))
    if taxonomy is not None:
        return " ".join(t for t in (_get(taxonomy, "name"), _get(taxonomy, "uri")) if t)
    return _get(term, "taxonomy")


def _get(record: Any, key: str) -> str:
    text: Callable[[str], str] | None = getattr(record, "text", None)
    if text is not None:
        return text(key)
    value = record.get(key) if isinstance(record, Mapping) else None
    return "" if value is None else str(value).strip()


def _line_number(problem: str) -> int:
    """A problem's line in the crosswalk file (0 for the whole file), to sort by."""
    match = re.search(r" line (\d+)", problem)
    return int(match[1]) if match else 0


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _airs(code: str) -> str:
    return re.sub(r"\s+", "", code.upper())
