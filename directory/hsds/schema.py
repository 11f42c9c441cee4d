"""HSDS 3.0 tables, their columns and the one nesting map, shared by export, import and the API.

No Flask here, and nothing from ../shared: the table layout below is part of the product.
"""

from __future__ import annotations

import uuid
from typing import Any

HSDS_VERSION = "3.0"
SPEC_URL = "https://docs.openreferral.org/en/latest/hsds/"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"

# The HSDS 3.0 data package: table -> (file, columns), in the datapackage's order.
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "organization": (
        "organizations.csv",
        (
            "id",
            "name",
            "alternate_name",
            "description",
            "email",
            "website",
            "tax_status",
            "tax_id",
            "year_incorporated",
            "legal_status",
            "logo",
            "uri",
            "parent_organization_id",
        ),
    ),
    "program": ("programs.csv", ("id", "organization_id", "name", "alternate_name", "description")),
    "service": (
        "services.csv",
        (
            "id",
            "organization_id",
            "program_id",
            "name",
            "alternate_name",
            "description",
            "url",
            "email",
            "status",
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
            "last_modified",
        ),
    ),
    "attribute": (
        "attributes.csv",
        ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"),
    ),
    "service_at_location": (
        "service_at_location.csv",
        ("id", "service_id", "location_id", "description"),
    ),
    "location": (
        "locations.csv",
        (
            "id",
            "location_type",
            "url",
            "organization_id",
            "name",
            "alternate_name",
            "description",
            "transportation",
            "latitude",
            "longitude",
            "external_identifier",
            "external_identifier_type",
        ),
    ),
    "phone": (
        "phones.csv",
        (
            "id",
            "location_id",
            "service_id",
            "organization_id",
            "contact_id",
            "service_at_location_id",
            "number",
            "extension",
            "type",
            "description",
        ),
    ),
    "contact": (
        "contacts.csv",
        (
            "id",
            "organization_id",
            "service_id",
            "service_at_location_id",
            "location_id",
            "name",
            "title",
            "department",
            "email",
        ),
    ),
    "address": (
        "addresses.csv",
        (
            "id",
            "location_id",
            "attention",
            "address_1",
            "address_2",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ),
    ),
    "schedule": (
        "schedules.csv",
        (
            "id",
            "service_id",
            "location_id",
            "service_at_location_id",
            "valid_from",
            "valid_to",
            "dtstart",
            "timezone",
            "until",
            "count",
            "wkst",
            "freq",
            "interval",
            "byday",
            "byweekno",
            "bymonthday",
            "byyearday",
            "description",
            "opens_at",
            "closes_at",
            "schedule_link",
            "attending_type",
            "notes",
        ),
    ),
    "funding": ("funding.csv", ("id", "organization_id", "service_id", "source")),
    "service_area": (
        "service_areas.csv",
        ("id", "service_id", "name", "description", "extent", "extent_type", "uri"),
    ),
    "required_document": ("required_documents.csv", ("id", "service_id", "document", "uri")),
    "language": (
        "languages.csv",
        ("id", "service_id", "location_id", "phone_id", "name", "code", "note"),
    ),
    "accessibility": ("accessibility.csv", ("id", "location_id", "description", "details", "url")),
    "taxonomy_term": (
        "taxonomy_terms.csv",
        (
            "id",
            "code",
            "name",
            "description",
            "parent_id",
            "taxonomy",
            "language",
            "taxonomy_id",
            "term_uri",
        ),
    ),
    "metadata": (
        "metadata.csv",
        (
            "id",
            "resource_id",
            "resource_type",
            "last_action_date",
            "last_action_type",
            "field_name",
            "previous_value",
            "replacement_value",
            "updated_by",
        ),
    ),
    "meta_table_description": (
        "meta_table_descriptions.csv",
        ("id", "name", "language", "character_set"),
    ),
    "cost_option": (
        "cost_options.csv",
        (
            "id",
            "service_id",
            "valid_from",
            "valid_to",
            "option",
            "currency",
            "amount",
            "amount_description",
        ),
    ),
    "organization_identifier": (
        "organization_identifiers.csv",
        ("id", "organization_id", "identifier_scheme", "identifier_type", "identifier"),
    ),
    "taxonomy": ("taxonomies.csv", ("id", "name", "description", "uri", "version")),
}
# HSDS 3.1 tables the 3.0 package lacks: table -> (file, columns). Read by the import, kept
# in a data folder's hsds/ and written to the CSV export (with a datapackage resource each),
# but not in the JSON, whose strict 3.0 schemas allow no keys they don't name.
V31_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "url": ("urls.csv", ("id", "label", "url", "organization_id", "service_id")),
    "unit": ("units.csv", ("id", "name", "scheme", "identifier", "uri")),
    "service_capacity": (
        "service_capacities.csv",
        ("id", "service_id", "unit_id", "available", "maximum", "description", "updated"),
    ),
}
# The CSV package we write and keep: the 3.0 tables, then the 3.1 ones.
PACKAGE_TABLES: dict[str, tuple[str, tuple[str, ...]]] = TABLES | V31_TABLES
# Columns whose values are numbers in JSON (strings in CSV); everything else is text.
NUMBER_FIELDS: dict[str, frozenset[str]] = {
    "organization": frozenset({"year_incorporated"}),
    "service": frozenset({"minimum_age", "maximum_age"}),
    "location": frozenset({"latitude", "longitude"}),
    "phone": frozenset({"extension"}),
    "schedule": frozenset({"timezone", "count", "interval"}),
    "cost_option": frozenset({"amount"}),
    "service_capacity": frozenset({"available", "maximum"}),
}
# Fields the schemas require: kept (as "") in JSON even when we have no value.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "organization": ("id", "name", "description"),
    "service": ("id", "name", "status"),
    "address": (
        "id",
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ),
    "location": ("id", "location_type"),
    "phone": ("id", "number"),
    "taxonomy": ("id", "name", "description"),
    "taxonomy_term": ("id", "name", "description"),
    "metadata": (
        "id",
        "last_action_date",
        "last_action_type",
        "field_name",
        "previous_value",
        "replacement_value",
        "updated_by",
    ),
}
JSON_FILE = "hsds.json"  # the whole dataset, one array per table (HSDS compiled/tabular.json)
SERVICES_FILE = "services.json"  # fully nested services, as /hsds/services/{id} answers

