"""The Open Referral HSDS 3.0 API (/hsds): services, service at locations, organizations,
taxonomies and taxonomy terms, each as a page list and by id, plus our OpenAPI document.

Every answer is built from `hsds.hsds_tables` of the loaded directory (the rows the export
writes), read through one typed query (hsds.query.HsdsQuery: a parameter an endpoint does
not take is a 400 naming it). Text search, ZIP coverage and distances come from the same
domain functions as the rest of the site. Read-only open data: every /hsds response, errors
included, carries Access-Control-Allow-Origin: *.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from flask import Blueprint, Response, jsonify, request, url_for

from geo.distance import haversine_km
from geo.zips import normalise_zip

from ..catalog import Directory
from ..errors import BadInput, NotFound
from ..hsds.export import area_extents
from ..hsds.ids import read_feed_ids
from ..hsds.openapi import hsds_openapi_document
from ..hsds.query import HsdsQuery, filter_services, words_match
from ..hsds.schema import HSDS_VERSION, SPEC_URL, Row
from ..hsds.tables import hsds_tables, service_ids
from ..hsds.view import HsdsView
from .shared import current_directory, public_url

bp = Blueprint("hsds", __name__)
PREFIX = "/hsds"
NDJSON = "application/x-ndjson"


@bp.after_app_request
def _open_to_everyone(response: Response) -> Response:
    """The HSDS API is open data: any site may read it (no credentials are ever involved).

    Registered app-wide so errors raised before routing (an unknown /hsds path, a rate
    limit) carry the header too."""
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        if request.method == "OPTIONS":  # a browser's preflight: reading is all there is
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Max-Age"] = "86400"
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


def _query(directory: Directory, endpoint: str) -> HsdsQuery:
    return HsdsQuery.read(request.args, endpoint, directory.settings.page_size)


# -- the API's own description --------------------------------------------------------------


@bp.get("/")
def api_info():
    _query(current_directory(), "/")
    return jsonify(
        {
            "version": f"{HSDS_VERSION}.0",
            "profile": SPEC_URL,
            "openapi_url": public_url(url_for("hsds.openapi")),
        }
    )


@bp.get("/openapi.json")
def openapi():
    directory = current_directory()
    _query(directory, "/openapi.json")
    server = url_for("hsds.api_info").rstrip("/")
    return jsonify(hsds_openapi_document(directory.region_name, server))


# -- services --------------------------------------------------------------------------------


@bp.get("/services")
def services():
    directory = current_directory()
    view = hsds_view(directory)
    query = _query(directory, "/services")
    ids = [row["id"] for row in _services(directory, view, query)]
    if query.minimal:
        item: Callable[[str], dict] = view.service_minimal
    elif query.full:
        item = view.full_service
    else:
        item = view.service_summary
    return _listing(query, ids, item)


@bp.get("/services/<service_id>")
def service(service_id: str):
    directory = current_directory()
    if (
        service_id in directory.agencies_by_id
        and service_id not in hsds_view(directory).by_id["service"]
    ):
        service_id = _service_of(directory)[service_id]  # our own slug works too
    view, _ = _found("/services/{id}", "service", service_id, "service")
    return jsonify(view.full_service(service_id))


@bp.get("/service_at_locations")
def service_at_locations():
    directory = current_directory()
    view = hsds_view(directory)
    query = _query(directory, "/service_at_locations")
    wanted = {row["id"] for row in _services(directory, view, query)}
    rows = [row for row in view.tables["service_at_location"] if row["service_id"] in wanted]
    if query.postcode:
        rows = _in_service_area(directory, rows, query.postcode)
    if query.proximity_m is not None:
        rows = _within(directory, view, rows, query.postcode, query.proximity_m)
    by_id = view.full_service_at_location if query.full else _summary_by_id(view)
    return _listing(query, [row["id"] for row in rows], by_id)


@bp.get("/service_at_locations/<row_id>")
def service_at_location(row_id: str):
    view, _ = _found(
        "/service_at_locations/{id}", "service_at_location", row_id, "service at location"
    )
    return jsonify(view.full_service_at_location(row_id))


def _summary_by_id(view: HsdsView) -> Callable[[str], dict]:
    return lambda row_id: view.service_at_location_summary(
        view.by_id["service_at_location"][row_id]
    )


# -- organizations and taxonomies -------------------------------------------------------------


@bp.get("/organizations")
def organizations():
    directory = current_directory()
    view = hsds_view(directory)
    query = _query(directory, "/organizations")
    rows = _matching(view.tables["organization"], query, ("name", "alternate_name", "description"))
    if query.full or query.full_service:
        item: Callable[[str], dict] = lambda i: view.full_organization(i, query.full_service)  # noqa: E731
    else:
        item = view.organization_summary
    return _listing(query, [row["id"] for row in rows], item)


@bp.get("/organizations/<organization_id>")
def organization(organization_id: str):
    view, query = _found("/organizations/{id}", "organization", organization_id, "organization")
    return jsonify(view.full_organization(organization_id, query.full_service))


@bp.get("/taxonomies")
def taxonomies():
    directory = current_directory()
    view = hsds_view(directory)
    query = _query(directory, "/taxonomies")
    rows = _matching(view.tables["taxonomy"], query, ("name", "description", "uri"))
    return _listing(query, [row["id"] for row in rows], view.taxonomy)


@bp.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str):
    view, _ = _found("/taxonomies/{id}", "taxonomy", taxonomy_id, "taxonomy")
    return jsonify(view.taxonomy(taxonomy_id))


@bp.get("/taxonomy_terms")
def taxonomy_terms():
    directory = current_directory()
    view = hsds_view(directory)
    query = _query(directory, "/taxonomy_terms")
    rows = _matching(view.tables["taxonomy_term"], query, ("code", "name", "description"))
    if query.taxonomy_id:
        rows = [row for row in rows if row.get("taxonomy_id") == query.taxonomy_id]
    if query.parent_id:
        rows = [row for row in rows if row.get("parent_id") == query.parent_id]
    if query.top_only:
        rows = [row for row in rows if not row.get("parent_id")]
    return _listing(query, [row["id"] for row in rows], view.taxonomy_term)


@bp.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str):
    view, _ = _found("/taxonomy_terms/{id}", "taxonomy_term", term_id, "taxonomy term")
    return jsonify(view.taxonomy_term(term_id))


def _found(endpoint: str, table: str, row_id: str, what: str) -> tuple[HsdsView, HsdsQuery]:
    """The view and the checked query of a one-row endpoint; NotFound for an unknown id."""
    directory = current_directory()
    view = hsds_view(directory)
    query = _query(directory, endpoint)
    if row_id not in view.by_id[table]:
        raise NotFound(f'No {what} has the id "{row_id[:80]}".', code=f"unknown_{table}")
    return view, query


# -- answering --------------------------------------------------------------------------------


def _listing(query: HsdsQuery, ids: list[str], item: Callable[[str], dict]) -> Response:
    """One page object (JSON), or newline-delimited JSON items (format=ndjson)."""
    chosen = query.window(ids)
    if query.ndjson:  # streamed as made: not held whole in memory, so not gzipped or ETagged
        return Response(_lines(chosen, item), mimetype=NDJSON, direct_passthrough=True)
    return jsonify(query.page_object([item(i) for i in chosen], len(ids)))


def _lines(ids: list[str], item: Callable[[str], dict]) -> Iterator[bytes]:
    for row_id in ids:
        line = json.dumps(item(row_id), ensure_ascii=False, separators=(",", ":")) + "\n"
        yield line.encode("utf-8")


# -- filters ----------------------------------------------------------------------------------


def _services(directory: Directory, view: HsdsView, query: HsdsQuery) -> list[Row]:
    """Service rows passing the query: the site's text search first (best first), then
    hsds.query's filters."""
    rows = view.tables["service"]
    if query.search:
        text = query.search[: directory.settings.max_query_chars]
        if directory.search_engine is None:
            rows = [row for row in rows if words_match(row, text, ("name", "description"))]
        else:
            service_of = _service_of(directory)
            rows = [
                view.by_id["service"][service_of[agency_id]]
                for agency_id in _text_matches(directory, text)
            ]
    return filter_services(view, rows, query)


