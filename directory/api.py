"""JSON API (/api/v1): the same domain calls as the pages, as JSON."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .errors import NotFound
from .serialise import agency_json
from .web import current_directory

bp = Blueprint("api", __name__)


@bp.get("/agencies/<agency_id>")
def agency(agency_id: str):
    directory = current_directory()
    found = directory.agencies_by_id.get(agency_id)
    if found is None:
        raise NotFound(f'No agency or support has the id "{agency_id}".', code="unknown_agency")
    return jsonify(agency_json(found, directory))
