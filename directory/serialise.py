"""Records as JSON: one shape for the API, the CLI and exports."""

from __future__ import annotations

from .catalog import Directory
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
        "distance_km": None if distance_km is None else round(distance_km, 2),
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


def match_json(result, directory: Directory) -> dict:
    """The `directory match --json` and /api/v1/match shape."""
    return {
        "location": result.location.to_json(),
        "filters": {
            "age_group": result.age_group.value if result.age_group else None,
            "years": result.age,
            "needs": list(result.needs),
            "level": result.level.value if result.level else None,
        },
        "agencies": [
            dict(agency_json(found.agency, directory, found.distance_km),
                 needs_met=list(found.needs_met), offers_level=found.offers_level,
                 covers_place=found.covers_place)
            for found in result.agencies
        ],
        "informal": [
            dict(agency_json(found.agency, directory, found.distance_km),
                 needs_met=list(found.needs_met), covers_place=found.covers_place)
            for found in result.informal
        ],
        "gaps": [gap.to_json() for gap in result.gaps],
    }
