"""JSON API (/api/v1): the same domain calls as the pages, as JSON.

Errors are {"error": {"code", "message"}} with a 4xx status (errors.py); the contract is
/api/v1/openapi.json (openapi.py), which the tests check real responses against.
"""

from __future__ import annotations

import json

from flask import Blueprint, jsonify, request, url_for

from ..coverage import CoverageQuery
from ..errors import DirectoryError
from ..findhelp import find_help
from ..matching import MatchQuery, screener_answers
from ..openapi import openapi_document
from ..screening import suggest_level
from ..serialise import agency_json, coverage_geojson, find_help_json, search_json
from .shared import current_directory

bp = Blueprint("api", __name__)


class SearchUnavailable(DirectoryError):
    code = "search_unavailable"
    status = 503


@bp.get("/locate")
def locate():
    directory = current_directory()
    return jsonify(directory.atlas.locate(request.args.get("q", "")).to_json())


@bp.get("/match")
def match():
    directory = current_directory()
    query = MatchQuery.read(request.args, directory)
    return jsonify(find_help_json(find_help(directory, query), directory))


@bp.get("/search")
def search():
    from ..search import SearchQuery
    from ..search import search as run_search

    directory = current_directory()
    if getattr(directory, "search_engine", None) is None:
        raise SearchUnavailable("Search is not available right now; try again in a minute.")
    results = run_search(directory, SearchQuery.read(request.args, directory))
    return jsonify(search_json(results, directory))


@bp.get("/agencies/<agency_id>")
def agency(agency_id: str):
    directory = current_directory()
    found = directory.agency(agency_id)
    return jsonify(agency_json(found, directory))


@bp.get("/coverage")
def coverage():
    directory = current_directory()
    query, result = CoverageQuery.answer(request.args, directory)
    # The same for every client of this data version and filter: made once, served with ETags.
    from .pages import once_per_version

    return once_per_version(
        directory,
        ("coverage-json", query),
        lambda: json.dumps(result.to_json(), separators=(",", ":")),
        "application/json",
    )


@bp.get("/areas.geojson")
def areas_geojson():
    directory = current_directory()
    _, result = CoverageQuery.answer(request.args, directory)
    response = jsonify(coverage_geojson(result, directory.atlas))
    response.mimetype = "application/geo+json"
    return response


@bp.get("/needs")
def needs():
    directory = current_directory()
    return jsonify(
        {
            "needs": [
                {
                    "code": n.code,
                    "label": n.label,
                    "description": n.description,
                    "synonyms": list(n.synonyms),
                    "open_eligibility": n.open_eligibility,
                }
                for n in directory.data.needs
            ]
        }
    )


@bp.get("/screen")
def screen():
    return jsonify(suggest_level(screener_answers(request.args)).to_json())


@bp.get("/openapi.json")
def openapi():
    directory = current_directory()
    return jsonify(
        openapi_document(
            directory.region_name,
            url_for("api.openapi").rsplit("/", 1)[0],
            directory.settings,
        )
    )
