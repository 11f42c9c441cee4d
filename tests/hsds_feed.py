"""A small invented HSDS 3.0 feed that uses every table of the data package (test data only).

Ids are fixed UUIDs, so a test can follow each record through import, reload and export.
It has two services of one organisation, a phone linked only to a location, a UK address,
schedules with RRULE-style fields, contacts with emails, languages with ISO codes, cost
options, required documents, funding, accessibility, a program, identifiers, metadata and a
taxonomy of someone else's (Open Eligibility) with an attribute linking it to a service.
"""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path

from directory.hsds.schema import TABLES


def _id(name: str) -> str:
    return str(uuid.uuid5(uuid.UUID("0d6f1d0a-3a52-4a4d-9a43-0f5f3f0c2b11"), name))


ORG = _id("organization")
PANTRY, CLINIC = _id("service pantry"), _id("service clinic")
HALL = _id("location hall")
HALL_SAL = _id("sal hall")
LOCATION_PHONE = _id("phone location")
TERM = _id("term food")

FEED: dict[str, list[dict[str, str]]] = {
    "organization": [
        {
            "id": ORG,
            "name": "Riverside Community Trust (sample)",
            "alternate_name": "RCT",
            "description": "An invented charity used by the tests.",
            "email": "hello@example.org",
            "website": "https://example.org",
            "tax_status": "charity",
            "tax_id": "X-123",
            "year_incorporated": "1998",
            "legal_status": "Registered charity",
            "logo": "https://example.org/logo.png",
            "uri": "https://example.org/about",
        }
    ],
    "program": [
        {
            "id": _id("program"),
            "organization_id": ORG,
            "name": "Food security",
            "alternate_name": "FS",
            "description": "The trust's food programme.",
        }
    ],
    "service": [
        {
            "id": PANTRY,
            "organization_id": ORG,
            "program_id": _id("program"),
            "name": "Riverside Food Pantry (sample)",
            "alternate_name": "The pantry",
            "description": "Free groceries once a week.",
            "url": "https://example.org/pantry",
            "email": "pantry@example.org",
            "status": "active",
            "interpretation_services": "Phone interpreters on request",
            "application_process": "Walk in with proof of address.",
            "fees_description": "Free",
            "wait_time": "About 20 minutes",
            "fees": "None",
            "accreditations": "Food bank network member",
            "eligibility_description": "Residents of the borough",
            "minimum_age": "16",
            "maximum_age": "99",
            "assured_date": "2024-03-01",
            "assurer_email": "checks@example.org",
            "licenses": "Food hygiene 5",
            "alert": "Closed on bank holidays",
            "last_modified": "2024-03-02T10:15:00Z",
        },
        {
            "id": CLINIC,
            "organization_id": ORG,
            "name": "Riverside Advice Clinic (sample)",
            "description": "Benefits and debt advice.",
            "status": "active",
        },
    ],
    "attribute": [
        {
            "id": _id("attribute"),
            "link_id": PANTRY,
            "taxonomy_term_id": TERM,
            "link_type": "service_type",
            "link_entity": "service",
            "value": "groceries",
        }
    ],
    "service_at_location": [
        {"id": HALL_SAL, "service_id": PANTRY, "location_id": HALL, "description": "In the hall"}
    ],
    "location": [
        {
            "id": HALL,
            "location_type": "physical",
            "url": "https://example.org/hall",
            "organization_id": ORG,
            "name": "Riverside Hall",
            "alternate_name": "The hall",
            "description": "Church hall by the river.",
            "transportation": "Bus 12 to the bridge",
            "latitude": "51.5014",
            "longitude": "-0.1419",
            "external_identifier": "UPRN-100",
            "external_identifier_type": "UPRN",
        }
    ],
    "phone": [
        {
            "id": _id("phone service"),
            "service_id": PANTRY,
            "number": "412-555-0142",
            "extension": "12",
            "type": "voice",
            "description": "Pantry line",
        },
        {  # linked only to the location, as many real feeds do
            "id": LOCATION_PHONE,
            "location_id": HALL,
            "number": "+44 20 7946 0000",
            "type": "voice",
            "description": "Hall office",
        },
        {"id": _id("phone contact"), "contact_id": _id("contact"), "number": "412-555-0199"},
    ],
    "contact": [
        {
            "id": _id("contact"),
            "service_id": PANTRY,
            "name": "Sam Example",
            "title": "Coordinator",
            "department": "Food",
            "email": "sam@example.org",
        }
    ],
    "address": [
        {
            "id": _id("address"),
            "location_id": HALL,
            "attention": "Pantry",
            "address_1": "1 Bridge Street",
            "address_2": "Side door",
            "city": "London",
            "region": "Greater London",
            "state_province": "England",
            "postal_code": "SW1A 1AA",
            "country": "GB",
            "address_type": "postal",
        }
    ],
    "schedule": [
        {
            "id": _id("schedule"),
            "service_id": PANTRY,
            "valid_from": "2024-01-01",
            "valid_to": "2030-12-31",
            "dtstart": "2024-01-02",
            "timezone": "0",
            "until": "2030-12-31",
            "count": "300",
            "wkst": "MO",
            "freq": "WEEKLY",
            "interval": "1",
            "byday": "TU,TH",
            "byweekno": "1",
            "bymonthday": "2",
            "byyearday": "3",
            "description": "Tuesdays and Thursdays",
            "opens_at": "09:30:00",
            "closes_at": "12:00:00",
            "schedule_link": "https://example.org/hours",
            "attending_type": "in_person",
            "notes": "Queue from 9",
        }
    ],
    "funding": [{"id": _id("funding"), "organization_id": ORG, "source": "Lottery grant"}],
    "service_area": [
        {
            "id": _id("service area"),
            "service_id": PANTRY,
            "name": "Riverside borough",
            "description": "The borough",
            "uri": "https://example.org/borough",
        }
    ],
    "required_document": [
        {
            "id": _id("document"),
            "service_id": PANTRY,
            "document": "Proof of address",
            "uri": "https://example.org/docs",
        }
    ],
    "language": [
        {"id": _id("language"), "service_id": PANTRY, "name": "Polish", "code": "pl", "note": ""},
        {"id": _id("language phone"), "phone_id": LOCATION_PHONE, "name": "Welsh", "code": "cy"},
    ],
    "accessibility": [
        {
            "id": _id("accessibility"),
            "location_id": HALL,
            "description": "Step-free entrance",
            "details": "Ramp at the side door",
            "url": "https://example.org/access",
        }
    ],
    "taxonomy_term": [
        {
            "id": TERM,
            "code": "food-pantry",
            "name": "Food Pantry",
            "description": "Free groceries",
            "taxonomy": "Open Eligibility",
            "language": "en",
            "taxonomy_id": _id("taxonomy"),
            "term_uri": "https://openeligibility.org/food-pantry",
        }
    ],
    "metadata": [
        {
            "id": _id("metadata"),
            "resource_id": PANTRY,
            "resource_type": "service",
            "last_action_date": "2024-03-02",
            "last_action_type": "update",
            "field_name": "alert",
            "previous_value": "none",
            "replacement_value": "Closed on bank holidays",
            "updated_by": "Sam",
        }
    ],
    "meta_table_description": [
        {"id": _id("meta"), "name": "services", "language": "en", "character_set": "UTF-8"}
    ],
    "cost_option": [
        {
            "id": _id("cost"),
            "service_id": PANTRY,
            "valid_from": "2024-01-01",
            "valid_to": "2024-12-31",
            "option": "Delivery",
            "currency": "GBP",
            "amount": "2.5",
            "amount_description": "Per delivery",
        }
    ],
    "organization_identifier": [
        {
            "id": _id("identifier"),
            "organization_id": ORG,
            "identifier_scheme": "GB-CHC",
            "identifier_type": "Charity number",
            "identifier": "1234567",
        }
    ],
    "taxonomy": [
        {
            "id": _id("taxonomy"),
            "name": "Open Eligibility",
            "description": "Open Eligibility taxonomy",
            "uri": "https://openeligibility.org",
            "version": "1",
        }
    ],
}


def write_feed_csv(folder: Path) -> Path:
    """The feed as a CSV data package (every table of TABLES, headers in the spec's order)."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, (filename, columns) in TABLES.items():
        with (folder / filename).open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(columns)
            for row in FEED[table]:
                writer.writerow([row.get(column, "") for column in columns])
    return folder


def write_feed_json(path: Path) -> Path:
    """The feed as one tabular HSDS JSON file, numbers as numbers."""
    from directory.hsds.schema import json_row

    path.write_text(
        json.dumps(
            {
                table: [json_row(table, _json_numbers(table, row)) for row in FEED[table]]
                for table in TABLES
            }
        ),
        encoding="utf-8",
    )
    return path


def _json_numbers(table: str, row: dict[str, str]) -> dict:
    from directory.hsds.schema import NUMBER_FIELDS

    return {
        column: (float(value) if column in NUMBER_FIELDS.get(table, ()) and value else value)
        for column, value in row.items()
    }
