"""Which HSDS table a record belongs to, by its name or its shape, and older names -> 3.0.

Three jobs, all tables of facts written once:

- `table_for_name`: a file name, folder name or JSON key ("physical_addresses.csv",
  "services", "organization_<id>") -> the table it names, HSDS 1.x/2.0 names included.
- `table_for_shape`: an object's keys -> its table, from each table's HSDS 3.0 required
  fields (`REQUIRED`, checked against the published schemas by the tests) and the fields
  only that table has (`DISTINCTIVE`).
- `to_v30`: a record read under an HSDS 1.x/2.0 table or field name -> the 3.0 table and
  values. The renames were written from the HSDS changelog as remembered (1.x physical and
  postal addresses, regular and holiday schedules, services_at_location, eligibility,
  service_taxonomy, organization url -> website...), not checked line by line against it.

HSDS 3.1 adds three tables (`url`, `unit`, `service_capacity`, `schema.V31_TABLES`); they are
read and kept (in the data folder's hsds/ and the CSV export, not the strict-3.0 JSON).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..schema import NESTED, PACKAGE_TABLES, TABLES, V31_TABLES

# Ties between equally good tables go to these, in this order.
CORE_ORDER = ("organization", "service", "location", "service_at_location")
# HSDS 3.1 columns on 3.0 tables.
V31_COLUMNS: dict[str, frozenset[str]] = {"attribute": frozenset({"label"})}

# Tables of HSDS 1.x/2.0 that became something else in 3.0: old name -> 3.0 table.
LEGACY_TABLES: dict[str, str] = {
    "physical_address": "address",
    "postal_address": "address",
    "services_at_location": "service_at_location",
    "regular_schedule": "schedule",
    "holiday_schedule": "schedule",
    "service_taxonomy": "attribute",
    "accessibility_for_disabilities": "accessibility",
    "taxonomy_1x": "taxonomy_term",  # 1.x taxonomy.csv held terms (vocabulary, parent_id)
}
# 1.x child tables that became a field of their parent in 3.0:
# table -> (parent table, link column, value column, parent column).
FOLDED: dict[str, tuple[str, str, str, str]] = {
    "eligibility": ("service", "service_id", "eligibility", "eligibility_description"),
}
# Other columns of a folded row -> the parent's column, filled when the parent has none
# (Open Referral UK's eligibilitys carry minimum_age and maximum_age).
FOLDED_COLUMNS: dict[str, dict[str, str]] = {
    "eligibility": {"minimum_age": "minimum_age", "maximum_age": "maximum_age"},
}
# Per legacy table: old column -> 3.0 column.
LEGACY_COLUMNS: dict[str, dict[str, str]] = {
    "organization": {"url": "website"},
    "language": {"language": "name"},
    "service_area": {"service_area": "name"},
    "accessibility_for_disabilities": {"accessibility": "description"},
    "holiday_schedule": {"start_date": "valid_from", "end_date": "valid_to"},
    "taxonomy_1x": {"vocabulary": "taxonomy"},
    "taxonomy_term": {"vocabulary": "taxonomy", "term": "name"},
    "service_taxonomy": {
        "service_id": "link_id",
        "taxonomy_id": "taxonomy_term_id",
        "taxonomy_detail": "value",
    },
}
# Values a legacy table implies in 3.0.
LEGACY_VALUES: dict[str, dict[str, str]] = {
    "physical_address": {"address_type": "physical"},
    "postal_address": {"address_type": "postal"},
    "service_taxonomy": {"link_entity": "service", "link_type": "service_taxonomy"},
}
# Nested JSON keys of 1.x/2.0 and 3.1 objects -> the table they hold (legacy names allowed).
EXTRA_NESTED: dict[str, str] = {
    "physical_address": "physical_address",
    "physical_addresses": "physical_address",
    "postal_address": "postal_address",
    "postal_addresses": "postal_address",
    "regular_schedule": "regular_schedule",
    "regular_schedules": "regular_schedule",
    "holiday_schedule": "holiday_schedule",
    "holiday_schedules": "holiday_schedule",
    "services_at_location": "services_at_location",
    "service_area": "service_area",
    "eligibility": "eligibility",
    "eligibilitys": "eligibility",  # Open Referral UK's plurals
    "service_taxonomy": "service_taxonomy",
    "service_taxonomys": "service_taxonomy",
    "taxonomy": "taxonomy_1x",  # a 1.x / Open Referral UK term, under service_taxonomy
    "accessibility_for_disabilities": "accessibility_for_disabilities",
    "capacities": "service_capacity",
    "unit": "unit",
    "additional_websites": "url",
}
NESTED_KEYS: dict[str, str] = NESTED | EXTRA_NESTED

# Each table's required fields in HSDS 3.0 (the schemas' "required" lists).
REQUIRED: dict[str, frozenset[str]] = {table: frozenset({"id"}) for table in TABLES} | {
    "organization": frozenset({"id", "name", "description"}),
    "program": frozenset({"id", "name", "description"}),
    "service": frozenset({"id", "name", "status"}),
    "location": frozenset({"id", "location_type"}),
    "address": frozenset(
        {"id", "address_1", "city", "state_province", "postal_code", "country", "address_type"}
    ),
    "phone": frozenset({"id", "number"}),
    "taxonomy": frozenset({"id", "name", "description"}),
    "taxonomy_term": frozenset({"id", "name", "description"}),
    "organization_identifier": frozenset({"id", "identifier_type", "identifier"}),
    "metadata": frozenset(
        {
            "id",
            "last_action_date",
            "last_action_type",
            "field_name",
            "previous_value",
            "replacement_value",
            "updated_by",
        }
    ),
}
# Fields (and nested keys) only one table has: any one of them, with the table's other
# keys, says the table even when a feed leaves out a required field.
DISTINCTIVE: dict[str, frozenset[str]] = {
    "service": frozenset(
        {
            "status",
            "program_id",
            "interpretation_services",
            "application_process",
            "fees_description",
            "wait_time",
            "fees",
            "accreditations",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "assured_date",
            "assurer_email",
            "licenses",
            "alert",
            "service_areas",
            "service_at_locations",
            "cost_options",
            "required_documents",
            "capacities",
        }
    ),
    "organization": frozenset(
        {
            "website",
            "tax_status",
            "tax_id",
            "year_incorporated",
            "legal_status",
            "logo",
            "parent_organization_id",
            "programs",
            "organization_identifiers",
            "additional_websites",
        }
    ),
    "service_at_location": frozenset({"service", "location"}),
    "location": frozenset(
        {
            "location_type",
            "latitude",
            "longitude",
            "transportation",
            "external_identifier",
            "addresses",
            "accessibility",
            "physical_address",
            "postal_address",
        }
    ),
    "address": frozenset({"address_1", "address_2", "postal_code", "state_province", "attention"}),
    "phone": frozenset({"number", "extension"}),
    "schedule": frozenset(
        {"freq", "byday", "dtstart", "opens_at", "closes_at", "wkst", "rrule", "weekday"}
    ),
    "taxonomy_term": frozenset({"code", "term_uri", "taxonomy_id", "taxonomy_detail", "parent_id"}),
    "taxonomy": frozenset({"version"}),
    "attribute": frozenset({"link_id", "link_entity", "link_type", "taxonomy_term"}),
    "metadata": frozenset({"last_action_type", "field_name", "replacement_value"}),
    "cost_option": frozenset({"option", "currency", "amount"}),
    "organization_identifier": frozenset({"identifier_scheme", "identifier_type"}),
    "required_document": frozenset({"document"}),
    "funding": frozenset({"source"}),
    "language": frozenset({"code", "phone_id"}),
    "accessibility": frozenset({"details"}),
    "meta_table_description": frozenset({"character_set"}),
    "contact": frozenset({"title", "department"}),
    "service_area": frozenset({"extent", "extent_type"}),
    "url": frozenset({"label"}),
    "unit": frozenset({"scheme", "identifier"}),
    "service_capacity": frozenset({"unit_id", "available", "maximum", "unit", "updated"}),
}


def columns(table: str) -> tuple[str, ...]:
    """The columns of a 3.0 table (or a 3.1 one); () for anything else."""
    if table in TABLES:
        return TABLES[table][1]
    return V31_TABLES.get(table, ("", ()))[1]


def is_kept(table: str) -> bool:
    """Whether the package we keep holds this table (the 3.0 tables and the 3.1 ones)."""
    return table in PACKAGE_TABLES


# Names a file, folder or key may use for a table: "services", "services.csv", "service",
# "services_full", "organization_<id>"; legacy and 3.1 names too.
_NAMES: dict[str, str] = {}
for _table, (_file, _) in {**TABLES, **V31_TABLES}.items():
    _NAMES[_table] = _table
    _NAMES[_file[: -len(".csv")]] = _table
for _old in (*LEGACY_TABLES, *FOLDED):
    _NAMES[_old] = _old
    _NAMES[_old + ("es" if _old.endswith("s") else "s")] = _old
_NAMES |= {
    "service_at_locations": "service_at_location",
    "services_at_locations": "services_at_location",
    "taxonomy_terms": "taxonomy_term",
    "eligibilities": "eligibility",
    "service_taxonomies": "service_taxonomy",
    "capacities": "service_capacity",
    "service_capacity": "service_capacity",
    "addresses": "address",
    "taxonomies": "taxonomy",
}


def table_for_name(name: str, *, loose: bool = True) -> str | None:
    """'services.csv', 'service_full', 'organizations', 'organization_12' -> the table named.

    `loose` also reads a name's first word ("organization_<id>.json"): right for a JSON
    file, whose content has the last word; a CSV file's name must name its table exactly.
    """
    stem = name.lower()
    for suffix in (".csv", ".json", ".ndjson", ".jsonl"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    for suffix in ("_full", "_list"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    if stem in _NAMES:
        return _NAMES[stem]
    if not loose:
        return None
    head = re.split(r"[_\-.]", stem, maxsplit=1)[0]  # "organization_1234" -> "organization"
    return _NAMES.get(head) if head != stem else None


def table_for_shape(obj: Mapping[str, Any], hint: str | None = None) -> str | None:
    """The table an object belongs to by its keys; the hint (a name's table) breaks ties.

    The hint wins when every key of the object is one its table has. Otherwise a table is
    a candidate when the object has every field it requires or a field only it has, and
    scores one per key it knows, two more per key only it has, three less per key it
    does not know; the best unique score says the table. A tie goes to the hint when its
    table is a candidate, else to a core table (`CORE_ORDER`), else to the one table whose
    columns the object fills more than half of, else to none: the object is reported.
    """
    keys = {key for key, value in obj.items() if value not in (None, "", [], {})}
    if hint and _v30(hint) not in REQUIRED and hint not in V31_TABLES and hint not in FOLDED:
        hint = None
    if hint and keys <= known_keys(hint):
        return hint
    best: list[tuple[int, str]] = []
    for table in (*REQUIRED, *V31_TABLES):
        own = DISTINCTIVE.get(table, frozenset())
        required = REQUIRED.get(table, frozenset({"id"}))
        if not (required <= keys or keys & own):
            continue
        known = known_keys(table)
        score = (
            len(keys & known)
            + 2 * len(keys & own)
            - 3 * len(keys - known)
            + (1 if required <= keys else 0)
        )
        best.append((score, table))
    if not best:
        return hint
    best.sort(reverse=True)
    top = [table for score, table in best if score == best[0][0]]
    if hint and _v30(hint) in top:
        return hint
    if len(top) == 1 and best[0][0] > 0:
        return top[0]
    if hint and _v30(hint) in {table for _, table in best}:
        return hint  # a tie the name settles
    if best[0][0] <= 0:
        return None
    core = [table for table in CORE_ORDER if table in top]
    if core:
        return core[0]  # {id, name, description}: an organization before a program
    fit = sorted((len(keys & set(columns(t))) / len(columns(t) or "x"), t) for t in top)
    if fit[-1][0] > 0.5 and (len(fit) == 1 or fit[-2][0] < fit[-1][0]):
        return fit[-1][1]  # the one table the object fills more than half of
    return None


def known_keys(table: str) -> frozenset[str]:
    """Every key a record of this table (3.0, 3.1 or legacy name) may carry."""
    found = _KNOWN.get(table)
    if found is None:
        v30 = _v30(table)
        base = (
            (*FOLDED[table][1:3], *FOLDED_COLUMNS.get(table, {}))
            if table in FOLDED
            else columns(v30)
        )
        found = frozenset(
            {*base, *V31_COLUMNS.get(v30, ()), "attributes", "metadata"}
            | {key for key in NESTED_KEYS if _parent(key, v30)}
            | set(LEGACY_COLUMNS.get(table, {}))
            | set(LEGACY_COLUMNS.get(v30, {}))
            | ({"weekday"} if table == "regular_schedule" else set())
            | ({"closed", "start_date", "end_date"} if table == "holiday_schedule" else set())
            | ({"parent_name", "vocabulary"} if table == "taxonomy_1x" else set())
        )
        _KNOWN[table] = found
    return found


_KNOWN: dict[str, frozenset[str]] = {}


def value_keys(table: str) -> frozenset[str]:
    """Keys that hold a single value in a record of this (legacy) table though a 3.0 object
    nests a list under the same name: 1.x `service_area.service_area`,
    `eligibility.eligibility`; and 1.x holiday_schedule's true/false `closed`."""
    return _VALUE_KEYS.get(table, frozenset())


_VALUE_KEYS: dict[str, frozenset[str]] = {
    "service_area": frozenset({"service_area"}),
    "eligibility": frozenset({"eligibility"}),
    "holiday_schedule": frozenset({"closed"}),
    "accessibility_for_disabilities": frozenset({"accessibility"}),
}


def _v30(table: str) -> str:
    return LEGACY_TABLES.get(table, table)


def _parent(key: str, table: str) -> bool:
    """Whether the nested key is one a record of `table` holds (by the product's nesting,
    or, for a 1.x/3.1 key, when the child's table links to `table` by `<table>_id`)."""
    from ..schema import CHILDREN

    if any(kid[0] == key for kid in CHILDREN.get(table, ())):
        return True
    if key in EXTRA_NESTED and key != "unit":
        child = EXTRA_NESTED[key]
        if child in FOLDED:
            return FOLDED[child][0] == table
        if child == "service_taxonomy":
            return table == "service"
        if child == "taxonomy_1x":
            return table == "attribute"
        return f"{table}_id" in columns(_v30(child))
    return (table, key) in {
        ("service", "organization"),
        ("service", "program"),
        ("service", "capacities"),
        ("service_at_location", "service"),
        ("service_at_location", "location"),
        ("organization", "services"),
        ("organization", "locations"),
        ("organization", "additional_websites"),
        ("location", "physical_address"),
        ("location", "postal_address"),
        ("attribute", "taxonomy_term"),
        ("taxonomy_term", "taxonomy_detail"),
        ("service_capacity", "unit"),
    }


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def to_v30(table: str, values: dict[str, Any]) -> tuple[str, dict[str, Any], list[str]]:
    """A record read under a 1.x/2.0 (or 3.0) table -> its 3.0 table, values, and notes.

    Notes say what was read differently ("weekday 1 read as MO (ISO 8601, 1 = Monday)").
    """
    notes: list[str] = []
    renames = LEGACY_COLUMNS.get(table, {})
    out: dict[str, Any] = {}
    for key, value in values.items():
        new = renames.get(key, key)
        if new in out and out[new] not in (None, ""):
            if value not in (None, ""):
                notes.append(f"{key} and {new} both given; {new} kept")
            continue
        out[new] = value
    for key, value in LEGACY_VALUES.get(table, {}).items():
        out.setdefault(key, value)
    if table == "regular_schedule" and out.get("weekday") not in (None, ""):
        weekday = out.pop("weekday")
        day = _weekday(weekday)
        if day is None:
            notes.append(f'weekday "{weekday}" is not a day name or 1..7; kept in notes')
            out["notes"] = "; ".join(
                t for t in (str(out.get("notes") or ""), f"weekday {weekday}") if t
            )
        else:
            out.setdefault("byday", day[0])
            out.setdefault("freq", "WEEKLY")
            if day[1]:
                notes.append(day[1])
    if table == "holiday_schedule" and "closed" in out:
        closed = str(out.pop("closed")).strip().lower() in ("true", "1", "yes", "y", "t")
        if closed:
            out["description"] = "; ".join(
                text for text in ("Closed", str(out.get("description") or "")) if text
            )
    if table == "taxonomy_1x":
        out.pop("parent_name", None)  # the parent record's own name, read from the parent
    return _v30(table), out, notes


def _weekday(value: Any) -> tuple[str, str] | None:
    """A 1.x weekday ("Monday", "mon", 1) -> (RRULE day, a note when read from a number)."""
    text = str(value).strip().lower()
    if text.isascii() and text.isdigit() and 1 <= int(text) <= 7:
        code = WEEKDAYS[int(text) - 1]
        return code, f"weekday {text} read as {code} (ISO 8601, 1 = Monday)"
    for code, name in zip(WEEKDAYS, DAY_NAMES):
        if len(text) >= 2 and name.startswith(text.rstrip(".")):
            return code, ""
    return None
