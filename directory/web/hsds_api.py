"""The Open Referral HSDS 3.0 API (/hsds): services, one service, and services at locations.

Every answer is built from `hsds.hsds_tables` of the loaded directory, the same rows the
export writes; text search, ZIP coverage and distances come from the same domain functions
as the rest of the site (search.search, the atlas, geo.distance).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Blueprint, jsonify, request

from geo.distance import haversine_km
from geo.zips import normalise_zip

from ..catalog import Directory
from ..errors import BadInput, NotFound
from ..hsds.export import area_extents
from ..hsds.ids import read_feed_ids
from ..hsds.schema import OPENAPI_URL, SPEC_URL
from ..hsds.tables import hsds_tables, service_ids
from ..hsds.view import HsdsView
from .shared import current_directory

bp = Blueprint("hsds", __name__)


@bp.after_request
def _open_to_everyone(response):
    """The HSDS API is open data: any site may read it (no credentials are ever involved)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def hsds_view(directory: Directory) -> HsdsView:
    """The directory as indexed HSDS tables, built once per data version (freed on reload)."""

    return _memo(directory)[0]


def _service_of(directory: Directory) -> dict[str, str]:
    """Agency id -> HSDS service id (the feed's own id for imported agencies)."""
    return _memo(directory)[1]


def _memo(directory: Directory) -> tuple[HsdsView, dict[str, str]]:
    def make() -> tuple[HsdsView, dict[str, str]]:
        extents = area_extents(directory.data.areas, directory.atlas.shape)
        feed_ids = read_feed_ids(directory.data.folder)
        view = HsdsView(hsds_tables(directory.data, extents, feed_ids))
        return view, service_ids(directory.data, feed_ids)

    return directory.memo("hsds-view", make)


@bp.get("/")
def api_info():
    return jsonify({"version": "3.0.0", "profile": SPEC_URL, "openapi_url": OPENAPI_URL})


@bp.get("/services")
def services():
    directory = current_directory()
    view = hsds_view(directory)
    ids = _service_ids(directory, view, request.args)
    page, per_page = _paging(request.args, directory.settings)
    return jsonify(
        _page(
            [view.service_summary(i) for i in _slice(ids, page, per_page)], len(ids), page, per_page
        )
    )


@bp.get("/services/<service_id>")
def service(service_id: str):
    directory = current_directory()
    view = hsds_view(directory)
    if service_id not in view.by_id["service"] and service_id in directory.agencies_by_id:
        service_id = _service_of(directory)[service_id]  # our own slug works too
    if service_id not in view.by_id["service"]:
        raise NotFound(f'No service has the id "{service_id}".', code="unknown_service")
    return jsonify(view.full_service(service_id))


@bp.get("/service_at_locations")
def service_at_locations():
    directory = current_directory()
    view = hsds_view(directory)
    args = request.args
    page, per_page = _paging(args, directory.settings)
    wanted = set(_service_ids(directory, view, args))
    rows = [row for row in view.tables["service_at_location"] if row["service_id"] in wanted]
    postcode = args.get("postcode", "").strip()
    proximity = args.get("proximity", "").strip()
    if proximity and not postcode:
        raise BadInput(
            '"proximity" is measured from a postcode: add "postcode" (a ZIP code).', "bad_proximity"
        )
    if postcode:
        rows = _in_service_area(directory, rows, postcode)
    if proximity:
        rows = _within(directory, view, rows, postcode, _meters(proximity))
    contents = [view.service_at_location_summary(row) for row in _slice(rows, page, per_page)]
    return jsonify(_page(contents, len(rows), page, per_page))


# -- filters ----------------------------------------------------------------------------------


def _service_ids(directory: Directory, view: HsdsView, args: Mapping[str, str]) -> list[str]:
    """Service ids passing search, taxonomy_term_id, taxonomy_id and organization_id."""
    rows = view.tables["service"]
    text = args.get("search", "").strip()
    if text:
        rows = [
            view.by_id["service"][_service_of(directory)[agency_id]]
            for agency_id in _text_matches(directory, text)
        ]
    term_id = args.get("taxonomy_term_id", "").strip()
    taxonomy_id = args.get("taxonomy_id", "").strip()
    organization_id = args.get("organization_id", "").strip()
    if term_id or taxonomy_id:
        linked = _services_with_terms(view, term_id, taxonomy_id)
        rows = [row for row in rows if row["id"] in linked]
    if organization_id:
        rows = [row for row in rows if row.get("organization_id") == organization_id]
    return [row["id"] for row in rows]


