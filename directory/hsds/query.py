"""What a /hsds request asks for, read once at the request boundary, and which rows pass it.

One table (PARAMETERS) names every query parameter the HSDS API accepts, with its meaning and
limits; ENDPOINTS says which endpoint accepts which. `HsdsQuery.read` builds the typed query
from a URL's arguments with directory.params (a parameter an endpoint does not accept is a
400 naming it: nothing is silently ignored), the filters below apply it to the HSDS tables,
and the OpenAPI document (openapi.py) is written from the same table. Pure: no Flask.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from .. import params
from ..errors import BadInput
from .schema import Row
from .view import HsdsView

MAX_PER_PAGE = 200  # a larger per_page is clamped to this (the page object says so)
MAX_AGE = 150
FORMATS = ("json", "ndjson")
BOOLEANS = ("true", "false")
# ORUK's `day` takes a weekday name; HSDS schedules (iCal) write the same day as a code.
WEEKDAYS = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}


@dataclass(frozen=True, slots=True)
class Parameter:
    """One query parameter: what it does and its JSON Schema (limits included)."""

    description: str
    schema: Mapping[str, Any]


_STRING = {"type": "string", "maxLength": 500}
_BOOLEAN = {"type": "string", "enum": list(BOOLEANS), "default": "false"}
_AGE = {"type": "integer", "minimum": 0, "maximum": MAX_AGE}

PARAMETERS: dict[str, Parameter] = {
    "search": Parameter(
        "Full text search. On /services and /service_at_locations, the site's own search "
        "(words, synonyms, spelling slips); elsewhere every word must appear in the name, "
        "code or description. Longer text is cut, never refused.",
        _STRING,
    ),
    "page": Parameter(
        "Page number of paginated result, from 1. With format=ndjson, pages are used only "
        "when page or per_page is given.",
        {"type": "integer", "minimum": 1, "maximum": params.MAX_PAGE, "default": 1},
    ),
    "per_page": Parameter(
        f"Results in a single page, from 1. A larger number is clamped to {MAX_PER_PAGE}; the "
        "page object then says so in per_page_requested and per_page.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
    ),
    "format": Parameter(
        "json (default): one page object. ndjson: newline-delimited JSON "
        "(application/x-ndjson), one item a line, every result without pagination unless "
        "page or per_page is given.",
        {"type": "string", "enum": list(FORMATS), "default": "json"},
    ),
    "taxonomy_term_id": Parameter(
        "Only services with this taxonomy term (by its id).", {"type": "string"}
    ),
    "taxonomy_id": Parameter(
        "Only services (or, on /taxonomy_terms, terms) of any term in this taxonomy.",
        {"type": "string"},
    ),
    "organization_id": Parameter("Only services this organization provides.", {"type": "string"}),
    "modified_after": Parameter(
        "Only results modified on or after this ISO 8601 date or date-time (UTC when no "
        "offset is given). A service's date is its last_modified, else its assured_date "
        "(the day it was last verified); a service with neither is left out. A date in "
        "the future gives no items.",
        {"type": "string", "format": "date-time"},
    ),
    "minimal": Parameter(
        "true: each service as id, name and status plus the dates modified_after reads "
        "(last_modified, assured_date) when known. Aim to fetch every service in one call.",
        _BOOLEAN,
    ),
    "full": Parameter(
        "true: fully nested items (as the /{id} endpoint answers) instead of one-to-one fields.",
        _BOOLEAN,
    ),
    "full_service": Parameter(
        "true: an organization fully nested with its services fully nested (on the list "
        "too, as full=true); false: the services' one-to-one fields.",
        _BOOLEAN,
    ),
    "minimum_age": Parameter(
        "Open Referral UK: only services open to someone of at least this age (the "
        "service's maximum_age, when it has one, is this or more).",
        _AGE,
    ),
    "maximum_age": Parameter(
        "Open Referral UK: only services open to someone of at most this age (the "
        "service's minimum_age, when it has one, is this or less).",
        _AGE,
    ),
    "day": Parameter(
        "Open Referral UK: only services with a schedule (theirs, or their service at a "
        "location's, or the location's) open on this weekday; a monthly day such as 2MO "
        "counts, a schedule whose valid_to has passed does not. Services without schedules "
        "are left out.",
        {"type": "string", "enum": list(WEEKDAYS)},
    ),
    "start_time": Parameter(
        "Open Referral UK: only services with a schedule open at this wall-clock time "
        "(HH:MM, 24-hour; opens_at <= start_time < closes_at), on `day` when given.",
        {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9](:[0-5][0-9])?$"},
    ),
    "postcode": Parameter(
        "A ZIP code: only services whose service areas hold it.", {"type": "string"}
    ),
    "proximity": Parameter(
        "Meters from the postcode's centroid: only service at locations that near. Needs postcode.",
        {"type": "number", "exclusiveMinimum": 0},
    ),
    "parent_id": Parameter("Only taxonomy terms whose parent has this id.", {"type": "string"}),
    "top_only": Parameter("true: only top-level taxonomy terms (without a parent).", _BOOLEAN),
}

_LISTED = ("page", "per_page", "format")
_SERVICE_FILTERS = (
    "search",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "modified_after",
    "minimum_age",
    "maximum_age",
    "day",
    "start_time",
)
# Endpoint (as the OpenAPI document writes it) -> the parameters it accepts.
ENDPOINTS: dict[str, tuple[str, ...]] = {
    "/": (),
    "/openapi.json": (),
    "/services": (*_SERVICE_FILTERS, "minimal", "full", *_LISTED),
    "/services/{id}": (),
    "/service_at_locations": (*_SERVICE_FILTERS, "postcode", "proximity", "full", *_LISTED),
    "/service_at_locations/{id}": (),
    "/organizations": ("search", "full", "full_service", *_LISTED),
    "/organizations/{id}": ("full_service",),
    "/taxonomies": ("search", *_LISTED),
    "/taxonomies/{id}": (),
    "/taxonomy_terms": ("search", "taxonomy_id", "parent_id", "top_only", *_LISTED),
    "/taxonomy_terms/{id}": (),
}


@dataclass(frozen=True, slots=True)
class HsdsQuery:
    """One /hsds request's arguments, typed; absent ones are None, "" or False."""

    page: int = 1
    per_page: int = 20
    per_page_requested: int | None = None  # set when per_page was clamped
    is_paged: bool = True  # False for format=ndjson without page or per_page
    ndjson: bool = False
    search: str = ""
    taxonomy_term_id: str = ""
    taxonomy_id: str = ""
    organization_id: str = ""
    parent_id: str = ""
    postcode: str = ""
    proximity_m: float | None = None
    modified_after: datetime | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    day: str | None = None  # iCal code: MO, TU, ...
    start_time: time | None = None
    minimal: bool = False
    full: bool = False
    full_service: bool = False
    top_only: bool = False

    @classmethod
    def read(cls, args: Mapping[str, Any], endpoint: str, default_per_page: int) -> HsdsQuery:
        """The query of `endpoint` (a key of ENDPOINTS); BadInput names a refused parameter."""
        accepted = ENDPOINTS[endpoint]
        params.only(args, accepted, f"/hsds{endpoint}")
        text = {name: params.one(args, name).strip() for name in accepted}
        ndjson = params.choice(args, "format", FORMATS, "json") == "ndjson"
        default_per_page = max(1, min(default_per_page, MAX_PER_PAGE))
        per_page = cls._whole(args, "per_page", default_per_page, MAX_PER_PAGE, clamp=True)
        requested = params.whole_number_text(text.get("per_page", "")) or None
        minimum_age = cls._whole(args, "minimum_age", None, MAX_AGE, low=0)
        maximum_age = cls._whole(args, "maximum_age", None, MAX_AGE, low=0)
        if minimum_age is not None and maximum_age is not None and minimum_age > maximum_age:
            raise BadInput(
                f'"minimum_age" ({minimum_age}) is more than "maximum_age" ({maximum_age}).',
                "bad_minimum_age",
            )
        day = params.choice(args, "day", list(WEEKDAYS), "")
        minimal = params.choice(args, "minimal", BOOLEANS, "false") == "true"
        full = params.choice(args, "full", BOOLEANS, "false") == "true"
        if minimal and full:
            raise BadInput(
                '"minimal" and "full" ask for different shapes of a service; give one.',
                "bad_minimal",
            )
        if text.get("proximity") and not text.get("postcode"):
            raise BadInput(
                '"proximity" is measured from a postcode: add "postcode" (a ZIP code).',
                "bad_proximity",
            )
        return cls(
            page=cls._whole(args, "page", 1, params.MAX_PAGE) or 1,
            per_page=per_page or default_per_page,
            per_page_requested=requested if requested and requested > MAX_PER_PAGE else None,
            is_paged=not ndjson or bool(text.get("page") or text.get("per_page")),
            ndjson=ndjson,
            search=text.get("search", ""),
            taxonomy_term_id=text.get("taxonomy_term_id", ""),
            taxonomy_id=text.get("taxonomy_id", ""),
            organization_id=text.get("organization_id", ""),
            parent_id=text.get("parent_id", ""),
            postcode=text.get("postcode", ""),
            proximity_m=_meters(text["proximity"]) if text.get("proximity") else None,
            modified_after=params.date_time(args, "modified_after"),
            minimum_age=minimum_age,
            maximum_age=maximum_age,
            day=WEEKDAYS[day] if day else None,
            start_time=params.time_of_day(args, "start_time"),
            minimal=minimal,
            full=full,
            full_service=params.choice(args, "full_service", BOOLEANS, "false") == "true",
            top_only=params.choice(args, "top_only", BOOLEANS, "false") == "true",
        )

    @staticmethod
    def _whole(
        args: Mapping[str, Any],
        name: str,
        default: int | None,
        high: int,
        *,
        low: int = 1,
        clamp: bool = False,
    ) -> int | None:
        if not params.one(args, name).strip():
            return default
        return params.whole_number(
            args, name, 0, minimum=low, maximum=high, clamp=clamp, exact_name=True
        )

    def window(self, items: list) -> list:
        """The items on the asked-for page (all of them for unpaged NDJSON)."""
        if not self.is_paged:
            return items
        start = (self.page - 1) * self.per_page
        return items[start : start + self.per_page]

    def page_object(self, contents: Iterable[dict], total: int) -> dict:
        """The HSDS paging wrapper around one page of contents, with the page size used."""
        contents = list(contents)
        pages = math.ceil(total / self.per_page)
        out: dict[str, Any] = {
            "total_items": total,
            "total_pages": pages,
            "page_number": self.page,
            "size": len(contents),
            "first_page": self.page == 1,
            "last_page": self.page >= pages,
            "empty": not contents,
            "per_page": self.per_page,
        }
        if self.per_page_requested is not None:
            out["per_page_requested"] = self.per_page_requested
            out["notice"] = (
                f"per_page {self.per_page_requested} is over the maximum of {MAX_PER_PAGE}; "
                f"pages hold {self.per_page} items."
            )
        out["contents"] = contents
        return out


