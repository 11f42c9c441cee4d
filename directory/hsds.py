"""Open Referral HSDS 3.0: the directory as HSDS tables, nested HSDS objects and export files.

One conversion, records -> HSDS tables (`hsds_tables`), feeds the CSV export, the JSON export
and the /hsds API, so the three cannot disagree. Our own classifications (kind, coordination
level, age group, need, service area) are published as taxonomies; facts HSDS has no field
for (our record id, source, reconstructed columns, notes, need synonyms, area ZIP codes) are
attributes under a "record keeping" taxonomy, so `directory.hsds_import` can read them back
and export -> import -> export gives the same records.

Ids are UUIDs (the spec's format), derived from our slugs with uuid5, so an export of
unchanged data is byte-for-byte the same and HSDS ids stay stable between exports.
No Flask here, and nothing from ../shared: the table layout below is part of the product.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .records import AgeGroup, Agency, Area, DataSet, Kind, Level, Need

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
# Columns whose values are numbers in JSON (strings in CSV); everything else is text.
NUMBER_FIELDS: dict[str, frozenset[str]] = {
    "organization": frozenset({"year_incorporated"}),
    "service": frozenset({"minimum_age", "maximum_age"}),
    "location": frozenset({"latitude", "longitude"}),
    "phone": frozenset({"extension"}),
    "schedule": frozenset({"timezone", "count", "interval"}),
    "cost_option": frozenset({"amount"}),
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


# -- our taxonomies ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Taxonomy:
    key: str
    name: str
    description: str
    link_type: str  # attribute.link_type for terms of this taxonomy

    @property
    def uri(self) -> str:
        return f"urn:service-directory:taxonomy:{self.key}"

    @property
    def id(self) -> str:
        return hsds_id("taxonomy", self.key)

    def term_id(self, code: str) -> str:
        return hsds_id("taxonomy_term", self.key, code)


KIND = Taxonomy(
    "kind",
    "Kind of support",
    "Formal service-coordination agency, or informal and community support.",
    "kind",
)
LEVEL = Taxonomy(
    "coordination-level",
    "Coordination level",
    "Level of service coordination offered: blended or administrative.",
    "coordination_level",
)
AGE_GROUP = Taxonomy("age-group", "Age group", "Age groups served: adults, children.", "age_group")
NEED = Taxonomy(
    "need",
    "Need",
    "The directory's need vocabulary. Top-level terms are Open Eligibility "
    "categories; each need sits under its category.",
    "need",
)
AREA = Taxonomy(
    "service-area",
    "Service area",
    "The directory's service areas. A term's code is the area id; its parent is "
    "the enclosing area.",
    "service_area",
)
RECORD = Taxonomy(
    "record",
    "Record keeping",
    "Facts about a record that HSDS has no field for: the directory's own id, "
    "where the record came from, which values were reconstructed, notes, need "
    "synonyms and the ZIP codes a service area is made of.",
    "record",
)
TAXONOMIES = (KIND, LEVEL, AGE_GROUP, NEED, AREA, RECORD)
TAXONOMY_BY_URI = {taxonomy.uri: taxonomy for taxonomy in TAXONOMIES}

# Record-keeping terms: code -> (name, description).
RECORD_TERMS = {
    "id": ("Directory id", "The record's id in the service directory (a slug)."),
    "source": ("Source", "Where the record's facts came from."),
    "reconstructed": (
        "Reconstructed column",
        "A column whose value was reconstructed, not taken from the source.",
    ),
    "notes": ("Notes", "Maintainers' notes on the record."),
    "synonym": ("Synonym", "A word people type for this need."),
    "zip-codes": ("ZIP codes", "The ZIP codes a service area is made of, separated by ';'."),
    "straddling-zip-codes": (
        "Straddling ZIP codes",
        "ZIP codes shared with another area, separated by ';'.",
    ),
}
KIND_TERMS = {
    Kind.FORMAL: ("Formal agency", "A formal service-coordination agency."),
    Kind.INFORMAL: (
        "Informal or community support",
        "A peer group, faith community, library, recreation centre or other community support.",
    ),
}
LEVEL_TERMS = {
    Level.BLENDED: (
        "Blended",
        "Intensive service coordination with eligibility criteria, "
        "available around the clock in a crisis.",
    ),
    Level.ADMINISTRATIVE: (
        "Administrative",
        "Occasional help with accessing supports, open to anyone.",
    ),
}
AGE_GROUP_TERMS = {
    AgeGroup.ADULT: ("Adults", "Serves adults."),
    AgeGroup.CHILD: ("Children", "Serves children and youth."),
}
CATEGORY_PREFIX = "open-eligibility:"  # need-taxonomy codes of Open Eligibility categories

# "4400 Forbes Ave, Pittsburgh, PA 15213": the one-line address our records hold.
ADDRESS = re.compile(
    r"^(?P<street>.+?), (?P<city>[^,]+), (?P<state>[A-Z]{2}) (?P<zip>\d{5}(?:-\d{4})?)$"
)

Row = dict[str, Any]
Tables = dict[str, list[Row]]


def empty_tables() -> Tables:
    return {table: [] for table in TABLES}


def hsds_tables(data: DataSet, extents: Mapping[str, str] | None = None) -> Tables:
    """Every record of a data set as HSDS rows, table by table.

    `extents` maps area ids to GeoJSON geometry text (from the atlas); areas without one
    are exported without an extent. Values are None when absent, "" when present but blank.
    """
    extents = extents or {}
    tables = empty_tables()
    _add_taxonomies(tables, data)
    area_names = {area.id: area.name for area in data.areas}
    for area in data.areas:
        _add_area(tables, area, extents.get(area.id))
    need_order = {need.code: i for i, need in enumerate(data.needs)}
    for agency in data.agencies:
        _add_agency(tables, agency, area_names, extents, need_order)
    return tables


def _attribute(
    tables: Tables,
    taxonomy: Taxonomy,
    code: str,
    link_entity: str,
    link_id: str,
    value: str | None = None,
    index: int = 0,
) -> None:
    term_id = taxonomy.term_id(code)
    tables["attribute"].append(
        {
            "id": hsds_id("attribute", link_entity, link_id, term_id, str(index)),
            "link_id": link_id,
            "taxonomy_term_id": term_id,
            "link_type": taxonomy.link_type,
            "link_entity": link_entity,
            "value": value,
        }
    )


def _term(
    tables: Tables,
    taxonomy: Taxonomy,
    code: str,
    name: str,
    description: str,
    parent_code: str | None = None,
) -> None:
    tables["taxonomy_term"].append(
        {
            "id": taxonomy.term_id(code),
            "code": code,
            "name": name,
            "description": description,
            "parent_id": taxonomy.term_id(parent_code) if parent_code else None,
            "taxonomy": taxonomy.name,
            "language": "en",
            "taxonomy_id": taxonomy.id,
            "term_uri": None,
        }
    )


def _add_taxonomies(tables: Tables, data: DataSet) -> None:
    for taxonomy in TAXONOMIES:
        tables["taxonomy"].append(
            {
                "id": taxonomy.id,
                "name": taxonomy.name,
                "description": taxonomy.description,
                "uri": taxonomy.uri,
                "version": "1",
            }
        )
    for kind, (name, description) in KIND_TERMS.items():
        _term(tables, KIND, kind.value, name, description)
    for level, (name, description) in LEVEL_TERMS.items():
        _term(tables, LEVEL, level.value, name, description)
    for group, (name, description) in AGE_GROUP_TERMS.items():
        _term(tables, AGE_GROUP, group.value, name, description)
    categories = list(
        dict.fromkeys(need.open_eligibility for need in data.needs if need.open_eligibility)
    )
    for category in categories:
        _term(
            tables,
            NEED,
            CATEGORY_PREFIX + category,
            category,
            f"Open Eligibility top-level category: {category}.",
        )
    for need in data.needs:
        _add_need(tables, need)
    for area in data.areas:
        _term(tables, AREA, area.id, area.name, area.notes, area.parent)
    for code, (name, description) in RECORD_TERMS.items():
        _term(tables, RECORD, code, name, description)


def _add_need(tables: Tables, need: Need) -> None:
    parent = CATEGORY_PREFIX + need.open_eligibility if need.open_eligibility else None
    _term(tables, NEED, need.code, need.label, need.description, parent)
    term_id = NEED.term_id(need.code)
    for index, synonym in enumerate(need.synonyms):
        _attribute(tables, RECORD, "synonym", "taxonomy_term", term_id, synonym, index)


def _add_area(tables: Tables, area: Area, extent: str | None) -> None:
    """The area's own definition: a service_area with no service, carrying ZIPs and source."""
    row_id = hsds_id("area", area.id)
    tables["service_area"].append(
        {
            "id": row_id,
            "service_id": None,
            "name": area.name,
            "description": area.notes,
            "extent": extent,
            "extent_type": "geojson" if extent else None,
            "uri": None,
        }
    )
    _attribute(tables, AREA, area.id, "service_area", row_id)
    _attribute(tables, RECORD, "zip-codes", "service_area", row_id, ";".join(area.zips))
    if area.straddling_zips:
        _attribute(
            tables,
            RECORD,
            "straddling-zip-codes",
            "service_area",
            row_id,
            ";".join(area.straddling_zips),
        )
    if area.source:
        _attribute(tables, RECORD, "source", "service_area", row_id, area.source)


