"""Field parsers: each reads one column of a row and raises RowProblem with the words a
maintainer needs to fix it."""

from __future__ import annotations

import enum
import re
from datetime import date

from geo.zips import normalise_zip

from ..records import format_phone
from .rows import Row, RowProblem

MAX_AGE = 120
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def required(row: Row, column: str) -> str:
    value = row.get(column)
    if not value:
        raise RowProblem(column, "", "required value is missing")
    return value


def slug(row: Row, column: str) -> str:
    value = required(row, column)
    if not SLUG.match(value):
        raise RowProblem(
            column,
            value,
            f'"{value}" is not a valid id; use lowercase letters, digits and hyphens '
            '(e.g. "south-hills")',
        )
    return value


def choices(
    row: Row, column: str, enum_type: type[enum.Enum], *, allow_empty: bool = True
) -> frozenset:
    values = row.items(column)
    if not values and not allow_empty:
        raise RowProblem(column, "", "required value is missing")
    allowed = ", ".join(member.value for member in enum_type)
    parsed = set()
    for value in values:
        try:
            parsed.add(enum_type(value.lower()))
        except ValueError:
            raise RowProblem(
                column, value, f'unknown value "{value}"; expected {allowed}'
            ) from None
    return frozenset(parsed)


def codes(row: Row, column: str, known: set[str], what: str, listed_in: str) -> tuple[str, ...]:
    values = row.items(column)
    for value in values:
        if value not in known:
            raise RowProblem(
                column, value, f'unknown {what} "{value}"; use an id listed in {listed_in}'
            )
    return tuple(dict.fromkeys(values))


def optional_int(row: Row, column: str, low: int, high: int) -> int | None:
    return _optional_number(row, column, low, high, int, "a whole number")


def optional_float(row: Row, column: str, low: float, high: float) -> float | None:
    return _optional_number(row, column, low, high, float, "a number")


def _optional_number(row: Row, column: str, low, high, kind: type, what: str):
    value = row.get(column)
    if not value:
        return None
    try:
        number = kind(value)
    except ValueError:
        raise RowProblem(column, value, f'"{value}" is not {what}') from None
    if not low <= number <= high:  # also refuses nan
        raise RowProblem(column, value, f"{number} is outside {low}..{high}")
    return number


def optional_date(row: Row, column: str, today: date | None = None) -> date | None:
    value = row.get(column)
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise RowProblem(column, value, f'"{value}" is not a date; use YYYY-MM-DD') from None
    if parsed > (today or date.today()):
        raise RowProblem(column, value, f"{value} is in the future")
    return parsed


def phones(row: Row, column: str) -> tuple[str, ...]:
    parsed = []
    for value in row.items(column):
        try:
            parsed.append(format_phone(value))
        except ValueError as error:
            raise RowProblem(column, value, str(error)) from None
    return tuple(parsed)


def zips(row: Row, column: str) -> tuple[str, ...]:
    parsed = []
    for value in row.items(column):
        zip_code = normalise_zip(value)
        if zip_code is None:
            raise RowProblem(column, value, f'"{value}" is not a 5-digit ZIP code')
        parsed.append(zip_code)
    return tuple(dict.fromkeys(parsed))


def website(row: Row, column: str) -> str:
    value = row.get(column)
    if not value:
        return ""
    if " " in value or "." not in value or value.lower().startswith(("javascript:", "data:")):
        raise RowProblem(column, value, f'"{value}" is not a web address')
    if not value.lower().startswith(("http://", "https://")):
        value = "http://" + value
    return value