def _meters(text: str) -> float:
    try:
        meters = float(text)
    except ValueError:
        meters = math.nan
    if not math.isfinite(meters) or meters <= 0:
        raise BadInput(
            f'"proximity" is a distance in meters, such as 5000; got "{text[:20]}".',
            "bad_proximity",
        )
    return meters


# -- which services pass ----------------------------------------------------------------------


def filter_services(view: HsdsView, rows: list[Row], query: HsdsQuery) -> list[Row]:
    """Service rows passing the query's taxonomy, organization, date, age and opening filters
    (text search and places are the web layer's, which owns the search index and the atlas)."""
    if query.taxonomy_term_id or query.taxonomy_id:
        linked = services_with_terms(view, query.taxonomy_term_id, query.taxonomy_id)
        rows = [row for row in rows if row["id"] in linked]
    if query.organization_id:
        rows = [row for row in rows if row.get("organization_id") == query.organization_id]
    if query.modified_after is not None:
        after = query.modified_after
        rows = [row for row in rows if modified_on_or_after(view, row["id"], after)]
    if query.minimum_age is not None or query.maximum_age is not None:
        rows = [row for row in rows if serves_ages(row, query.minimum_age, query.maximum_age)]
    if query.day is not None or query.start_time is not None:
        day, at, today = query.day, query.start_time, date.today()
        rows = [row for row in rows if is_open(view, row["id"], day, at, today)]
    return rows