def _add_agency(
    tables: Tables,
    agency: Agency,
    area_names: Mapping[str, str],
    extents: Mapping[str, str],
    need_order: Mapping[str, int],
) -> None:
    service_id = hsds_id("service", agency.id)
    organization_id = hsds_id("organization", agency.id)
    verified = agency.verified_on.isoformat() if agency.verified_on else None
    tables["organization"].append(
        {
            "id": organization_id,
            "name": agency.name,
            "description": agency.description,
            "website": agency.website or None,
        }
    )
    tables["service"].append(
        {
            "id": service_id,
            "organization_id": organization_id,
            "name": agency.name,
            "description": agency.description or None,
            "url": agency.website or None,
            "status": "active",
            "application_process": agency.how_to_refer or None,
            "eligibility_description": agency.eligibility or None,
            "minimum_age": agency.min_age,
            "maximum_age": agency.max_age,
            "assured_date": verified,
        }
    )
    for index, number in enumerate(agency.phones):
        tables["phone"].append(
            {
                "id": hsds_id("phone", agency.id, str(index)),
                "service_id": service_id,
                "number": number,
                "type": "voice",
            }
        )
    for index, language in enumerate(agency.languages):
        tables["language"].append(
            {
                "id": hsds_id("language", agency.id, str(index)),
                "service_id": service_id,
                "name": language,
            }
        )
    if agency.address or agency.has_point:
        _add_location(tables, agency, service_id, organization_id)
    for area_id in agency.area_ids:
        row_id = hsds_id("service_area", agency.id, area_id)
        extent = extents.get(area_id)
        tables["service_area"].append(
            {
                "id": row_id,
                "service_id": service_id,
                "name": area_names.get(area_id, area_id),
                "description": None,
                "extent": extent,
                "extent_type": "geojson" if extent else None,
                "uri": None,
            }
        )
        _attribute(tables, AREA, area_id, "service_area", row_id)
    link = ("service", service_id)
    _attribute(tables, RECORD, "id", *link, agency.id)
    _attribute(tables, KIND, agency.kind.value, *link)
    for level in Level:
        if level in agency.levels:
            _attribute(tables, LEVEL, level.value, *link)
    for group in AgeGroup:
        if group in agency.age_groups:
            _attribute(tables, AGE_GROUP, group.value, *link)
    for code in sorted(agency.needs, key=lambda code: (need_order.get(code, 1 << 30), code)):
        _attribute(tables, NEED, code, *link)
    _attribute(tables, RECORD, "source", *link, agency.source)
    for index, column in enumerate(agency.reconstructed):
        _attribute(tables, RECORD, "reconstructed", *link, column, index)
    if agency.notes:
        _attribute(tables, RECORD, "notes", *link, agency.notes)
    if verified:
        tables["metadata"].append(
            {
                "id": hsds_id("metadata", agency.id),
                "resource_id": service_id,
                "resource_type": "service",
                "last_action_date": verified,
                "last_action_type": "verified",
                "field_name": "assured_date",
                "previous_value": "",
                "replacement_value": verified,
                "updated_by": "directory maintainers",
            }
        )