def _text_matches(directory: Directory, text: str) -> list[str]:
    """Agency ids matching the words, best first: the site's own search."""
    from ..search import SearchQuery, search

    limit = int(directory.settings.get("MAX_QUERY_CHARS", 500))
    query = SearchQuery(text=text[:limit], page=1, page_size=max(1, len(directory.agencies)))
    return [hit.agency.id for hit in search(directory, query).hits]


def _services_with_terms(view: HsdsView, term_id: str, taxonomy_id: str) -> set[str]:
    terms = view.by_id["taxonomy_term"]
    linked = set()
    for attribute in view.tables["attribute"]:
        if attribute.get("link_entity") != "service":
            continue
        term = terms.get(attribute["taxonomy_term_id"])
        if term is None:
            continue
        if term_id and term["id"] != term_id:
            continue
        if taxonomy_id and term.get("taxonomy_id") != taxonomy_id:
            continue
        linked.add(attribute["link_id"])
    return linked


def _in_service_area(directory: Directory, rows: list[dict], postcode: str) -> list[dict]:
    """Rows whose service's areas hold the ZIP (an area listing it, or an enclosing area)."""
    code = normalise_zip(postcode)
    if code is None:
        raise BadInput(
            f'"{postcode[:20]}" is not a ZIP code; use 5 digits such as 15213.', "bad_postcode"
        )
    areas = set(directory.atlas.areas_for_zip(code))
    serving = {
        _service_of(directory)[agency.id]
        for agency in directory.agencies
        if areas.intersection(agency.area_ids)
    }
    return [row for row in rows if row["service_id"] in serving]


def _within(
    directory: Directory, view: HsdsView, rows: list[dict], postcode: str, meters: float
) -> list[dict]:
    """Rows whose location lies within `meters` of the ZIP's centroid; unplaced ones drop out."""
    place = directory.atlas.locate(normalise_zip(postcode) or postcode)  # PlaceNotFound -> 400
    placed = []
    for row in rows:
        location = view.get("location", row["location_id"]) or {}
        if location.get("latitude") is not None and location.get("longitude") is not None:
            placed.append((row, location["latitude"], location["longitude"]))
    if not placed:
        return []
    km = haversine_km(place.lat, place.lon, [p[1] for p in placed], [p[2] for p in placed])
    return [row for (row, _, _), distance in zip(placed, km) if distance * 1000 <= meters]


def _meters(text: str) -> float:
    try:
        meters = float(text)
    except ValueError:
        meters = math.nan
    if not math.isfinite(meters) or meters <= 0:
        raise BadInput(
            f'"proximity" is a distance in meters, such as 5000; got "{text[:20]}".',
            "bad_proximity",
        )
    return meters


# -- paging -------------------------------------------------------------------------------------


def _paging(args: Mapping[str, str], settings: Mapping[str, Any]) -> tuple[int, int]:
    maximum = int(settings.get("MAX_PAGE_SIZE", 100))
    page = _whole(args, "page", 1, 1, 1_000_000)
    per_page = _whole(args, "per_page", int(settings.get("PAGE_SIZE", 20)), 1, maximum)
    return page, per_page


def _whole(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = args.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 18 or not low <= int(text) <= high:
        raise BadInput(
            f'"{name}" must be a whole number from {low} to {high}; got "{text[:20]}".',
            f"bad_{name}",
        )
    return int(text)


def _slice(items: list, page: int, per_page: int) -> list:
    start = (page - 1) * per_page
    return items[start : start + per_page]


def _page(contents: Iterable[dict], total: int, page: int, per_page: int) -> dict:
    """The HSDS paging wrapper around one page of contents."""
    contents = list(contents)
    pages = math.ceil(total / per_page)
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not contents,
        "contents": contents,
    }
