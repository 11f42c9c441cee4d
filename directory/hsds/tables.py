"""Records -> HSDS tables: one conversion feeding the CSV export, the JSON export and the API.

Two kinds of rows meet here. An imported feed's own records, kept by the import in the data
folder's `hsds/` package, leave exactly as they came in (ids, schedules, contacts, emails,
addresses of any country...). Our own records (agencies.csv rows the feed did not give us,
our taxonomies, our area tree, our classification of every service) are made from the
records, with UUIDs derived by uuid5 from our stable ids, so an export of unchanged data is
byte-for-byte the same and no id changes when a name does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..records import AgeGroup, Agency, Area, DataSet, Level, Need
from .ids import FeedIds, read_feed_ids
from .package import read_kept_tables
from .schema import LINKS, PACKAGE_TABLES, Tables, empty_tables, hsds_id
from .taxonomy import (
    AGE_GROUP,
    AGE_GROUP_TERMS,
    AREA,
    CATEGORY_PREFIX,
    KIND,
    KIND_TERMS,
    LEVEL,
    LEVEL_TERMS,
    NEED,
    RECORD,
    RECORD_TERMS,
    TAXONOMIES,
    Taxonomy,
)

VERIFIED_BY_US = ("verified", "directory maintainers")  # our metadata rows say this
# HSDS requires these descriptions; when our files have none we say so rather than leave the
# field empty (which the official package refuses). The importer reads them back as empty.
NO_DESCRIPTION = "No description in this directory's record."
NO_AREA_NOTES = "No notes in this directory's regions.csv."
AS_WRITTEN = "Address as written: "  # a location's description holding an unsplit address

# "4400 Forbes Ave, Pittsburgh, PA 15213": the one-line address our records hold.
ADDRESS = re.compile(
    r"^(?P<street>.+?), (?P<city>[^,]+), (?P<state>[A-Z]{2}) (?P<zip>\d{5}(?:-\d{4})?)$"
)


def service_ids(data: DataSet, feed_ids: FeedIds | None = None) -> dict[str, str]:
    """Agency id -> its HSDS service id: the feed's own id if imported, else uuid5 of ours."""
    feed_ids = feed_ids or {}
    return {
        agency.id: feed_ids.get(agency.id, {}).get("service_id") or hsds_id("service", agency.id)
        for agency in data.agencies
    }


def hsds_tables(
    data: DataSet,
    extents: Mapping[str, str] | None = None,
    feed_ids: FeedIds | None = None,
    kept: Tables | None = None,
) -> Tables:
    """Every record of a data set as HSDS rows, table by table.

    `extents` maps area ids to GeoJSON geometry text (from the atlas); areas without one
    are exported without an extent. Values are None when absent, "" when present but blank.
    `feed_ids` (from `ids.read_feed_ids`) gives imported agencies their feed's ids back, and
    `kept` (default: the tables the import kept in the data folder) their feed's own rows:
    those are emitted unchanged, first, and only our classification of the service is added.
    Without kept rows (a hand-made hsds_ids.csv) the rows are made from the agency, with the
    feed's ids. A kept service whose agency was removed from agencies.csv is left out.
    """
    extents = extents or {}
    feed_ids = read_feed_ids(data.folder) if feed_ids is None else feed_ids
    kept = read_kept_tables(data.folder) if kept is None else kept
    kept = _without_removed_agencies(kept, data, feed_ids) if kept else empty_tables()
    kept_services = {row["id"] for row in kept["service"]}
    organizations: set[str] = {row["id"] for row in kept["organization"]}
    tables = empty_tables()
    _add_taxonomies(tables, data)
    area_names = {area.id: area.name for area in data.areas}
    for area in data.areas:
        _add_area(tables, area, extents.get(area.id))
    need_order = {need.code: i for i, need in enumerate(data.needs)}
    for agency in data.agencies:
        ids = feed_ids.get(agency.id, {})
        is_kept = bool(ids.get("service_id")) and ids["service_id"] in kept_services
        _add_agency(tables, agency, area_names, extents, need_order, ids, organizations, is_kept)
    return _merged(kept, tables)


def _without_removed_agencies(kept: Tables, data: DataSet, feed_ids: FeedIds) -> Tables:
    """Kept rows minus services whose agency is gone from agencies.csv, and their own rows."""
    agency_ids = {agency.id for agency in data.agencies}
    gone = {
        ids["service_id"]
        for agency_id, ids in feed_ids.items()
        if agency_id not in agency_ids and ids.get("service_id")
    }
    if not gone:
        return kept
    gone_links = gone | {
        row["id"] for row in kept["service_at_location"] if row.get("service_id") in gone
    }
    out = empty_tables()
    for table in PACKAGE_TABLES:  # rows that belonged only to a removed service or its places
        out[table] = [row for row in kept.get(table, []) if not _belongs_only_to(row, gone_links)]
        if table == "service":
            out[table] = [row for row in out[table] if row["id"] not in gone]
    return out


def _belongs_only_to(row: Mapping[str, object], gone: set[str]) -> bool:
    links = [row.get(column) for column in LINKS if row.get(column)]
    links += [row.get(column) for column in ("link_id", "resource_id") if row.get(column)]
    return bool(links) and all(link in gone for link in links)