def services_with_terms(view: HsdsView, term_id: str, taxonomy_id: str) -> set[str]:
    """Ids of services with an attribute of this term, or of any term in this taxonomy."""
    terms = view.by_id.get("taxonomy_term", {})
    linked = set()
    for attribute in view.tables.get("attribute", ()):
        if attribute.get("link_entity") != "service":
            continue
        term = terms.get(attribute.get("taxonomy_term_id") or "")
        if term is None:
            continue
        if term_id and term["id"] != term_id:
            continue
        if taxonomy_id and term.get("taxonomy_id") != taxonomy_id:
            continue
        linked.add(attribute["link_id"])
    return linked


def modified_on_or_after(view: HsdsView, service_id: str, when: datetime) -> bool:
    """A date-only value (a verification day) counts as the whole day: no change is missed."""
    value = view.modified.get(service_id)
    if value is None:
        return False
    if isinstance(value, datetime):
        return value >= when
    return value >= when.date()  # `when` is in UTC (params.date_time)


def serves_ages(row: Row, low: int | None, high: int | None) -> bool:
    """The service's age range overlaps [low, high]; an open-ended range reaches any age."""
    service_min = _number(row.get("minimum_age"))
    service_max = _number(row.get("maximum_age"))
    if low is not None and service_max is not None and service_max < low:
        return False
    return not (high is not None and service_min is not None and service_min > high)


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def is_open(
    view: HsdsView, service_id: str, day: str | None, at: time | None, today: date | None = None
) -> bool:
    """A schedule of the service (or of its service at locations, or their locations), in
    force `today`, is open on `day` (an iCal code; a monthly 2MO counts as Monday) and at
    wall-clock time `at`; with neither, any schedule in force will do."""
    today = today or date.today()
    rows = service_schedules(view, service_id)
    return any(schedule_is_open(row, day, at, today) for row in rows)


