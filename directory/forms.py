"""What people typed into the site's forms, kept as typed, and the pages' small filter parsers.

`FindHelpForm` holds the raw values so the page can show them back even when they can't be
used; the domain parsers (`MatchQuery.from_args`) decide what they mean. Pure: no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