# uuid5 namespace for every id we mint; never change it, or every exported id changes.
ID_NAMESPACE = uuid.UUID("5b0c3f0e-8f4a-4b8e-9a57-3d6f2c1e7a90")


def hsds_id(kind: str, *parts: str) -> str:
    """A stable UUID for one of our records in one HSDS table: same input, same id."""
    return str(uuid.uuid5(ID_NAMESPACE, ":".join((kind, *parts))))


Row = dict[str, Any]
Tables = dict[str, list[Row]]


def empty_tables() -> Tables:
    """One empty list per table of the package we keep (3.0 and 3.1 tables)."""
    return {table: [] for table in PACKAGE_TABLES}


def json_row(table: str, row: Row) -> Row:
    """A row as HSDS JSON: absent values left out, required ones kept, numbers as numbers."""
    required = REQUIRED_FIELDS.get(table, ("id",))
    numbers = NUMBER_FIELDS.get(table, frozenset())
    out: Row = {}
    for column in TABLES[table][1]:
        value = row.get(column)
        if value is None or value == "":
            if column in required:
                out[column] = ""
            continue
        out[column] = value if column in numbers else str(value)
    return out


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- nesting, for the API and services.json -------------------------------------------------

# Child lists of a nested object: (key, child table, foreign-key column). Attributes and
# metadata link by link_id / resource_id instead and are added for every object.
CHILDREN: dict[str, tuple[tuple[str, str, str], ...]] = {
    "service": (
        ("phones", "phone", "service_id"),
        ("schedules", "schedule", "service_id"),
        ("service_areas", "service_area", "service_id"),
        ("service_at_locations", "service_at_location", "service_id"),
        ("languages", "language", "service_id"),
        ("funding", "funding", "service_id"),
        ("cost_options", "cost_option", "service_id"),
        ("required_documents", "required_document", "service_id"),
        ("contacts", "contact", "service_id"),
    ),
    "service_at_location": (
        ("contacts", "contact", "service_at_location_id"),
        ("phones", "phone", "service_at_location_id"),
        ("schedules", "schedule", "service_at_location_id"),
    ),
    "location": (
        ("languages", "language", "location_id"),
        ("addresses", "address", "location_id"),
        ("contacts", "contact", "location_id"),
        ("accessibility", "accessibility", "location_id"),
        ("phones", "phone", "location_id"),
        ("schedules", "schedule", "location_id"),
    ),
    "organization": (
        ("funding", "funding", "organization_id"),
        ("contacts", "contact", "organization_id"),
        ("phones", "phone", "organization_id"),
        ("programs", "program", "organization_id"),
        ("organization_identifiers", "organization_identifier", "organization_id"),
    ),
    "contact": (("phones", "phone", "contact_id"),),
    "phone": (("languages", "language", "phone_id"),),
}
# Tables whose attributes we nest; taxonomy terms and taxonomies have none in the JSON schema.
NO_ATTRIBUTES = frozenset({"taxonomy", "taxonomy_term", "metadata", "attribute"})


# Which table a foreign-key column points at.
LINKS = {
    "organization_id": "organization",
    "service_id": "service",
    "location_id": "location",
    "program_id": "program",
    "contact_id": "contact",
    "phone_id": "phone",
    "service_at_location_id": "service_at_location",
    "taxonomy_term_id": "taxonomy_term",
    "taxonomy_id": "taxonomy",
    "parent_organization_id": "organization",
    "unit_id": "unit",
}
# Nested keys of HSDS JSON objects: key -> child table.
# Nested keys of HSDS JSON objects -> child table: every child list of CHILDREN, plus the
# one-to-one objects and the lists the JSON schemas nest elsewhere (attributes, metadata).
NESTED: dict[str, str] = {key: child for kids in CHILDREN.values() for key, child, _ in kids} | {
    "fundings": "funding",
    "attributes": "attribute",
    "metadata": "metadata",
    "locations": "location",
    "services": "service",
    "organization": "organization",
    "program": "program",
    "location": "location",
    "service": "service",
    "taxonomy_term": "taxonomy_term",
    "taxonomy_detail": "taxonomy",
}
# Names a JSON file or tabular key may use for a table: "services", "services.csv", "service".
TABLE_NAMES = (
    {name: name for name in TABLES}
    | {filename[: -len(".csv")]: table for table, (filename, _) in TABLES.items()}
    | {filename: table for table, (filename, _) in TABLES.items()}
    | {
        "service_at_locations": "service_at_location",
        "taxonomy_terms": "taxonomy_term",
    }
)
