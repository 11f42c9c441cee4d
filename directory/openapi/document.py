"""The OpenAPI 3.1 document of /api/v1: the contract the tests check real responses against.

Schemas (schemas.py) are plain JSON Schema, so a client can validate with any JSON Schema
library; this module adds the paths and their parameters. Enums and limits come from the
code's enums and the served Settings, never written again. A new field in a response
belongs in schemas.py first.
"""

from __future__ import annotations

from typing import Any

from .. import params
from ..config import Settings
from ..coverage import By, Scope
from ..matching.query import MAX_PAGE as MATCH_MAX_PAGE
from ..matching.query import MAX_YEARS
from ..screening import QUESTIONS
from ..search_engine import SORTS
from .schemas import AGE_GROUP, KIND, LEVEL, SCHEMAS, enum_schema, ref


def _param(
    name: str,
    description: str,
    schema: dict | None = None,
    required: bool = False,
    repeat: bool = False,
) -> dict[str, Any]:
    schema = schema or {"type": "string"}
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


AGE = _param("age", "Age group.", AGE_GROUP)
LEVEL_PARAM = _param("level", "Level of service coordination.", LEVEL)
NEED_CODE = {"type": "string", "pattern": f"^[a-z0-9-]{{1,{params.MAX_CODE_CHARS}}}$"}


def _ok(schema: str, description: str, media: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": ref(schema)}}}


ERROR = {
    "description": "Bad input: the message says what to change.",
    "content": {"application/json": {"schema": ref("Error")}},
}
NOT_FOUND = {
    "description": "No such record.",
    "content": {"application/json": {"schema": ref("Error")}},
}
TOO_MANY = {
    "description": "Too many requests from this client; retry after the Retry-After seconds.",
    "content": {"application/json": {"schema": ref("Error")}},
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


def openapi_document(
    region_name: str, server_url: str = "/api/v1", settings: Settings | None = None
) -> dict[str, Any]:
    """The whole document; `server_url` is where this API is served. Limits (page sizes,
    text length) are those of `settings` (the served directory's)."""
    settings = settings or Settings()
    text = {"type": "string", "maxLength": settings.max_query_chars}
    page_size = {"type": "integer", "minimum": 1, "maximum": settings.max_page_size}
    page_size_words = f"(default {settings.page_size}, at most {settings.max_page_size})"
    screener = [
        _param(
            key,
            f"Screener answer ({question}); any non-empty value means yes.",
            {"type": "string", "maxLength": 10},
        )
        for key, question in QUESTIONS.items()
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
                        "q",
                        'A ZIP code, town, neighbourhood, address or "lat,lon".',
                        text,
                        required=True,
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
                    _param(
                        "near",
                        'Where the person is: a ZIP code, town, neighbourhood, address or "lat,lon".',
                        text,
                        required=True,
                    ),
                    AGE,
                    _param(
                        "years",
                        f"Age in years (0-{MAX_YEARS}).",
                        {"type": "integer", "minimum": 0, "maximum": MAX_YEARS},
                    ),
                    _param("need", "Need code; repeat for several.", NEED_CODE, repeat=True),
                    LEVEL_PARAM,
                    _param(
                        "q", 'Free text; needs named in it ("rent" -> housing) are added.', text
                    ),
                    _param(
                        "page",
                        "Page of agencies and supports (from 1).",
                        {"type": "integer", "minimum": 1, "maximum": MATCH_MAX_PAGE},
                    ),
                    _param(
                        "page_size", f"Agencies and supports per page {page_size_words}.", page_size
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
                    _param("q", "Words; never query syntax.", text),
                    _param("level", "Level filter.", LEVEL, repeat=True),
                    _param("age", "Age group filter.", AGE_GROUP, repeat=True),
                    _param(
                        "area",
                        "Service-area id: agencies serving all or part of it.",
                        NEED_CODE,
                        repeat=True,
                    ),
                    _param("need", "Need code.", NEED_CODE, repeat=True),
                    _param("kind", " or ".join(KIND["enum"]) + ".", KIND, repeat=True),
                    _param("near", "A place to rank and measure distance from.", text),
                    _param("sort", "Order.", enum_schema(SORTS)),
                    _param(
                        "page",
                        "Page number.",
                        {"type": "integer", "minimum": 1, "maximum": params.MAX_PAGE},
                    ),
                    _param("page_size", f"Results per page {page_size_words}.", page_size),
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
                        enum_schema(Scope),
                    ),
                    _param(
                        "by",
                        "area: a row per service area; place: per municipality and neighbourhood.",
                        enum_schema(By),
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
                                        "needs": {"type": "array", "items": ref("Need")}
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
