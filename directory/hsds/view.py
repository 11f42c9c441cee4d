"""HSDS tables indexed by id and foreign key, nested as the HSDS JSON schemas nest them.

Optional fields without a value are left out: no empty strings (json_row) and no empty
lists (a record without phones has no "phones" key), as harvesters and validators expect.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone
from functools import cached_property

from .schema import CHILDREN, NO_ATTRIBUTES, Row, Tables, json_row


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

    @cached_property
    def modified(self) -> dict[str, datetime | date]:
        """Service id -> when it last changed (its last_modified, else its assured_date, the
        day it was verified); services with neither are absent. Parsed once per data version."""
        out: dict[str, datetime | date] = {}
        for row in self.tables.get("service", ()):
            when = _modified_on(row)
            if when is not None:
                out[row["id"]] = when
        return out

    def get(self, table: str, row_id: str) -> Row | None:
        return self.by_id.get(table, {}).get(row_id)

    def nested(self, table: str, row: Row, skip: frozenset[str] = frozenset()) -> dict:
        """One row with its children, attributes and metadata, as the HSDS JSON schema nests them."""
        out = json_row(table, row)
        for key, child_table, column in CHILDREN.get(table, ()):
            if child_table in skip:
                continue
            _put(
                out,
                key,
                [
                    self.nested(child_table, child, skip | {table})
                    for child in self.children(child_table, column, row["id"])
                ],
            )
        if table == "service_at_location":
            location = self.get("location", row.get("location_id") or "")
            if location is not None:
                out["location"] = self.nested("location", location, skip | {table})
        if table not in NO_ATTRIBUTES:
            _put(
                out,
                "attributes",
                [
                    self.attribute(attribute)
                    for attribute in self._attributes.get((table, row["id"]), [])
                ],
            )
            _put(
                out,
                "metadata",
                [json_row("metadata", meta) for meta in self._metadata.get(row["id"], [])],
            )
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

    def full_service_at_location(self, row_id: str) -> dict:
        """A fully nested service_at_location (its location nested) with its service's
        one-to-one fields, as GET /service_at_locations/{id} answers."""
        row = self.by_id["service_at_location"][row_id]
        out = self.nested("service_at_location", row)
        if row.get("service_id") in self.by_id["service"]:
            out["service"] = self.service_summary(row["service_id"])
        return out

    def service_minimal(self, service_id: str) -> dict:
        """A service as `minimal=true` lists it: id, name, status and the dates it has."""
        row = self.by_id["service"][service_id]
        keep = ("id", "name", "status", "last_modified", "assured_date")
        return {key: value for key, value in json_row("service", row).items() if key in keep}

    def organization_summary(self, organization_id: str) -> dict:
        """An organization's one-to-one fields, as the /organizations list holds them."""
        return json_row("organization", self.by_id["organization"][organization_id])

    def full_organization(self, organization_id: str, full_services: bool = False) -> dict:
        """A nested organization with its locations and services (one-to-one fields, or fully
        nested with `full_services`), as GET /organizations/{id} answers."""
        row = self.by_id["organization"][organization_id]
        out = self.nested("organization", row)
        skip = frozenset({"organization"})
        _put(
            out,
            "locations",
            [
                self.nested("location", location, skip)
                for location in self.children("location", "organization_id", organization_id)
            ],
        )
        services = self.children("service", "organization_id", organization_id)
        if full_services:
            listed = [self._service_without_organization(s["id"]) for s in services]
        else:
            listed = [json_row("service", service) for service in services]
        _put(out, "services", listed)
        return out

    def _service_without_organization(self, service_id: str) -> dict:
        out = self.full_service(service_id)
        out.pop("organization", None)  # it is the enclosing object
        return out

    def taxonomy(self, taxonomy_id: str) -> dict:
        return json_row("taxonomy", self.by_id["taxonomy"][taxonomy_id])

    def taxonomy_term(self, term_id: str) -> dict:
        """A taxonomy term with its taxonomy's details."""
        return self.term(self.by_id["taxonomy_term"][term_id])


def _put(out: dict, key: str, items: list) -> None:
    """Set `key` only when there is something to list (optional lists are left out)."""
    if items:
        out[key] = items


def _modified_on(row: Row) -> datetime | date | None:
    """A service's last_modified (as UTC), else its assured_date; None if neither reads."""
    for column in ("last_modified", "assured_date"):
        text = str(row.get(column) or "").strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            if text:
                moment = datetime.fromisoformat(text)
                return (
                    moment.astimezone(timezone.utc)
                    if moment.tzinfo
                    else moment.replace(tzinfo=timezone.utc)
                )
        except (ValueError, OverflowError):
            continue
    return None
