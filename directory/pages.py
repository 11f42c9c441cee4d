"""HTML pages: parse the request, call the domain, render."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from .errors import NotFound
from .web import current_directory

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/agencies/<agency_id>")
def agency(agency_id: str):
    directory = current_directory()
    found = directory.agencies_by_id.get(agency_id)
    if found is None:
        raise NotFound(f'No agency or support has the id "{agency_id}".', code="unknown_agency")
    return render_template("agency.html", agency=found)


@bp.get("/healthz")
def healthz():
    holder = current_app.extensions["directory"]
    holder.current()
    status = holder.status()
    status["ok"] = True
    return jsonify(status)
