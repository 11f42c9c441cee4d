"""What people typed into the site's forms, kept as typed, and the pages' small filter parsers.

`FindHelpForm` holds the raw values so the page can show them back even when they can't be
used; the domain parsers (`MatchQuery.from_args`) decide what they mean. Pure: no Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .catalog import Directory
from .coverage import By, Coverage, Scope, coverage
from .errors import BadInput
from .records import AgeGroup, Level, parse_choice
from .screening import QUESTIONS

FIND_HELP_FIELDS = ("near", "age", "years", "need", "level", "q", *QUESTIONS)
MAX_FIELD_CHARS = 500


def _values(args, name: str) -> list[str]:
    getlist = getattr(args, "getlist", None)
    raw = getlist(name) if getlist else args.get(name, [])
    if isinstance(raw, str):
        raw = [raw]
    return [str(value)[:MAX_FIELD_CHARS] for value in raw if value is not None]


def _one(args, name: str) -> str:
    values = _values(args, name)
    return values[0].strip() if values else ""


@dataclass(frozen=True)
class FindHelpForm:
    """The find-help form as typed: shown back on every answer, bad input included."""

    near: str = ""
    age: str = ""
    years: str = ""
    needs: tuple[str, ...] = ()
    level: str = ""
    q: str = ""
    answers: frozenset[str] = field(default_factory=frozenset)  # screener keys ticked

    @classmethod
    def from_args(cls, args) -> FindHelpForm:
        needs = [piece.strip() for value in _values(args, "need") for piece in value.split(",")]
        answers = frozenset(
            key for key in QUESTIONS if _one(args, key).lower() not in ("", "0", "no", "false")
        )
        return cls(
            near=_one(args, "near"),
            age=_one(args, "age").lower(),
            years=_one(args, "years"),
            needs=tuple(dict.fromkeys(n for n in needs if n)),
            level=_one(args, "level").lower(),
            q=_one(args, "q"),
            answers=answers,
        )

    @property
    def is_submitted(self) -> bool:
        return bool(
            self.near
            or self.age
            or self.years
            or self.needs
            or self.level
            or self.q
            or self.answers
        )

    def params(self, **changes) -> dict[str, object]:
        """The search as URL parameters (for facet and did-you-mean links), with changes applied;
        a change to None removes the parameter."""
        params: dict[str, object] = {
            "near": self.near,
            "age": self.age,
            "years": self.years,
            "need": list(self.needs),
            "level": self.level,
            "q": self.q,
        }
        params.update({key: "yes" for key in sorted(self.answers)})
        params.update(changes)
        return {key: value for key, value in params.items() if value not in (None, "", [])}

    def with_need(self, code: str) -> dict[str, object]:
        return self.params(need=[*self.needs, code] if code not in self.needs else list(self.needs))

    def without_need(self, code: str) -> dict[str, object]:
        return self.params(need=[n for n in self.needs if n != code])


@dataclass(frozen=True)
class CoverageQuery:
    """The coverage page's and API's filters: level, age group and need, each optional."""

    level: Level | None = None
    age_group: AgeGroup | None = None
    need: str | None = None
    scope: Scope = Scope.ALL  # local: leave out agencies serving the whole region
    by: By = By.AREA  # place: a row per municipality and city neighbourhood

    @classmethod
    def from_args(cls, args, directory: Directory) -> CoverageQuery:
        level = parse_choice(Level, _one(args, "level"), "level", "blended or administrative")
        age_group = parse_choice(AgeGroup, _one(args, "age"), "age", "adult or child")
        scope = parse_choice(Scope, _one(args, "scope"), "scope", "all or local") or Scope.ALL
        by = parse_choice(By, _one(args, "by"), "by", "area or place") or By.AREA
        need = _one(args, "need") or None
        if need is not None and need not in directory.needs_by_code:
            known = ", ".join(sorted(directory.needs_by_code))
            raise BadInput(f'Unknown need "{need[:40]}". Known needs: {known}.', code="bad_need")
        return cls(level, age_group, need, scope, by)

    @classmethod
    def answer(cls, args, directory: Directory) -> tuple[CoverageQuery, Coverage]:
        """Parse the filters and run the one coverage call the page, downloads and API share."""
        query = cls.from_args(args, directory)
        return query, coverage(
            directory, query.level, query.age_group, query.need, query.scope, query.by
        )

    def params(self) -> dict[str, str]:
        params = {
            "level": self.level.value if self.level else "",
            "age": self.age_group.value if self.age_group else "",
            "need": self.need or "",
            "scope": self.scope.value if self.scope is not Scope.ALL else "",
            "by": self.by.value if self.by is not By.AREA else "",
        }
        return {key: value for key, value in params.items() if value}

    def describe(self, directory: Directory) -> str:
        """'Blended coordination for children, for mental health' -> words for captions."""
        what = f"{self.level.label} coordination" if self.level else "Service coordination"
        if self.age_group:
            what += f" for {self.age_group.label.lower()}"
        if self.need:
            what += f", helping with {directory.needs_by_code[self.need].label.lower()}"
        if self.scope is Scope.LOCAL:
            what += ", local agencies only"
        return what


def label_list(labels: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(labels)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