def _add_location(tables: Tables, agency: Agency, service_id: str, organization_id: str) -> None:
    location_id = hsds_id("location", agency.id)
    tables["location"].append(
        {
            "id": location_id,
            "location_type": "physical",
            "organization_id": organization_id,
            "name": agency.name,
            "latitude": agency.latitude,
            "longitude": agency.longitude,
        }
    )
    tables["service_at_location"].append(
        {
            "id": hsds_id("service_at_location", agency.id),
            "service_id": service_id,
            "location_id": location_id,
        }
    )
    if agency.address:
        parts = split_address(agency.address)
        tables["address"].append(
            {"id": hsds_id("address", agency.id), "location_id": location_id, **parts}
        )


def split_address(text: str) -> dict[str, str]:
    """'4400 Forbes Ave, Pittsburgh, PA 15213' -> HSDS address fields.

    An address we cannot split goes whole into address_1, so nothing is lost or guessed.
    """
    match = ADDRESS.match(text)
    if (
        match
        and join_address(match["street"], "", match["city"], match["state"], match["zip"]) == text
    ):
        street, city, state, postal = match["street"], match["city"], match["state"], match["zip"]
    else:
        street, city, state, postal = text, "", "", ""
    return {
        "address_1": street,
        "city": city,
        "state_province": state,
        "postal_code": postal,
        "country": "US",
        "address_type": "physical",
    }


