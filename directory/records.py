"""Typed, frozen records of the directory: parsed once in loading, trusted downstream.

The shapes map onto Open Referral HSDS 3.0: an `Agency` is one organization offering one
service (with phones, an optional location, service areas and attributes for our own
classifications), a `Need` is a taxonomy term, and a service area is `geo.areas.Area`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from geo.areas import Area

__all__ = [
    "AgeGroup",
    "Agency",
    "Area",
    "Kind",
    "Level",
    "LoadProblem",
    "Need",
    "format_phone",
    "tel_uri",
]


class Level(str, enum.Enum):
    """Level of service coordination, in the brochure's words."""

    BLENDED = "blended"  # intensive, around the clock in crisis, eligibility criteria
    ADMINISTRATIVE = "administrative"  # occasional help, open to anyone

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AgeGroup(str, enum.Enum):
    ADULT = "adult"
    CHILD = "child"

    @property
    def label(self) -> str:
        return {"adult": "Adults", "child": "Children"}[self.value]


class Kind(str, enum.Enum):
    """A formal service-coordination agency, or an informal / community support."""

    FORMAL = "formal"
    INFORMAL = "informal"


@dataclass(frozen=True, slots=True)
class Need:
    """One term of the need vocabulary (data/needs.csv)."""

    code: str
    label: str
    description: str
    synonyms: tuple[str, ...]
    open_eligibility: str


@dataclass(frozen=True, slots=True)
class Agency:
    """An agency or support: one HSDS organization + service (+ location when known)."""

    id: str
    name: str
    kind: Kind
    levels: frozenset[Level]
    age_groups: frozenset[AgeGroup]
    area_ids: tuple[str, ...]
    needs: frozenset[str]
    phones: tuple[str, ...]
    source: str
    verified_on: date | None  # None = never verified, and pages say so
    min_age: int | None = None
    max_age: int | None = None
    description: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    website: str = ""
    how_to_refer: str = ""
    eligibility: str = ""
    languages: tuple[str, ...] = ()
    reconstructed: tuple[str, ...] = ()  # columns whose values are reconstructed, not sourced
    notes: str = ""

    @property
    def phone(self) -> str | None:
        return self.phones[0] if self.phones else None

    @property
    def is_formal(self) -> bool:
        return self.kind is Kind.FORMAL

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """One problem found while loading a data file; the CLI, log and /healthz print `str()`."""

    path: Path
    line: int | None
    column: str | None
    value: str
    reason: str
    action: str = "row skipped"
    is_fatal: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        column = f' column "{self.column}":' if self.column else ""
        return f"{where}:{column} {self.reason}; {self.action}"

    def to_json(self) -> dict:
        return {
            "file": str(self.path),
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "action": self.action,
            "message": str(self),
        }


def parse_choice(enum_type: type[enum.Enum], value: str, name: str, expected: str):
    """A closed-vocabulary value a person or client typed ("Blended" -> Level.BLENDED); empty
    means not chosen; anything else is BadInput with the words to use."""
    from .errors import BadInput

    if not value:
        return None
    try:
        return enum_type(value.lower())
    except ValueError:
        raise BadInput(
            f'Unknown {name} "{value[:40]}"; use {expected}.', code=f"bad_{name}"
        ) from None


# Phones: one place for parsing and formatting. N11 service codes (211, 988) are real numbers.
SERVICE_CODES = frozenset({"211", "311", "511", "711", "811", "911", "988"})
_NON_DIGITS = re.compile(r"\D")


def format_phone(text: str) -> str:
    """'(412) 431 8006' -> '412-431-8006'; '1-800-222-4200' -> '1-800-222-4200'.

    Raises ValueError with a user-facing reason when it is not a North American number.
    """
    digits = _NON_DIGITS.sub("", text)
    if digits in SERVICE_CODES:
        return digits
    if len(digits) == 11 and digits.startswith("1"):
        return f"1-{digits[1:4]}-{digits[4:7]}-{digits[7:]}"
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    raise ValueError(
        f'"{text}" has {len(digits)} digits; expected 10 (or 11 starting with 1, or a '
        "3-digit service code such as 211)"
    )


def tel_uri(phone: str) -> str:
    """A `tel:` link target for a formatted phone."""
    digits = _NON_DIGITS.sub("", phone)
    if digits in SERVICE_CODES:
        return f"tel:{digits}"
    if len(digits) == 10:
        digits = "1" + digits
    return f"tel:+{digits}"


@dataclass(frozen=True, slots=True)
class DataSet:
    """Everything read from one data folder, with the problems found on the way."""

    folder: Path
    agencies: tuple[Agency, ...]
    areas: tuple[Area, ...]
    needs: tuple[Need, ...]
    problems: tuple[LoadProblem, ...] = field(default=())
    fingerprint: str = ""  # content hash of the data files, for index rebuilds

    @property
    def rejected_rows(self) -> int:
        return sum(1 for p in self.problems if p.action == "row skipped")

    @property
    def has_fatal_problem(self) -> bool:
        return any(p.is_fatal for p in self.problems)
