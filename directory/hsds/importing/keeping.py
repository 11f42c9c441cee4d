"""The feed's own records, kept as HSDS 3.0 rows (ids included) for the data folder's `hsds/`.

What the official 3.0 data package would refuse is checked here, once, and reported:
a number, date, time, web address or email column holding something else is left out (a
loss, so the import exits 2); a value outside a column's list in another case is put in the
spec's case ("Active" -> "active"); a value outside the list, or an id that is not a UUID, is
kept as the feed gave it (ids are forever) and reported, because outside validators flag it.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any

from ..schema import LINKS, NUMBER_FIELDS, PACKAGE_TABLES, Tables, empty_tables
from .report import ImportProblem, Problems, Rec

# Columns the HSDS 3.0 data package types as dates, date-times or times, or formats as
# web addresses or email addresses.
VALUE_KINDS: dict[tuple[str, str], str] = {
    **{
        (table, column): "date"
        for table, column in (
            ("service", "assured_date"),
            ("schedule", "valid_from"),
            ("schedule", "valid_to"),
            ("schedule", "dtstart"),
            ("schedule", "until"),
            ("cost_option", "valid_from"),
            ("cost_option", "valid_to"),
            ("metadata", "last_action_date"),
        )
    },
    ("service", "last_modified"): "date-time",
    ("service_capacity", "updated"): "date-time",
    ("schedule", "opens_at"): "time",
    ("schedule", "closes_at"): "time",
    **{
        (table, column): "web address"
        for table, column in (
            ("organization", "website"),
            ("organization", "uri"),
            ("service", "url"),
            ("location", "url"),
            ("schedule", "schedule_link"),
            ("required_document", "uri"),
            ("accessibility", "url"),
            ("taxonomy_term", "term_uri"),
            ("taxonomy", "uri"),
            ("url", "url"),
            ("unit", "uri"),
        )
    },
    **{
        (table, column): "email address"
        for table, column in (
            ("organization", "email"),
            ("service", "email"),
            ("service", "assurer_email"),
            ("contact", "email"),
        )
    },
}
# The closed lists of the 3.0 data package.
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("service", "status"): ("active", "inactive", "defunct", "temporarily closed"),
    ("location", "location_type"): ("physical", "postal", "virtual"),
    ("address", "address_type"): ("physical", "postal", "virtual"),
    ("schedule", "freq"): ("WEEKLY", "MONTHLY"),
    ("schedule", "wkst"): ("MO", "TU", "WE", "TH", "FR", "SA", "SU"),
}
# Already reported, with the agency they belong to, by the agency conversion.
REPORTED_BY_AGENCIES = frozenset(
    {("service", "minimum_age"), ("service", "maximum_age"), ("service", "assured_date")}
)
CHECKS = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$").match,
    "date-time": re.compile(
        r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
    ).match,
    "time": re.compile(r"^\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?$").match,
    "web address": re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S").match,
    "email address": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$").match,
}


def kept_tables(tables: Mapping[str, list[Rec]], problems: Problems) -> Tables:
    """Every usable record as an HSDS 3.0 row, as the feed wrote it (ids included).

    Left out: services without a name (HSDS requires one; reported as skipped) and links
    to them, attributes and metadata that link to nothing (reported when links were checked),
    and values the 3.0 package cannot hold (reported here).
    """
    nameless = {rec.id for rec in tables.get("service", []) if not rec.text("name")}
    not_uuid: Counter[str] = Counter()
    first: dict[str, Rec] = {}
    kept = empty_tables()
    for table, recs in tables.items():
        if table not in PACKAGE_TABLES:
            continue
        columns = PACKAGE_TABLES[table][1]
        for rec in recs:
            if table == "service" and rec.id in nameless:
                continue
            if table == "attribute" and not (rec.text("link_id") and rec.text("taxonomy_term_id")):
                continue
            if table == "metadata" and not rec.text("resource_id"):
                continue
            row = {column: rec.values.get(column) for column in columns}
            for column in columns:
                if column in LINKS and row[column] in nameless:
                    row[column] = None
                elif row[column] is not None and row[column] != "":
                    row[column] = _checked(rec, column, row[column], problems)
            if not _is_uuid(rec.id):
                not_uuid[table] += 1
                first.setdefault(table, rec)
            kept[table].append(row)
    for table, count in not_uuid.items():
        problems.append(
            ImportProblem(
                file=first[table].file,
                record=first[table].where,
                field=None,  # about the table's ids as a whole, said once
                value=first[table].id,
                reason=f"{count} {table} id{'s are' if count != 1 else ' is'} not a UUID, "
                "as HSDS 3.0 asks (outside validators will flag them)",
                action="kept as the feed gave them, so the records keep their ids",
                table=table,
            )
        )
    return kept


def _checked(rec: Rec, column: str, value: Any, problems: Problems) -> Any:
    """The value if the 3.0 package can hold it, in the spec's case; else None, reported."""
    key = (rec.table, column)
    if key in CHOICES:
        return _choice(rec, column, value, CHOICES[key], problems)
    kind = VALUE_KINDS.get(key) or ("number" if column in NUMBER_FIELDS.get(rec.table, ()) else "")
    if not kind:
        return value
    text = str(value).strip()
    if _is_number(text) if kind == "number" else CHECKS[kind](text):
        return value
    if key not in REPORTED_BY_AGENCIES:
        problems.add(
            rec,
            column,
            text,
            f'"{text}" is not {"an" if kind[0] in "aeiou" else "a"} {kind}',
            "value dropped from the kept tables",
        )
    return None


def _choice(rec: Rec, column: str, value: Any, choices: tuple[str, ...], problems: Problems):
    text = str(value).strip()
    for choice in choices:
        if text.lower() == choice.lower():
            return choice
    problems.add(
        rec,
        column,
        text,
        f'"{text}" is not one of {", ".join(choices)} (outside validators will flag it)',
        "kept as the feed gave it",
    )
    return value


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