def service_schedules(view: HsdsView, service_id: str) -> list[Row]:
    schedules = list(view.children("schedule", "service_id", service_id))
    for link in view.children("service_at_location", "service_id", service_id):
        schedules += view.children("schedule", "service_at_location_id", link["id"])
        if link.get("location_id"):
            schedules += view.children("schedule", "location_id", link["location_id"])
    return schedules


def schedule_is_open(row: Row, day: str | None, at: time | None, today: date) -> bool:
    """One schedule row is in force today and open on `day` at `at` (either may be None)."""
    ended = _day(row.get("valid_to"))
    if ended is not None and ended < today:
        return False  # a schedule that has ended says nothing about opening now
    if day is not None:
        freq = str(row.get("freq") or "").upper()
        days = {part.strip().upper()[-2:] for part in str(row.get("byday") or "").split(",")}
        if day not in days and not (freq == "DAILY" and not row.get("byday")):
            return False
    if at is None:
        return True
    opens, closes = _clock(row.get("opens_at")), _clock(row.get("closes_at"))
    if opens is None or closes is None:
        return False
    if opens <= closes:
        return opens <= at < closes
    return at >= opens or at < closes  # open overnight


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None


def _clock(value: Any) -> time | None:
    """'09:00', '09:00:00', '09:00-05:00' or '09:00Z' -> 09:00 (wall-clock; offset dropped)."""
    text = str(value or "").strip()
    if len(text) < 5 or text[2] != ":":
        return None
    hours, minutes = params.whole_number_text(text[:2]), params.whole_number_text(text[3:5])
    if hours is None or minutes is None or hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


def words_match(row: Row, words: str, columns: Iterable[str]) -> bool:
    """Every word of `words` appears (case-insensitively) in one of the row's `columns`."""
    text = " ".join(str(row.get(column) or "") for column in columns).casefold()
    return all(word in text for word in words.casefold().split())