def join_address(street: str, street_2: str, city: str, state: str, postal: str) -> str:
    """HSDS address fields -> our one-line address; the inverse of `split_address`."""
    place = " ".join(part for part in (state, postal) if part)
    return ", ".join(part for part in (street, street_2, city, place) if part)


# -- serialising ---------------------------------------------------------------------------


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


def write_csv_tables(tables: Tables, folder: Path) -> None:
    """Every table of the data package as CSV, headers exactly as the datapackage lists them."""
    for table, (filename, columns) in TABLES.items():
        with (folder / filename).open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(columns)
            for row in tables.get(table, ()):
                writer.writerow([csv_value(row.get(column)) for column in columns])
    (folder / "datapackage.json").write_text(
        json.dumps(datapackage_descriptor(), indent=2) + "\n", encoding="utf-8"
    )


def datapackage_descriptor() -> dict:
    """A minimal Frictionless descriptor naming each HSDS table, its file and columns."""

    def field_type(table: str, column: str) -> str:
        return "number" if column in NUMBER_FIELDS.get(table, ()) else "string"

    return {
        "profile": "tabular-data-package",
        "name": "human_services_data",
        "title": "Human Services Data Specification 3.0 export of a service directory",
        "resources": [
            {
                "name": table,
                "path": filename,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "primaryKey": "id",
                    "fields": [
                        {"name": column, "type": field_type(table, column)} for column in columns
                    ],
                },
            }
            for table, (filename, columns) in TABLES.items()
        ],
    }


