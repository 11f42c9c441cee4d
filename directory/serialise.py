"""Records as JSON: one shape for the API, the CLI and exports."""

from __future__ import annotations

import math

from .catalog import Directory
from .matching import parts_served
from .records import Agency


def agency_json(agency: Agency, directory: Directory, distance_km: float | None = None) -> dict:
    return {
        "id": agency.id,
        "name": agency.name,
        "kind": agency.kind.value,
        "phone": agency.phone,
        "phones": list(agency.phones),
        "levels": sorted(level.value for level in agency.levels),
        "age_groups": sorted(group.value for group in agency.age_groups),
        "min_age": agency.min_age,
        "max_age": agency.max_age,
        "areas": list(agency.area_ids),
        "area_names": [directory.area_name(area_id) for area_id in agency.area_ids],
        "needs": sorted(agency.needs),
        "distance_km": None
        if distance_km is None or not math.isfinite(distance_km)
        else round(distance_km, 2),
        "address": agency.address or None,
        "lat": agency.latitude,
        "lon": agency.longitude,
        "website": agency.website or None,
        "how_to_refer": agency.how_to_refer or None,
        "eligibility": agency.eligibility or None,
        "languages": list(agency.languages),
        "description": agency.description or None,
        "source": agency.source,
        "verified_on": agency.verified_on.isoformat() if agency.verified_on else None,
        "reconstructed": list(agency.reconstructed),
        "notes": agency.notes or None,
    }


def match_json(result, directory: Directory, page: int = 1, page_size: int | None = None) -> dict:
    """The `directory match --json` and /api/v1/match shape; agencies and informal supports
    are paged alike (page_size None: all of them)."""
    size = page_size or max(len(result.agencies), len(result.informal), 1)
    window = slice((page - 1) * size, page * size)
    return {
        "location": result.location.to_json(),
        "filters": {
            "age_group": result.age_group.value if result.age_group else None,
            "years": result.age,
            "needs": list(result.needs),
            "level": result.level.value if result.level else None,
        },
        "agencies": [
            dict(
                agency_json(found.agency, directory, found.distance_km),
                needs_met=list(found.needs_met),
                offers_level=found.offers_level,
                covers_place=found.covers_place,
            )
            for found in result.agencies[window]
        ],
        "informal": [
            dict(
                agency_json(found.agency, directory, found.distance_km),
                needs_met=list(found.needs_met),
                covers_place=found.covers_place,
            )
            for found in result.informal[window]
        ],
        "partial": [
            dict(
                agency_json(found.agency, directory, found.distance_km),
                needs_met=list(found.needs_met),
                offers_level=found.offers_level,
                covers_place=False,
                serves_parts=[
                    {"id": part, "name": directory.area_name(part)}
                    for part in parts_served(directory, found.agency, result.parts)
                ],
            )
            for found in result.partial[window]
        ],
        "gaps": [gap.to_json() for gap in result.gaps],
        "page": page,
        "page_size": size,
        "total_agencies": len(result.agencies),
        "total_informal": len(result.informal),
        "total_partial": len(result.partial),
    }


def coverage_geojson(coverage, atlas) -> dict:
    """The areas' shapes with the coverage numbers as properties: the map's data for GIS tools."""
    numbers = {area["id"]: area for area in coverage.to_json()["areas"]}
    collection = atlas.areas_geojson()
    features = []
    for feature in collection["features"]:
        area = numbers.get(feature["id"])
        properties = dict(feature["properties"])
        if area is not None:
            properties.update(
                count=area["count"],
                flag=area["flag"],
                providers=area["providers"],
                **{key: value["count"] for key, value in area["by_combo"].items()},
            )
        features.append(dict(feature, properties=properties))
    filters = coverage.to_json()["filters"]
    return {
        "type": "FeatureCollection",
        "filters": filters,
        "overlap_at": coverage.overlap_at,
        "features": features,
    }


REFERRAL_COLUMNS = (
    "position",
    "kind",
    "id",
    "name",
    "phone",
    "levels",
    "age_groups",
    "service_areas",
    "how_to_refer",
    "verified_on",
    "relationship",
    "note",
    "website",
    "source",
    "reconstructed",
    "provenance",
)


