"""The response schemas of /api/v1 (components.schemas), plain JSON Schema (OpenAPI 3.1).

Enums come from the code's own enums and constants, never written again here.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

from ..coverage import COMBOS, COVERED, FRAGILE, GAP, INFORMAL_ONLY, OVERLAP, By, Scope
from ..records import AgeGroup, Kind, Level
from ..urgent import SIGNALS

FLAGS = (GAP, FRAGILE, COVERED, OVERLAP)


def enum_schema(values: type[Enum] | Iterable[str], nullable: bool = False) -> dict[str, Any]:
    """A string schema allowing an enum's values (or these strings), and null if `nullable`."""
    allowed: list[Any] = [
        str(value.value) if isinstance(value, Enum) else str(value) for value in values
    ]
    if nullable:
        return {"type": ["string", "null"], "enum": [*allowed, None]}
    return {"type": "string", "enum": allowed}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(
    properties: dict[str, Any], required: list[str] | None = None, extra: bool = False
) -> dict[str, Any]:
    """An object schema; every property is required unless `required` says otherwise."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": extra,
    }


NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
STRINGS = {"type": "array", "items": {"type": "string"}}
LEVEL = enum_schema(Level)
AGE_GROUP = enum_schema(AgeGroup)
KIND = enum_schema(Kind)
FLAG = enum_schema(FLAGS)


AGENCY_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string", "description": "Stable id (slug) of the agency or support."},
    "name": {"type": "string"},
    "kind": {
        **KIND,
        "description": "formal: a service coordination agency; informal: a community support.",
    },
    "phone": NULLABLE_STRING,
    "phones": STRINGS,
    "levels": {"type": "array", "items": LEVEL},
    "age_groups": {"type": "array", "items": AGE_GROUP},
    "min_age": NULLABLE_INTEGER,
    "max_age": NULLABLE_INTEGER,
    "areas": {**STRINGS, "description": "Service-area ids as listed."},
    "area_names": STRINGS,
    "needs": {**STRINGS, "description": "Need codes (see /needs)."},
    "distance_km": {
        **NULLABLE_NUMBER,
        "description": "From the located person, when there is one.",
    },
    "address": NULLABLE_STRING,
    "lat": NULLABLE_NUMBER,
    "lon": NULLABLE_NUMBER,
    "website": NULLABLE_STRING,
    "how_to_refer": NULLABLE_STRING,
    "eligibility": NULLABLE_STRING,
    "languages": STRINGS,
    "description": NULLABLE_STRING,
    "source": {"type": "string", "description": "Where this record came from."},
    "verified_on": {**NULLABLE_STRING, "description": "ISO date; null = never verified."},
    "reconstructed": {**STRINGS, "description": "Fields that are our reconstruction, not sourced."},
    "notes": NULLABLE_STRING,
}

SCHEMAS: dict[str, Any] = {
    "Error": obj({"error": obj({"code": {"type": "string"}, "message": {"type": "string"}})}),
    "Location": obj(
        {
            "query": {"type": "string"},
            "label": {"type": "string"},
            "lat": {"type": "number"},
            "lon": {"type": "number"},
            "precision": {"type": "string", "enum": ["zip", "place", "point", "address", "region"]},
            "areas": {
                **STRINGS,
                "description": "Ids of every service area holding the place, broadest first.",
            },
            "in_area": {
                "type": "boolean",
                "description": "false: outside the region this directory covers.",
            },
            "suggestions": STRINGS,
            "note": {"type": "string"},
        }
    ),
    "Agency": obj(AGENCY_PROPERTIES),
    "AgencyMatch": obj(
        {
            **AGENCY_PROPERTIES,
            "needs_met": STRINGS,
            "offers_level": {"type": "boolean"},
            "covers_place": {"type": "boolean"},
        }
    ),
    "InformalMatch": obj(
        {**AGENCY_PROPERTIES, "needs_met": STRINGS, "covers_place": {"type": "boolean"}}
    ),
    "Alternative": obj(
        {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "phone": NULLABLE_STRING,
            "distance_km": {"type": "number"},
            "covers_place": {"type": "boolean"},
        }
    ),
    "Gap": {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": ["gap", "region-wide only"]},
            "need": {"type": "string"},
            "level": enum_schema(Level, nullable=True),
            "age_group": enum_schema(AgeGroup, nullable=True),
            "message": {"type": "string"},
            "alternatives": {"type": "array", "items": ref("Alternative")},
        },
        "required": ["kind", "message", "alternatives"],
        "additionalProperties": False,
    },
    "LevelSuggestion": obj(
        {
            "level": enum_schema(Level, nullable=True),
            "reasons": STRINGS,
            "explanation": {"type": "string"},
        }
    ),
    "Match": obj(
        {
            "location": ref("Location"),
            "filters": obj(
                {
                    "age_group": enum_schema(AgeGroup, nullable=True),
                    "years": NULLABLE_INTEGER,
                    "needs": STRINGS,
                    "level": enum_schema(Level, nullable=True),
                }
            ),
            "age_group_inferred": {
                "type": "boolean",
                "description": 'True when the words ("my son", "age 10") gave filters.age_group.',
            },
            "needs_from_words": {
                **STRINGS,
                "description": "Needs recognised in `q` through synonyms.",
            },
            "did_you_mean": NULLABLE_STRING,
            "suggestion": {"oneOf": [ref("LevelSuggestion"), {"type": "null"}]},
            "urgent": {
                "type": "array",
                "items": ref("UrgentLine"),
                "description": "Lines to reach first when the words, needs or screener signal "
                "danger (988 call or text first, then 911) or substance use with no local "
                "agency (national helpline, treatment locator); empty otherwise.",
            },
            "first_call": {
                "oneOf": [ref("UrgentLine"), {"type": "null"}],
                "description": "211 when only rent, food or bills were asked for.",
            },
            "notices": {
                **STRINGS,
                "description": "Contradictions in what was asked (adult, age 10), in words.",
            },
            "agencies": {
                "type": "array",
                "items": ref("AgencyMatch"),
                "description": "Only agencies whose service area holds the place.",
            },
            "partial": {
                "type": "array",
                "items": ref("PartialMatch"),
                "description": "Only for a ZIP or town straddling service areas: agencies "
                "serving part of it, each naming the parts it serves.",
            },
            "informal": {"type": "array", "items": ref("InformalMatch")},
            "gaps": {"type": "array", "items": ref("Gap")},
            "page": {"type": "integer", "minimum": 1},
            "page_size": {"type": "integer", "minimum": 1},
            "total_agencies": {"type": "integer", "minimum": 0},
            "total_informal": {"type": "integer", "minimum": 0},
            "total_partial": {"type": "integer", "minimum": 0},
        }
    ),
    "UrgentLine": obj(
        {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "phone": NULLABLE_STRING,
            "how": {"type": "string"},
            "when": {"type": "string"},
            "signal": enum_schema(SIGNALS),
            "website": NULLABLE_STRING,
            "source": {"type": "string"},
            "verified_on": NULLABLE_STRING,
        }
    ),
    "PartialMatch": obj(
        {
            **AGENCY_PROPERTIES,
            "needs_met": STRINGS,
            "offers_level": {"type": "boolean"},
            "covers_place": {"type": "boolean"},
            "serves_parts": {
                "type": "array",
                "items": obj({"id": {"type": "string"}, "name": {"type": "string"}}),
            },
        }
    ),
    "SearchResults": obj(
        {
            "query": {"type": "object"},
            "location": {"oneOf": [ref("Location"), {"type": "null"}]},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "page_size": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "did_you_mean": NULLABLE_STRING,
            "needs_named": STRINGS,
            "facets": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": {"type": "integer", "minimum": 0},
                },
            },
            "agencies": {
                "type": "array",
                "items": obj(
                    {
                        **AGENCY_PROPERTIES,
                        "score": {"type": "number"},
                        "needs_met": STRINGS,
                        "covers_place": {"type": ["boolean", "null"]},
                    }
                ),
            },
        }
    ),
    "CountFlag": obj({"count": {"type": "integer", "minimum": 0}, "flag": FLAG}),
    "NeedCount": obj(
        {
            "count": {
                "type": "integer",
                "minimum": 0,
                "description": "Service coordination agencies helping with the need.",
            },
            "informal": {
                "type": "integer",
                "minimum": 0,
                "description": "Community supports helping with the need.",
            },
            "flag": {
                **enum_schema((*FLAGS, INFORMAL_ONLY)),
                "description": "gap only where neither an agency nor a community support helps.",
            },
        }
    ),
    "AreaCoverage": obj(
        {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "parent": NULLABLE_STRING,
            "kind": {
                "type": "string",
                "description": "area, or the place's kind (city, borough, township, neighbourhood).",
            },
            "count": {
                "type": "integer",
                "minimum": 0,
                "description": "Agencies covering all of the area under the chosen filters.",
            },
            "flag": FLAG,
            "providers": STRINGS,
            "by_combo": {
                "type": "object",
                "additionalProperties": ref("CountFlag"),
                "description": "Keys: "
                + ", ".join(f"{level.value}-{group.value}" for level, group in COMBOS)
                + ".",
            },
            "by_need": {"type": "object", "additionalProperties": ref("NeedCount")},
        }
    ),
    "Coverage": obj(
        {
            "filters": obj(
                {
                    "level": enum_schema(Level, nullable=True),
                    "age_group": enum_schema(AgeGroup, nullable=True),
                    "need": NULLABLE_STRING,
                }
            ),
            "scope": enum_schema(Scope),
            "by": enum_schema(By),
            "overlap_at": {"type": "integer"},
            "region_wide": {"type": "integer", "minimum": 0},
            "provenance": {"type": "string"},
            "areas": {"type": "array", "items": ref("AreaCoverage")},
        }
    ),
    "AreaFeatureCollection": {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"const": "FeatureCollection"},
            "filters": {"type": "object"},
            "overlap_at": {"type": "integer"},
            "features": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["type", "id", "properties", "geometry"],
                    "properties": {
                        "type": {"const": "Feature"},
                        "id": {"type": "string"},
                        "properties": {
                            "type": "object",
                            "required": ["id", "name", "parent", "shape_source", "approximate"],
                            "properties": {
                                "id": {"type": "string"},
                                "name": {"type": "string"},
                                "parent": NULLABLE_STRING,
                                "shape_source": {"type": "string"},
                                "approximate": {"type": "boolean"},
                                "count": {"type": "integer"},
                                "flag": FLAG,
                                "providers": STRINGS,
                            },
                        },
                        "geometry": {
                            "type": "object",
                            "required": ["type", "coordinates"],
                            "properties": {
                                "type": {"enum": ["Polygon", "MultiPolygon", "GeometryCollection"]}
                            },
                        },
                    },
                },
            },
        },
    },
    "Need": obj(
        {
            "code": {"type": "string"},
            "label": {"type": "string"},
            "description": {"type": "string"},
            "synonyms": STRINGS,
            "open_eligibility": {"type": "string"},
        }
    ),
}
