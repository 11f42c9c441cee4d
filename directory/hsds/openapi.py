"""Our OpenAPI 3.1 document for /hsds: exactly the endpoints, parameters and limits we serve.

Written from the same tables the API reads its arguments with (query.PARAMETERS, ENDPOINTS),
so the document cannot promise a parameter the API refuses or leave out one it takes.
Response bodies refer to the published HSDS 3.0 schemas by their official URLs (the product
never fetches them; tests check our answers against the files). Pure: no Flask.
"""

from __future__ import annotations

from typing import Any

from .query import ENDPOINTS, MAX_PER_PAGE, PARAMETERS
from .schema import HSDS_VERSION, OPENAPI_URL, SPEC_URL

SCHEMA_BASE = OPENAPI_URL.rsplit("/", 1)[0] + "/"  # .../specification/3.0/schema/

# Endpoint -> (summary, the official schema of one item, is it a page list?)
RESPONSES: dict[str, tuple[str, str, bool]] = {
    "/services": ("Services with their one-to-one fields", "compiled/service_list.json", True),
    "/services/{id}": ("A fully nested service", "compiled/service.json", False),
    "/service_at_locations": (
        "Services at locations, with their location and service",
        "compiled/service_at_location_list.json",
        True,
    ),
    "/service_at_locations/{id}": (
        # The official document names compiled/service.json here, which requires a service's
        # name and status; what this endpoint answers is a service_at_location.
        "A fully nested service at a location",
        "compiled/service_at_location.json",
        False,
    ),
    "/organizations": (
        "Organizations with their one-to-one fields",
        "compiled/organization_list.json",
        True,
    ),
    "/organizations/{id}": (
        "A nested organization with its locations and services",
        "compiled/organization.json",
        False,
    ),
    "/taxonomies": ("Taxonomies", "taxonomy.json", True),
    "/taxonomies/{id}": ("A taxonomy", "taxonomy.json", False),
    "/taxonomy_terms": ("Taxonomy terms", "taxonomy_term.json", True),
    "/taxonomy_terms/{id}": ("A taxonomy term with its taxonomy", "taxonomy_term.json", False),
}

PAGE = {
    "type": "object",
    "required": [
        "total_items",
        "total_pages",
        "page_number",
        "size",
        "first_page",
        "last_page",
        "empty",
        "per_page",
        "contents",
    ],
    "properties": {
        "total_items": {"type": "integer", "description": "Items matching, on every page."},
        "total_pages": {"type": "integer"},
        "page_number": {"type": "integer"},
        "size": {"type": "integer", "description": "Items on this page."},
        "first_page": {"type": "boolean"},
        "last_page": {"type": "boolean"},
        "empty": {"type": "boolean"},
        "per_page": {
            "type": "integer",
            "maximum": MAX_PER_PAGE,
            "description": "The page size used.",
        },
        "per_page_requested": {
            "type": "integer",
            "description": f"Present only when per_page was over {MAX_PER_PAGE} and clamped.",
        },
        "notice": {"type": "string", "description": "Says how per_page was clamped."},
    },
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}
INFO = {
    "type": "object",
    "required": ["version", "profile", "openapi_url"],
    "properties": {
        "version": {"type": "string", "description": "HSDS version of this API."},
        "profile": {"type": "string", "format": "uri"},
        "openapi_url": {"type": "string", "format": "uri", "description": "This document."},
    },
}


def hsds_openapi_document(region_name: str, server_url: str = "/hsds") -> dict[str, Any]:
    """The whole document; `server_url` is where the HSDS API is served."""
    paths: dict[str, Any] = {}
    for endpoint, accepted in ENDPOINTS.items():
        if endpoint == "/":
            ok = _json("Information about this API and its relationship with HSDS.", INFO)
        elif endpoint == "/openapi.json":
            ok = _json("This document.", {"type": "object"})
        else:
            summary, schema, is_list = RESPONSES[endpoint]
            item = {"$ref": SCHEMA_BASE + schema}
            if is_list:
                page: dict[str, Any] = {
                    "allOf": [{"$ref": "#/components/schemas/Page"}],
                    "properties": {"contents": {"type": "array", "items": item}},
                }
                ok = _json(summary, page)
                ok["content"]["application/x-ndjson"] = {
                    "schema": item,
                    "description": "With format=ndjson: one item a line.",
                }
            else:
                ok = _json(summary, item)
        operation: dict[str, Any] = {
            "summary": _summary(endpoint),
            "operationId": _operation_id(endpoint),
            "parameters": [_parameter(name) for name in accepted],
            "responses": {
                "200": ok,
                "400": _error("A parameter this endpoint does not take, or a bad value."),
                "429": _error("Too many requests; the Retry-After header says when to retry."),
            },
        }
        if "{id}" in endpoint:
            operation["parameters"].insert(
                0,
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
            )
            operation["responses"]["404"] = _error("No record has this id.")
        paths[endpoint] = {"get": operation}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{region_name} service directory: Open Referral HSDS {HSDS_VERSION} API",
            "version": f"{HSDS_VERSION}.0",
            "description": (
                f"Read-only open data in the Open Referral Human Services Data Specification "
                f"({SPEC_URL}). Every response carries Access-Control-Allow-Origin: *. A query "
                "parameter an endpoint does not list is refused with a 400 naming it. Optional "
                "fields without a value are left out. Errors are "
                '{"error": {"code", "message"}} with a 4xx status.'
            ),
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": {"Page": PAGE, "Error": ERROR}},
    }


def _parameter(name: str) -> dict[str, Any]:
    parameter = PARAMETERS[name]
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": parameter.description,
        "schema": dict(parameter.schema),
    }


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(description, {"$ref": "#/components/schemas/Error"})


def _summary(endpoint: str) -> str:
    if endpoint == "/":
        return "Information about this API"
    if endpoint == "/openapi.json":
        return "This OpenAPI document"
    return RESPONSES[endpoint][0]


def _operation_id(endpoint: str) -> str:
    if endpoint in ("/", "/openapi.json"):
        return "get_api_info" if endpoint == "/" else "get_openapi_document"
    words = [part for part in endpoint.split("/") if part]
    name = "_".join(word.strip("{}") for word in words)
    return "get_" + name.replace("_id", "_by_id") if endpoint.endswith("{id}") else "list_" + name