# Tables whose rows we make from agencies.csv, needs.csv and regions.csv (our taxonomies, our
# classification of every service, "verified" metadata): our current row wins over a kept one.
OURS_WIN = ("taxonomy", "taxonomy_term", "attribute", "metadata")


def _merged(kept: Tables, made: Tables) -> Tables:
    """Kept rows first, in the feed's order, then our rows whose ids the feed does not use.

    Rows of our own taxonomies and metadata are the exception: a kept copy (an import of our
    own export) gives way to the row made from today's files, in its place, and one we no
    longer make (a level removed from agencies.csv, a need removed) is left out, so an
    edit to the directory's files is never shadowed by what an earlier import kept.
    """
    ours = _our_rows(kept, made)
    out = empty_tables()
    for table in PACKAGE_TABLES:
        made_by_id = {row["id"]: row for row in made.get(table, [])}
        rows = []
        for row in kept.get(table, []):
            if table in OURS_WIN and row["id"] in made_by_id:
                rows.append(made_by_id[row["id"]])
            elif row["id"] not in ours:
                rows.append(row)
        ids = {row["id"] for row in rows}
        rows += [row for row in made.get(table, []) if row["id"] not in ids]
        out[table] = rows
    return out


def _our_rows(kept: Tables, made: Tables) -> set[str]:
    """Ids of kept rows that belong to our own taxonomies or verification (stale if not made)."""
    taxonomies = {taxonomy.id for taxonomy in TAXONOMIES}
    terms = {row["id"] for row in made["taxonomy_term"]} | {
        row["id"] for row in kept["taxonomy_term"] if row.get("taxonomy_id") in taxonomies
    }
    ours = {row["id"] for row in kept["taxonomy"] if row["id"] in taxonomies}
    ours |= {row["id"] for row in kept["taxonomy_term"] if row["id"] in terms}
    ours |= {  # our classification of services and our need synonyms; a kept service's
        # own service areas keep their area attributes as the kept service_area rows do
        row["id"]
        for row in kept["attribute"]
        if row.get("taxonomy_term_id") in terms - {RECORD.term_id("notes")}
        and row.get("link_entity") in ("service", "taxonomy_term")
    }  # notes stay as kept: for a kept service we make none (see _add_classification)
    ours |= {
        row["id"]
        for row in kept["metadata"]
        if (row.get("last_action_type"), row.get("updated_by")) == VERIFIED_BY_US
    }
    return ours


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
        _term(tables, AREA, area.id, area.name, area.notes or NO_AREA_NOTES, area.parent)
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
    ids: Mapping[str, str],
    organizations: set[str],
    is_kept: bool = False,
) -> None:
    """One agency as HSDS rows; for a kept feed service, only our classification of it."""
    service_id = ids.get("service_id") or hsds_id("service", agency.id)
    organization_id = ids.get("organization_id") or hsds_id("organization", agency.id)
    verified = agency.verified_on.isoformat() if agency.verified_on else None
    if not is_kept:
        _add_service_rows(
            tables, agency, area_names, extents, ids, organizations, service_id, organization_id
        )
    _add_classification(tables, agency, need_order, service_id, verified, is_kept)


def _add_service_rows(
    tables: Tables,
    agency: Agency,
    area_names: Mapping[str, str],
    extents: Mapping[str, str],
    ids: Mapping[str, str],
    organizations: set[str],
    service_id: str,
    organization_id: str,
) -> None:
    """The organisation, service, phones, languages, location and service areas of an agency."""
    verified = agency.verified_on.isoformat() if agency.verified_on else None
    if organization_id not in organizations:  # a feed's organisation may run several services
        organizations.add(organization_id)
        tables["organization"].append(
            {
                "id": organization_id,
                "name": ids.get("organization_name") or agency.name,
                "description": agency.description or NO_DESCRIPTION,
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
        location_id = ids.get("location_id") or hsds_id("location", agency.id)
        _add_location(tables, agency, service_id, organization_id, location_id)
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


def _add_classification(
    tables: Tables,
    agency: Agency,
    need_order: Mapping[str, int],
    service_id: str,
    verified: str | None,
    is_kept: bool,
) -> None:
    """Our classification of a service (kind, levels, age groups, needs) and its provenance.

    Notes are left out for a kept feed service: the import wrote there what the feed's own
    tables now carry.
    """
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
    if agency.notes and not is_kept:
        _attribute(tables, RECORD, "notes", *link, agency.notes)
    if verified:
        tables["metadata"].append(
            {
                "id": hsds_id("metadata", agency.id),
                "resource_id": service_id,
                "resource_type": "service",
                "last_action_date": verified,
                "last_action_type": VERIFIED_BY_US[0],
                "field_name": "assured_date",
                "previous_value": "not recorded",  # required by the spec; we keep no history
                "replacement_value": verified,
                "updated_by": VERIFIED_BY_US[1],
            }
        )


def _add_location(
    tables: Tables, agency: Agency, service_id: str, organization_id: str, location_id: str
) -> None:
    parts = split_address(agency.address) if agency.address else None
    whole = parts is not None and bool(parts["city"])
    tables["location"].append(
        {
            "id": location_id,
            "location_type": "physical",
            "organization_id": organization_id,
            "name": agency.name,
            # An address we can't split has no city, state and ZIP, which an HSDS address
            # requires: it stays whole, here, rather than guessed into fields.
            "description": None if whole or not agency.address else AS_WRITTEN + agency.address,
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
    if parts is not None and whole:
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
