"""What an agency page shows beyond agencies.csv: the kept feed's addresses, hours, languages,
emails, websites and other phones, each with where it came from, and "open now" when the
hours say so unambiguously. Nothing is invented: a fact the records lack is not shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from ..catalog import Directory
from ..records import Agency, format_phone
from .ids import read_feed_ids
from .package import read_kept_tables
from .schema import Row, empty_tables
from .view import HsdsView

OUR_RECORD = "this directory's record"
DAYS = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday"}
DAYS |= {"SA": "Saturday", "SU": "Sunday"}
DAY_CODES = tuple(DAYS)  # Monday first, as date.weekday() counts


@dataclass(frozen=True, slots=True)
class Fact:
    """One shown value and where it came from ("the feed's schedule record", ...)."""

    text: str
    source: str
    link: str | None = None  # a mailto: or web address, when the value is one


@dataclass(frozen=True, slots=True)
class OpenNow:
    """Whether the listed hours say the service is open at `at` (their own UTC offset)."""

    is_open: bool
    at: datetime
    utc_offset: str  # "UTC-5"


@dataclass(frozen=True)
class AgencyDetails:
    addresses: tuple[Fact, ...] = ()
    hours: tuple[Fact, ...] = ()
    open_now: OpenNow | None = None  # None: no hours, or hours we can't evaluate offline
    languages: tuple[Fact, ...] = ()
    websites: tuple[Fact, ...] = ()
    emails: tuple[Fact, ...] = ()
    other_phones: tuple[Fact, ...] = ()  # numbers agencies.csv can't hold (not North American)
    capacities: tuple[Fact, ...] = ()  # HSDS 3.1 service_capacity, only the simple ones


@dataclass(frozen=True)
class KeptFeed:
    """The kept feed tables of one data version, indexed, and which service each agency is."""

    view: HsdsView
    service_of: dict[str, str]  # agency id -> feed service id (only those kept)

    @classmethod
    def of(cls, directory: Directory) -> KeptFeed:
        """Made once per data version (freed with it on reload)."""

        def make() -> KeptFeed:
            folder = directory.data.folder
            tables = read_kept_tables(folder) or empty_tables()
            view = HsdsView(tables)
            service_of = {
                agency_id: ids["service_id"]
                for agency_id, ids in read_feed_ids(folder).items()
                if ids.get("service_id") in view.by_id.get("service", {})
            }
            return cls(view, service_of)

        return directory.memo("hsds-kept-feed", make)


def agency_details(
    directory: Directory, agency: Agency, now: datetime | None = None
) -> AgencyDetails:
    """The facts an agency page shows about address, hours, languages, website and email."""
    feed = KeptFeed.of(directory)
    service_id = feed.service_of.get(agency.id)
    if service_id is None:
        return _from_agency(agency)
    return _from_feed(feed.view, service_id, now or datetime.now(timezone.utc), agency.phones)


def _from_agency(agency: Agency) -> AgencyDetails:
    return AgencyDetails(
        addresses=(Fact(agency.address, OUR_RECORD),) if agency.address else (),
        languages=tuple(Fact(language, OUR_RECORD) for language in agency.languages),
        websites=(Fact(agency.website, OUR_RECORD, agency.website),) if agency.website else (),
    )


def _from_feed(
    view: HsdsView, service_id: str, now: datetime, shown: tuple[str, ...] = ()
) -> AgencyDetails:
    service = view.by_id["service"][service_id]
    organization = view.get("organization", service.get("organization_id") or "")
    places = view.children("service_at_location", "service_id", service_id)
    locations = [
        location
        for place in places
        if (location := view.get("location", place.get("location_id") or "")) is not None
    ]
    schedules = [(row, "service") for row in view.children("schedule", "service_id", service_id)]
    for place in places:
        schedules += [
            (row, "service at location")
            for row in view.children("schedule", "service_at_location_id", place["id"])
        ]
    if not schedules:  # the building's own hours only when the service gives none
        for location in locations:
            schedules += [
                (row, "location")
                for row in view.children("schedule", "location_id", location["id"])
            ]
    return AgencyDetails(
        addresses=tuple(
            Fact(_address(address), "the feed's address record")
            for location in locations
            for address in view.children("address", "location_id", location["id"])
            if _address(address)
        ),
        hours=tuple(
            Fact(text, f"the feed's {kind} schedule")
            for row, kind in schedules
            if (text := hours_text(row))
        ),
        open_now=open_now([row for row, _ in schedules], now),
        languages=_languages(view, service_id, locations),
        websites=_unique(
            [
                (service.get("url"), "the feed's service record"),
                (organization.get("website") if organization else None, "the feed's organization"),
            ],
            link=lambda url: url,
        ),
        emails=_emails(view, service, organization, places),
        other_phones=_other_phones(view, service_id, places, locations, organization, shown),
        capacities=capacities(view, service_id),
    )


def _address(row: Row) -> str:
    """One line, as the feed wrote it, country included unless it is the US."""
    place = " ".join(p for p in (row.get("state_province"), row.get("postal_code")) if p)
    country = row.get("country") or ""
    parts = [row.get("attention"), row.get("address_1"), row.get("address_2"), row.get("city")]
    parts += [place, "" if country.upper() in ("US", "USA") else country]
    text = ", ".join(str(p) for p in parts if p)
    kind = row.get("address_type")
    return f"{text} ({kind} address)" if text and kind and kind != "physical" else text


def _languages(view: HsdsView, service_id: str, locations: list[Row]) -> tuple[Fact, ...]:
    rows = [
        (row, "the feed's service") for row in view.children("language", "service_id", service_id)
    ]
    for location in locations:
        rows += [
            (row, "the feed's location")
            for row in view.children("language", "location_id", location["id"])
        ]
    facts = []
    for row, source in rows:
        name, code = row.get("name") or "", row.get("code") or ""
        text = f"{name} ({code})" if name and code else name or code
        if row.get("note"):
            text += f": {row['note']}"
        if text:
            facts.append(Fact(text, source))
    return tuple(dict.fromkeys(facts))


def _emails(
    view: HsdsView, service: Row, organization: Row | None, places: list[Row]
) -> tuple[Fact, ...]:
    found: list[tuple[Any, str]] = [(service.get("email"), "the feed's service record")]
    contacts = list(view.children("contact", "service_id", service["id"]))
    for place in places:
        contacts += view.children("contact", "service_at_location_id", place["id"])
    for contact in contacts:
        who = ", ".join(str(p) for p in (contact.get("name"), contact.get("title")) if p)
        found.append(
            (contact.get("email"), f"the feed's contact record{': ' + who if who else ''}")
        )
    if organization is not None:
        found.append((organization.get("email"), "the feed's organization"))
    return _unique(found, link=lambda email: f"mailto:{email}")


def _other_phones(
    view: HsdsView,
    service_id: str,
    places: list[Row],
    locations: list[Row],
    organization: Row | None,
    shown: tuple[str, ...],
) -> tuple[Fact, ...]:
    """The feed's phones of the service, its places and its organisation that the page's
    Phone line (agencies.csv: North American numbers only) does not already show."""
    rows = [
        (row, "the feed's service phone")
        for row in view.children("phone", "service_id", service_id)
    ]
    rows += [
        (row, "the feed's service phone")
        for place in places
        for row in view.children("phone", "service_at_location_id", place["id"])
    ]
    rows += [
        (row, "the feed's location phone")
        for loc in locations
        for row in view.children("phone", "location_id", loc["id"])
    ]
    if organization is not None:
        rows += [
            (row, "the feed's organization phone")
            for row in view.children("phone", "organization_id", organization["id"])
            if not row.get("service_id")
        ]
    facts = []
    for row, source in rows:
        number = str(row.get("number") or "").strip()
        if not number or _formatted(number) in shown:
            continue
        extras = [
            f"ext. {row['extension']}" if row.get("extension") else "",
            row.get("description") or "",
        ]
        facts.append(Fact(" ".join([number, *(f"({e})" for e in extras if e)]), source))
    return tuple(dict.fromkeys(facts))


def capacities(view: HsdsView, service_id: str) -> tuple[Fact, ...]:
    """A service's HSDS 3.1 capacities, each only when simple: a whole number available (and
    of a maximum, when given and not less) of a unit with a name, with the date the feed
    says it was updated, or that it gives none. Anything else is left to /hsds and the CSV."""
    facts = []
    for row in view.children("service_capacity", "service_id", service_id):
        unit = view.get("unit", row.get("unit_id") or "")
        name = str(unit.get("name") or "").strip() if unit else ""
        available, maximum = _count(row.get("available")), _count(row.get("maximum"))
        if not name or available is None:
            continue
        if row.get("maximum") not in (None, "") and (maximum is None or maximum < available):
            continue
        text = f"{available} {name} available" + (f" of {maximum}" if maximum is not None else "")
        updated = str(row.get("updated") or "").strip()
        text += f" (updated {updated})" if updated else " (the feed gives no date)"
        if row.get("description"):
            text += f": {row['description']}"
        facts.append(Fact(text, "the feed's service capacity record"))
    return tuple(facts)


def _count(value: Any) -> int | None:
    """A whole, non-negative number, else None."""
    try:
        number = float(str(value))
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number >= 0 and number.is_integer() else None


def _formatted(number: str) -> str | None:
    try:
        return format_phone(number)
    except ValueError:
        return None


def _unique(values: Iterable[tuple[Any, str]], link) -> tuple[Fact, ...]:
    seen: set[str] = set()
    facts = []
    for value, source in values:
        if value and str(value) not in seen:
            seen.add(str(value))
            facts.append(Fact(str(value), source, link(str(value))))
    return tuple(facts)


# -- hours -----------------------------------------------------------------------------------


def hours_text(row: Row) -> str:
    """'Tuesday and Thursday, 09:30–12:00' from RRULE-style fields, plus the feed's words."""
    days = [DAYS[code] for code in _days(row) if code in DAYS]
    times = "–".join(_clock(row.get(c)) for c in ("opens_at", "closes_at") if row.get(c))
    rule = ", ".join(
        p for p in (" and ".join(days) if len(days) < 3 else ", ".join(days), times) if p
    )
    words = "; ".join(str(row[c]) for c in ("description", "notes") if row.get(c))
    return " ".join(p for p in (rule + ("." if rule and words else ""), words) if p)


