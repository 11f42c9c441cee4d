"""The OpenAPI 3.1 document of /api/v1: the contract the tests check real responses against.

Schemas are plain JSON Schema (OpenAPI 3.1), so a client can validate with any JSON Schema
library. Keep it next to api.py's routes: a new field in a response belongs here first.
"""

from __future__ import annotations

from typing import Any

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
STRINGS = {"type": "array", "items": {"type": "string"}}
LEVEL = {"type": "string", "enum": ["blended", "administrative"]}
AGE_GROUP = {"type": "string", "enum": ["adult", "child"]}
FLAG = {"type": "string", "enum": ["gap", "fragile", "covered", "overlap"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(
    properties: dict[str, Any], required: list[str] | None = None, extra: bool = False
) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": extra,
    }


AGENCY_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string", "description": "Stable id (slug) of the agency or support."},
    "name": {"type": "string"},
    "kind": {
        "type": "string",
        "enum": ["formal", "informal"],
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
    "Error": _object(
        {"error": _object({"code": {"type": "string"}, "message": {"type": "string"}})}
    ),
    "Location": _object(
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
    "Agency": _object(AGENCY_PROPERTIES),
    "AgencyMatch": _object(
        {
            **AGENCY_PROPERTIES,
            "needs_met": STRINGS,
            "offers_level": {"type": "boolean"},
            "covers_place": {"type": "boolean"},
        }
    ),
    "InformalMatch": _object(
        {**AGENCY_PROPERTIES, "needs_met": STRINGS, "covers_place": {"type": "boolean"}}
    ),
    "Alternative": _object(
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
            "level": {"type": ["string", "null"], "enum": ["blended", "administrative", None]},
            "age_group": {"type": ["string", "null"], "enum": ["adult", "child", None]},
            "message": {"type": "string"},
            "alternatives": {"type": "array", "items": _ref("Alternative")},
        },
        "required": ["kind", "message", "alternatives"],
        "additionalProperties": False,
    },
    "LevelSuggestion": _object(
        {
            "level": {"type": ["string", "null"], "enum": ["blended", "administrative", None]},
            "reasons": STRINGS,
            "explanation": {"type": "string"},
        }
    ),
    "Match": _object(
        {
            "location": _ref("Location"),
            "filters": _object(
                {
                    "age_group": {"type": ["string", "null"], "enum": ["adult", "child", None]},
                    "years": NULLABLE_INTEGER,
                    "needs": STRINGS,
                    "level": {
                        "type": ["string", "null"],
                        "enum": ["blended", "administrative", None],
                    },
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
            "suggestion": {"oneOf": [_ref("LevelSuggestion"), {"type": "null"}]},
            "urgent": {
                "type": "array",
                "items": _ref("UrgentLine"),
                "description": "Lines to reach first when the words, needs or screener signal "
                "danger (988 call or text first, then 911) or substance use with no local "
                "agency (national helpline, treatment locator); empty otherwise.",
            },
            "first_call": {
                "oneOf": [_ref("UrgentLine"), {"type": "null"}],
                "description": "211 when only rent, food or bills were asked for.",
            },
            "notices": {
                **STRINGS,
                "description": "Contradictions in what was asked (adult, age 10), in words.",
            },
            "agencies": {
                "type": "array",
                "items": _ref("AgencyMatch"),
                "description": "Only agencies whose service area holds the place.",
            },
            "partial": {
                "type": "array",
                "items": _ref("PartialMatch"),
                "description": "Only for a ZIP or town straddling service areas: agencies "
                "serving part of it, each naming the parts it serves.",
            },
            "informal": {"type": "array", "items": _ref("InformalMatch")},
            "gaps": {"type": "array", "items": _ref("Gap")},
            "page": {"type": "integer", "minimum": 1},
            "page_size": {"type": "integer", "minimum": 1},
            "total_agencies": {"type": "integer", "minimum": 0},
            "total_informal": {"type": "integer", "minimum": 0},
            "total_partial": {"type": "integer", "minimum": 0},
        }
    ),
    "UrgentLine": _object(
        {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "phone": NULLABLE_STRING,
            "how": {"type": "string"},
            "when": {"type": "string"},
            "signal": {"type": "string", "enum": ["crisis", "substance-use", "everyday"]},
            "website": NULLABLE_STRING,
            "source": {"type": "string"},
            "verified_on": NULLABLE_STRING,
        }
    ),
    "PartialMatch": _object(
        {
            **AGENCY_PROPERTIES,
            "needs_met": STRINGS,
            "offers_level": {"type": "boolean"},
            "covers_place": {"type": "boolean"},
            "serves_parts": {
                "type": "array",
                "items": _object({"id": {"type": "string"}, "name": {"type": "string"}}),
            },
        }
    ),
    "SearchResults": _object(
        {
            "query": {"type": "object"},
            "location": {"oneOf": [_ref("Location"), {"type": "null"}]},
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
                "items": _object(
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
    "CountFlag": _object({"count": {"type": "integer", "minimum": 0}, "flag": FLAG}),
    "NeedCount": _object(
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
                "type": "string",
                "enum": ["gap", "fragile", "covered", "overlap", "informal-only"],
                "description": "gap only where neither an agency nor a community support helps.",
            },
        }
    ),
    "AreaCoverage": _object(
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
                "additionalProperties": _ref("CountFlag"),
                "description": (
                    "Keys: blended-adult, blended-child, administrative-adult, "
                    "administrative-child."
                ),
            },
            "by_need": {"type": "object", "additionalProperties": _ref("NeedCount")},
        }
    ),
    "Coverage": _object(
        {
            "filters": _object(
                {
                    "level": {
                        "type": ["string", "null"],
                        "enum": ["blended", "administrative", None],
                    },
                    "age_group": {"type": ["string", "null"], "enum": ["adult", "child", None]},
                    "need": NULLABLE_STRING,
                }
            ),
            "scope": {"type": "string", "enum": ["all", "local"]},
            "by": {"type": "string", "enum": ["area", "place"]},
            "overlap_at": {"type": "integer"},
            "region_wide": {"type": "integer", "minimum": 0},
            "provenance": {"type": "string"},
            "areas": {"type": "array", "items": _ref("AreaCoverage")},
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
    "Need": _object(
        {
            "code": {"type": "string"},
            "label": {"type": "string"},
            "description": {"type": "string"},
            "synonyms": STRINGS,
            "open_eligibility": {"type": "string"},
        }
    ),
}


def _param(
    name: str,
    description: str,
    schema: dict | None = None,
    required: bool = False,
    repeat: bool = False,
) -> dict[str, Any]:
    schema = schema or {"type": "string", "maxLength": 500}
    if repeat:
        schema = {"type": "array", "items": schema}
    param = {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }
    if repeat:
        param.update(style="form", explode=True)
    return param


NEAR = _param(
    "near",
    'Where the person is: a ZIP code, town, neighbourhood, address or "lat,lon".',
    required=True,
)
AGE = _param("age", "Age group.", {"type": "string", "enum": ["adult", "child"]})
LEVEL_PARAM = _param(
    "level",
    "Level of service coordination.",
    {"type": "string", "enum": ["blended", "administrative"]},
)
NEED_CODE = {"type": "string", "pattern": "^[a-z0-9-]{1,80}$"}


def _ok(schema: str, description: str, media: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": _ref(schema)}}}


ERROR = {
    "description": "Bad input: the message says what to change.",
    "content": {"application/json": {"schema": _ref("Error")}},
}
NOT_FOUND = {
    "description": "No such record.",
    "content": {"application/json": {"schema": _ref("Error")}},
}
TOO_MANY = {
    "description": "Too many requests from this client; retry after the Retry-After seconds.",
    "content": {"application/json": {"schema": _ref("Error")}},
}


def _get(summary: str, parameters: list, responses: dict, operation_id: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "operationId": operation_id,
            "parameters": parameters,
            "responses": {**responses, "429": TOO_MANY},
        }
    }


def openapi_document(region_name: str, server_url: str = "/api/v1") -> dict[str, Any]:
    """The whole document; `server_url` is where this API is served."""
    screener = [
        _param(
            key,
            f"Screener answer ({text}); any non-empty value means yes.",
            {"type": "string", "maxLength": 10},
        )
        for key, text in _screener_questions().items()
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{region_name} service directory API",
            "version": "1.0.0",
            "description": (
                "Service coordination agencies and community supports: who serves a place for "
                "which needs, levels and age groups; free-text search; coverage gaps by area. "
                'Nothing you send is stored. Errors are {"error": {"code", "message"}} '
                "with a 4xx status."
            ),
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/locate": _get(
                "Where a typed place is, and which service areas hold it",
                [
                    _param(
                        "q", 'A ZIP code, town, neighbourhood, address or "lat,lon".', required=True
                    ),
                ],
                {
                    "200": _ok(
                        "Location", "The located place (in_area false when outside the region)."
                    ),
                    "400": ERROR,
                },
                "locate",
            ),
            "/match": _get(
                "Agencies serving a person's place for their needs, level and age; gaps",
                [
                    NEAR,
                    AGE,
                    _param(
                        "years",
                        "Age in years (0-120).",
                        {"type": "integer", "minimum": 0, "maximum": 120},
                    ),
                    _param("need", "Need code; repeat for several.", NEED_CODE, repeat=True),
                    LEVEL_PARAM,
                    _param("q", 'Free text; needs named in it ("rent" -> housing) are added.'),
                    _param(
                        "page",
                        "Page of agencies and supports (from 1).",
                        {"type": "integer", "minimum": 1, "maximum": 1000},
                    ),
                    _param(
                        "page_size",
                        "Agencies and supports per page (default 20, at most 100).",
                        {"type": "integer", "minimum": 1, "maximum": 100},
                    ),
                    *screener,
                ],
                {
                    "200": _ok("Match", "Matched agencies, informal supports and gaps."),
                    "400": ERROR,
                },
                "match",
            ),
            "/search": _get(
                "Free-text search with filters, facets and spelling suggestions",
                [
                    _param("q", "Words; never query syntax."),
                    _param("level", "Level filter.", LEVEL, repeat=True),
                    _param("age", "Age group filter.", AGE_GROUP, repeat=True),
                    _param(
                        "area",
                        "Service-area id: agencies serving all or part of it.",
                        NEED_CODE,
                        repeat=True,
                    ),
                    _param("need", "Need code.", NEED_CODE, repeat=True),
                    _param(
                        "kind",
                        "formal or informal.",
                        {"type": "string", "enum": ["formal", "informal"]},
                        repeat=True,
                    ),
                    _param("near", "A place to rank and measure distance from."),
                    _param(
                        "sort",
                        "Order.",
                        {"type": "string", "enum": ["relevance", "distance", "name"]},
                    ),
                    _param(
                        "page",
                        "Page number.",
                        {"type": "integer", "minimum": 1, "maximum": 1000000},
                    ),
                    _param(
                        "page_size",
                        "Results per page.",
                        {"type": "integer", "minimum": 1, "maximum": 100},
                    ),
                ],
                {
                    "200": _ok("SearchResults", "One page of results with facet counts."),
                    "400": ERROR,
                    "503": ERROR,
                },
                "search",
            ),
            "/agencies/{agency_id}": {
                "get": {
                    "summary": "One agency or support, with everything known and its source",
                    "operationId": "agency",
                    "parameters": [
                        {
                            "name": "agency_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": _ok("Agency", "The record."),
                        "404": NOT_FOUND,
                        "429": TOO_MANY,
                    },
                }
            },
            "/coverage": _get(
                "Providers per service area: gap, fragile, covered, overlap",
                [
                    LEVEL_PARAM,
                    AGE,
                    _param("need", "Need code.", NEED_CODE),
                    _param(
                        "scope",
                        "all agencies, or local: leave out agencies serving the whole region.",
                        {"type": "string", "enum": ["all", "local"]},
                    ),
                    _param(
                        "by",
                        "area: a row per service area; place: per municipality and neighbourhood.",
                        {"type": "string", "enum": ["area", "place"]},
                    ),
                ],
                {
                    "200": _ok(
                        "Coverage", "Every area with counts per level x age group and per need."
                    ),
                    "400": ERROR,
                },
                "coverage",
            ),
            "/areas.geojson": _get(
                "Service-area shapes (approximate when derived) with coverage counts",
                [
                    LEVEL_PARAM,
                    AGE,
                    _param("need", "Need code.", NEED_CODE),
                ],
                {
                    "200": _ok(
                        "AreaFeatureCollection",
                        "GeoJSON FeatureCollection.",
                        "application/geo+json",
                    ),
                    "400": ERROR,
                },
                "areas_geojson",
            ),
            "/needs": _get(
                "The need vocabulary",
                [],
                {
                    "200": {
                        "description": "Every need.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["needs"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "needs": {"type": "array", "items": _ref("Need")}
                                    },
                                }
                            }
                        },
                    },
                },
                "needs",
            ),
            "/screen": _get(
                "Suggest a level of service coordination from screener answers",
                screener,
                {
                    "200": _ok("LevelSuggestion", "A suggestion and why; the agency decides."),
                },
                "screen",
            ),
        },
        "components": {"schemas": SCHEMAS},
    }


def _screener_questions() -> dict[str, str]:
    from .screening import QUESTIONS

    return QUESTIONS