def _matching(rows: list[Row], query: HsdsQuery, columns: tuple[str, ...]) -> list[Row]:
    if not query.search:
        return rows
    return [row for row in rows if words_match(row, query.search, columns)]


def _text_matches(directory: Directory, text: str) -> list[str]:
    """Agency ids matching the words, best first: the site's own search."""
    from ..search import SearchQuery, search

    query = SearchQuery(q=text, page=1, page_size=max(1, len(directory.agencies)))
    return [hit.agency.id for hit in search(directory, query).hits]


def _in_service_area(directory: Directory, rows: list[Row], postcode: str) -> list[Row]:
    """Rows whose service's areas hold the ZIP (an area listing it, or an enclosing area)."""
    code = normalise_zip(postcode)
    if code is None:
        raise BadInput(
            f'"{postcode[:20]}" is not a ZIP code; use 5 digits such as 15213.', "bad_postcode"
        )
    areas = set(directory.atlas.areas_for_zip(code))
    service_of = _service_of(directory)
    serving = {
        service_of[agency.id]
        for agency in directory.agencies
        if areas.intersection(agency.area_ids)
    }
    return [row for row in rows if row["service_id"] in serving]


def _within(
    directory: Directory, view: HsdsView, rows: list[Row], postcode: str, meters: float
) -> list[Row]:
    """Rows whose location lies within `meters` of the ZIP's centroid; unplaced ones drop out."""
    place = directory.atlas.locate(normalise_zip(postcode) or postcode)  # PlaceNotFound -> 400
    placed = []
    for row in rows:
        location = view.get("location", row.get("location_id") or "") or {}
        if location.get("latitude") is not None and location.get("longitude") is not None:
            placed.append((row, location["latitude"], location["longitude"]))
    if not placed:
        return []
    km = haversine_km(place.lat, place.lon, [p[1] for p in placed], [p[2] for p in placed])
    return [row for (row, _, _), distance in zip(placed, km) if distance * 1000 <= meters]
