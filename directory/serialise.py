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