def referral_rows(referrals, directory: Directory) -> list[dict[str, str]]:
    """One row per referral-list item, agencies and the person's own supports alike; every
    row says where it came from and which of its values are our reconstruction."""
    from .provenance import data_line

    line = data_line(directory)
    rows = []
    for position, item in enumerate(referrals.items, 1):
        agency = directory.agencies_by_id.get(item.agency_id) if item.agency_id else None
        if agency is not None:
            row = {
                "kind": agency.kind.value,
                "id": agency.id,
                "name": agency.name,
                "phone": ", ".join(agency.phones),
                "levels": "; ".join(sorted(level.value for level in agency.levels)),
                "age_groups": "; ".join(sorted(group.value for group in agency.age_groups)),
                "service_areas": "; ".join(directory.area_name(a) for a in agency.area_ids),
                "how_to_refer": agency.how_to_refer,
                "verified_on": agency.verified_on.isoformat() if agency.verified_on else "",
                "relationship": "",
                "website": agency.website,
                "source": agency.source,
                "reconstructed": "; ".join(agency.reconstructed),
                "provenance": line,
            }
        else:
            row = {
                "kind": "own support",
                "id": "",
                "name": item.who,
                "phone": item.phone,
                "levels": "",
                "age_groups": "",
                "service_areas": "",
                "how_to_refer": "",
                "verified_on": "",
                "relationship": item.relationship,
                "website": "",
                "source": "typed by the coordinator",
                "reconstructed": "",
                "provenance": "",
            }
        row.update(position=str(position), note=item.note)
        rows.append(row)
    return rows


def referral_csv(referrals, directory: Directory) -> str:
    """The referral list as CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel on
    Windows reads "José — café" right), every cell through the one guard (directory/cells.py)."""
    from .cells import csv_text

    rows = referral_rows(referrals, directory)
    return csv_text(
        REFERRAL_COLUMNS, ([row[name] for name in REFERRAL_COLUMNS] for row in rows), bom=True
    )


def find_help_json(answer, directory: Directory) -> dict:
    """/api/v1/match: the match shape, plus what the words and the screener added."""
    if answer.match is not None:
        payload = match_json(answer.match, directory, answer.query.page, answer.query.page_size)
    else:  # outside the region: the place, and nothing matched
        query = answer.query
        payload = {
            "location": answer.location.to_json(),
            "filters": {
                "age_group": query.age_group.value if query.age_group else None,
                "years": query.years,
                "needs": list(query.needs + answer.needs_from_words),
                "level": query.level.value if query.level else None,
            },
            "agencies": [],
            "informal": [],
            "partial": [],
            "gaps": [],
            "total_partial": 0,
            "page": query.page,
            "page_size": query.page_size,
            "total_agencies": 0,
            "total_informal": 0,
        }
    payload["filters"]["age_group"] = answer.age_group.value if answer.age_group else None
    payload["age_group_inferred"] = answer.age_group_inferred  # filters.age_group came from words
    payload["needs_from_words"] = list(answer.needs_from_words)
    payload["did_you_mean"] = answer.did_you_mean
    payload["suggestion"] = answer.suggestion.to_json() if answer.suggestion else None
    payload["notices"] = list(answer.notices)
    # Urgent help comes first in the answer, as on the page.
    return {**answer.urgent.to_json(), **payload}


def search_json(results, directory: Directory) -> dict:
    """The `directory search --json` and /api/v1/search shape of search Results."""
    return {
        "query": results.query.to_args(),
        "location": results.location.to_json() if results.location is not None else None,
        "total": results.total,
        "page": results.page,
        "page_size": results.page_size,
        "pages": results.pages,
        "did_you_mean": results.did_you_mean,
        "needs_named": list(results.needs_named),
        "facets": {name: dict(counts) for name, counts in results.facets.items()},
        "agencies": [
            dict(
                agency_json(hit.agency, directory, hit.distance_km),
                score=round(hit.score, 4),
                needs_met=list(hit.needs_met),
                covers_place=hit.covers_place,
            )
            for hit in results.hits
        ],
    }
