"""The request boundary: reading arguments (a URL's query, a CLI's options) into typed values.

Pages, the JSON API, the HSDS API and the CLI all read their arguments with these functions,
so one value means the same thing and is refused in the same words everywhere. Every message
comes from MESSAGES; the query objects (SearchQuery, MatchQuery, CoverageQuery, HSDS paging)
are built from these readers in their own modules. Pure: no Flask.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time, timezone
from enum import Enum
from typing import Any, TypeVar

from .errors import BadInput

E = TypeVar("E", bound=Enum)

MAX_CODE_CHARS = 80
MAX_PAGE = 1_000_000

# One table of messages: code -> text with {label}, {value}, {choices}, {minimum}, {maximum}.
MESSAGES: Mapping[str, str] = {
    "unknown_choice": 'Unknown {label} "{value}". Choose {choices}.',
    "unknown_code": 'Unknown {label} "{value}". Choose one of: {choices}.',
    "bad_code": '"{value}" is not a {label} code; codes look like "mental-health".',
    "not_whole": '{label} must be a whole number, not "{value}".',
    "out_of_range": "{label} must be between {minimum} and {maximum}.",
    "whole_from_to": '{label} must be a whole number from {minimum} to {maximum}; got "{value}".',
    "not_date_time": (
        "{label} must be an ISO 8601 date or date-time such as 2024-05-01 or "
        '2024-05-01T09:30:00Z; got "{value}".'
    ),
    "not_time": '{label} must be a time of day as HH:MM (24-hour), such as 09:30; got "{value}".',
    "unknown_parameter": 'Unknown parameter "{value}" for {where}. Accepted: {choices}.',
    "repeated": "{label} is given {count} times; give it once.",
    "needs_near": 'Sorting by {label} needs a place: add "near" (a ZIP code or town).',
}


# Arguments a message names in other words than their own, and refusals sharing another
# argument's code (an unusable age in years is a "bad_age", like an unknown age group).
LABELS: Mapping[str, str] = {"years": "Age in years"}
CODES: Mapping[str, str] = {"years": "bad_age"}


def refuse(message: str, name: str, label: str | None = None, **words: Any) -> BadInput:
    """The BadInput for argument `name`, worded from MESSAGES (the value sent is shown cut
    short, the choices in full). `label` is how the message names the argument; by default
    LABELS' words or its name."""
    shown = {key: str(value)[: 40 if key == "value" else None] for key, value in words.items()}
    label = LABELS.get(name, name.replace("_", " ")) if label is None else label
    code = CODES.get(name, f"bad_{name}")
    return BadInput(MESSAGES[message].format(label=label, **shown), code)


def values(args: Mapping[str, Any], name: str) -> list[str]:
    """Every value of `name`: it may repeat (need=a&need=b) or list values with commas."""
    raw = args.getlist(name) if hasattr(args, "getlist") else args.get(name)
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    found: list[str] = []
    for item in raw:
        found.extend(part.strip() for part in str(item).split(",") if part.strip())
    return found


def one(args: Mapping[str, Any], name: str) -> str:
    """The (first) value of `name` as text, "" when absent."""
    raw = args.get(name)
    if isinstance(raw, (list, tuple)):
        raw = raw[0] if raw else ""
    return "" if raw is None else str(raw)


def choices(args: Mapping[str, Any], name: str, allowed: Sequence[str]) -> tuple[str, ...]:
    """Values of `name`, each one of `allowed` (case-insensitive), without repeats."""
    chosen = [value.lower() for value in values(args, name)]
    for value in chosen:
        if value not in allowed:
            raise refuse("unknown_choice", name, value=value, choices=" or ".join(allowed))
    return tuple(dict.fromkeys(chosen))


def choice(args: Mapping[str, Any], name: str, allowed: Sequence[str], default: str) -> str:
    """The one value of `name`, one of `allowed` (case-insensitive); `default` when absent."""
    value = one(args, name).strip().lower()
    if not value:
        return default
    if value not in allowed:
        raise refuse("unknown_choice", name, value=value, choices=" or ".join(allowed))
    return value


def enum_values(enum: type[Enum]) -> list[str]:
    """The values of an enum, as the URL, JSON, CLI and OpenAPI document spell them."""
    return [str(member.value) for member in enum]