def open_now(schedules: list[Row], now: datetime) -> OpenNow | None:
    """Open or closed at `now` by weekly hours with a UTC offset; None when we can't tell.

    Only simple weekly rules are evaluated (freq WEEKLY or none, interval 1, days, opening and
    closing times, valid_from/valid_to, and `timezone`, the offset the feed gives). Anything
    else (monthly rules, week numbers, no offset) means we say nothing rather than guess.
    """
    if not schedules:
        return None
    offsets = {row.get("timezone") for row in schedules}
    if len(offsets) != 1 or not all(_is_simple_weekly(row) for row in schedules):
        return None
    (offset,) = offsets
    try:
        hours = float(str(offset)) if offset is not None else math.nan
        zone = timezone(timedelta(hours=hours))
    except (TypeError, ValueError, OverflowError):
        return None
    local = now.astimezone(zone)
    is_open = any(_open_at(row, local) for row in schedules)
    label = "UTC" if hours == 0 else f"UTC{hours:+g}"
    return OpenNow(is_open, local, label)


def _is_simple_weekly(row: Row) -> bool:
    if (row.get("freq") or "WEEKLY").upper() != "WEEKLY":
        return False
    if str(row.get("interval") or 1) not in ("1", "1.0"):
        return False
    if any(row.get(c) for c in ("byweekno", "bymonthday", "byyearday", "count")):
        return False
    try:
        return bool(_days(row)) and _time(row.get("opens_at")) < _time(row.get("closes_at"))
    except (TypeError, ValueError):
        return False


def _open_at(row: Row, local: datetime) -> bool:
    today = local.date()
    for column, before in (("valid_from", True), ("valid_to", False), ("until", False)):
        bound = _date(row.get(column))
        if bound and (today < bound if before else today > bound):
            return False
    if DAY_CODES[today.weekday()] not in _days(row):
        return False
    now = local.time().replace(tzinfo=None)
    return _time(row.get("opens_at")) <= now < _time(row.get("closes_at"))


def _days(row: Row) -> list[str]:
    return [d.strip().upper()[-2:] for d in str(row.get("byday") or "").split(",") if d.strip()]


def _time(value: Any) -> time:
    text = str(value or "").strip()
    return time.fromisoformat(text[:8] if len(text) >= 8 else text)


def _clock(value: Any) -> str:
    try:
        return _time(value).strftime("%H:%M")
    except ValueError:
        return str(value)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