def write_json_tables(tables: Tables, folder: Path) -> None:
    """hsds.json (one array per table) and services.json (fully nested services)."""
    dataset = {table: [json_row(table, row) for row in tables.get(table, ())] for table in TABLES}
    (folder / JSON_FILE).write_text(
        json.dumps(dataset, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    view = HsdsView(tables)
    services = [view.full_service(row["id"]) for row in tables["service"]]
    (folder / SERVICES_FILE).write_text(
        json.dumps(services, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


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


class HsdsView:
    """HSDS tables indexed by id and by foreign key, to build the API's nested objects."""

    def __init__(self, tables: Tables):
        self.tables = tables
        self.by_id: dict[str, dict[str, Row]] = {
            table: {row["id"]: row for row in rows} for table, rows in tables.items()
        }
        self._children: dict[tuple[str, str], dict[str, list[Row]]] = {}
        self._attributes: dict[tuple[str, str], list[Row]] = defaultdict(list)
        for row in tables.get("attribute", ()):
            self._attributes[(row.get("link_entity") or "", row.get("link_id") or "")].append(row)
        self._metadata: dict[str, list[Row]] = defaultdict(list)
        for row in tables.get("metadata", ()):
            self._metadata[row.get("resource_id") or ""].append(row)

    def children(self, table: str, column: str, parent_id: str) -> list[Row]:
        key = (table, column)
        if key not in self._children:
            index: dict[str, list[Row]] = defaultdict(list)
            for row in self.tables.get(table, ()):
                if row.get(column):
                    index[row[column]].append(row)
            self._children[key] = index
        return self._children[key].get(parent_id, [])

    def get(self, table: str, row_id: str) -> Row | None:
        return self.by_id.get(table, {}).get(row_id)

    def nested(self, table: str, row: Row, skip: frozenset[str] = frozenset()) -> dict:
        """One row with its children, attributes and metadata, as the HSDS JSON schema nests them."""
        out = json_row(table, row)
        for key, child_table, column in CHILDREN.get(table, ()):
            if child_table in skip:
                continue
            out[key] = [
                self.nested(child_table, child, skip | {table})
                for child in self.children(child_table, column, row["id"])
            ]
        if table == "service_at_location":
            location = self.get("location", row.get("location_id") or "")
            if location is not None:
                out["location"] = self.nested("location", location, skip | {table})
        if table not in NO_ATTRIBUTES:
            out["attributes"] = [
                self.attribute(attribute)
                for attribute in self._attributes.get((table, row["id"]), [])
            ]
            out["metadata"] = [
                json_row("metadata", meta) for meta in self._metadata.get(row["id"], [])
            ]
        return out

    def attribute(self, row: Row) -> dict:
        out = json_row("attribute", row)
        term = self.get("taxonomy_term", row.get("taxonomy_term_id") or "")
        if term is not None:
            out["taxonomy_term"] = self.term(term)
        return out

    def term(self, row: Row) -> dict:
        out = json_row("taxonomy_term", row)
        taxonomy = self.get("taxonomy", row.get("taxonomy_id") or "")
        if taxonomy is not None:
            out["taxonomy_detail"] = json_row("taxonomy", taxonomy)
        return out

    def full_service(self, service_id: str) -> dict:
        """A fully nested service, as GET /services/{id} answers."""
        row = self.by_id["service"][service_id]
        out = self.nested("service", row)
        organization = self.get("organization", row.get("organization_id") or "")
        if organization is not None:
            out["organization"] = self.nested("organization", organization, frozenset({"service"}))
        program = self.get("program", row.get("program_id") or "")
        if program is not None:
            out["program"] = json_row("program", program)
        return out

    def service_summary(self, service_id: str) -> dict:
        """A service with its one-to-one fields, as the /services list holds them."""
        row = self.by_id["service"][service_id]
        out = json_row("service", row)
        organization = self.get("organization", row.get("organization_id") or "")
        if organization is not None:
            out["organization"] = json_row("organization", organization)
        program = self.get("program", row.get("program_id") or "")
        if program is not None:
            out["program"] = json_row("program", program)
        return out

    def service_at_location_summary(self, row: Row) -> dict:
        """A service_at_location with its location and service, as the list holds them."""
        out = json_row("service_at_location", row)
        location = self.get("location", row.get("location_id") or "")
        if location is not None:
            out["location"] = json_row("location", location)
        if row.get("service_id") in self.by_id["service"]:
            out["service"] = self.service_summary(row["service_id"])
        return out


# -- export --------------------------------------------------------------------------------


def area_extents(areas: Iterable[Area], shape_of: Callable[[str], Any]) -> dict[str, str]:
    """GeoJSON geometry text for each area `shape_of` (e.g. Atlas.shape) knows; others skipped."""
    extents: dict[str, str] = {}
    for area in areas:
        try:
            geometry = shape_of(area.id)
        except (KeyError, LookupError, ValueError):
            continue
        if geometry is None or getattr(geometry, "is_empty", False):
            continue
        mapping = geometry.__geo_interface__
        extents[area.id] = json.dumps(_rounded(mapping), separators=(",", ":"))
    return extents


def _rounded(value: Any) -> Any:
    """Coordinates to 6 decimals (about 10 cm): smaller files, stable text between runs."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, (list, tuple)):
        return [_rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value


def export_hsds(directory: Any, out_dir: str | Path, format: str = "json") -> Path:
    """Write the whole directory as HSDS 3.0 (`json` or `csv`) into out_dir; returns it.

    The files are written beside out_dir and swapped in at the end, so a failed export never
    leaves half a dataset behind.
    """
    if format not in ("json", "csv"):
        raise ValueError(f'unknown format "{format}"; expected json or csv')
    atlas = getattr(directory, "atlas", None)
    shape_of = getattr(atlas, "shape", None)
    extents = area_extents(directory.data.areas, shape_of) if shape_of else {}
    tables = hsds_tables(directory.data, extents)
    writer = write_json_tables if format == "json" else write_csv_tables
    ours = {JSON_FILE, SERVICES_FILE, "datapackage.json"} | {f for f, _ in TABLES.values()}
    return write_folder(Path(out_dir), lambda folder: writer(tables, folder), ours)


def write_folder(
    out_dir: Path, fill: Callable[[Path], None], ours: set[str], *, keep_others: bool = False
) -> Path:
    """Fill a fresh folder beside out_dir, then swap it in, so nobody ever sees half of it.

    out_dir may be missing or empty, or hold only files named in `ours` (an earlier run).
    With `keep_others`, other plain files in it (a data folder's ZIP points and outline)
    are carried over into the new folder; without, they are someone's work and we refuse.
    """
    out_dir = out_dir.resolve()
    carried: list[Path] = []
    if out_dir.exists():
        if not out_dir.is_dir():
            raise FileExistsError(f"{out_dir} exists and is not a folder")
        others = sorted(p for p in out_dir.iterdir() if p.name not in ours)
        if others and not (keep_others and all(p.is_file() for p in others)):
            names = ", ".join(p.name for p in others[:5])
            raise FileExistsError(
                f"{out_dir} holds other files or folders ({names}); choose a new or empty folder"
            )
        carried = others
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        fill(staging)
        for path in carried:
            if not (staging / path.name).exists():
                shutil.copy2(path, staging / path.name)
        os.chmod(staging, 0o755)
        swap_in(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def swap_in(staging: Path, out_dir: Path) -> None:
    """Replace out_dir by staging with two renames, so readers see old or new, never half."""
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    old = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
    out_dir.rename(old)
    try:
        staging.rename(out_dir)
    except OSError:
        old.rename(out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