def enums(args: Mapping[str, Any], name: str, enum: type[E]) -> tuple[E, ...]:
    """Values of `name` as members of `enum`."""
    return tuple(enum(value) for value in choices(args, name, enum_values(enum)))


def optional_enum(args: Mapping[str, Any], name: str, enum: type[E]) -> E | None:
    """The one value of `name` as a member of `enum` (case-insensitive); None when absent."""
    value = choice(args, name, enum_values(enum), "")
    return enum(value) if value else None


def codes(args: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """Values of `name` shaped like codes (letters, digits, hyphens), without repeats."""
    found = [value.lower() for value in values(args, name)]
    for value in found:
        if len(value) > MAX_CODE_CHARS or not all(ch.isalnum() or ch == "-" for ch in value):
            raise refuse("bad_code", name, value=value)
    return tuple(dict.fromkeys(found))


def known_codes(name: str, chosen: Iterable[str], known: Mapping[str, Any]) -> None:
    """BadInput for the first code in `chosen` that `known` does not have."""
    for value in chosen:
        if value not in known:
            raise refuse("unknown_code", name, value=value, choices=", ".join(sorted(known)[:40]))


def whole_number_text(text: str) -> int | None:
    """The whole number written in `text` with ASCII digits only, else None.

    str.isdigit() and int() accept superscripts, other scripts' digits and underscores
    ("²", "١٢", "1_0"); an argument or a CSV cell must be plain 0-9 to count.
    """
    text = text.strip()
    if not text or len(text) > 18 or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def whole_number(
    args: Mapping[str, Any],
    name: str,
    default: int,
    *,
    minimum: int,
    maximum: int,
    clamp: bool = False,
    exact_name: bool = False,
) -> int:
    """A whole number in [minimum, maximum]; `clamp` caps a larger one at `maximum`.

    `exact_name` words the refusal with the argument's name as sent, in quotes (for APIs)."""
    raw = one(args, name).strip()
    if not raw:
        return default
    value = whole_number_text(raw)
    if exact_name and (value is None or value < minimum or (value > maximum and not clamp)):
        raise refuse(
            "whole_from_to", name, f'"{name}"', minimum=minimum, maximum=maximum, value=raw
        )
    if value is None:
        raise refuse("not_whole", name, value=raw)
    if clamp and value > maximum:
        return maximum
    if not minimum <= value <= maximum:
        raise refuse("out_of_range", name, minimum=minimum, maximum=maximum)
    return value


def date_time(args: Mapping[str, Any], name: str) -> datetime | None:
    """An ISO 8601 date or date-time, in UTC (UTC when no offset is given); None if absent.

    A date alone means the start of that day."""
    raw = one(args, name).strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace(" ", "+")) if len(raw) <= 40 else None
    except ValueError:
        value = None
    if value is None:
        raise refuse("not_date_time", name, f'"{name}"', value=raw)
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:  # 0001-01-01T00:00+14:00 is before the first representable UTC instant
        edge = datetime.min if value.year == 1 else datetime.max
        return edge.replace(tzinfo=timezone.utc)


def time_of_day(args: Mapping[str, Any], name: str) -> time | None:
    """A 24-hour time written HH:MM (or HH:MM:SS) with ASCII digits; None if absent."""
    raw = one(args, name).strip()
    if not raw:
        return None
    parts = raw.split(":")
    found = [whole_number_text(part) if len(part) == 2 else None for part in parts]
    numbers = [number for number in found if number is not None]
    if len(parts) not in (2, 3) or len(numbers) < len(parts):
        raise refuse("not_time", name, f'"{name}"', value=raw)
    if numbers[0] > 23 or max(numbers[1:]) > 59:
        raise refuse("not_time", name, f'"{name}"', value=raw)
    return time(numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else 0)


def only(args: Mapping[str, Any], accepted: Iterable[str], where: str) -> None:
    """BadInput naming the first argument that is not one of `accepted`, or that is given
    more than once (nothing is ignored, and no value silently wins over another)."""
    allowed = list(accepted)
    for name in args:
        if name not in allowed:
            listed = ", ".join(allowed) or "none"
            message = MESSAGES["unknown_parameter"].format(
                value=str(name)[:40], where=where, choices=listed
            )
            raise BadInput(message, "bad_parameter")
        count = len(args.getlist(name)) if hasattr(args, "getlist") else 1
        if count > 1:
            raise refuse("repeated", name, f'"{name}"', count=count)
