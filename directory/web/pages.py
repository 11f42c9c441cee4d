"""HTML pages: parse the request, call the domain, render.

Nothing about the person is kept on the server: the search lives in the URL, the referral
list lives in the URL with a copy in a browser cookie, and no view logs its arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import quote_plus

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from geo.places import PlaceNotFound

from ..coverage import COMBOS, By, CoverageQuery, combo_key, flag_for, need_flag
from ..errors import BadInput
from ..findhelp import find_help
from ..forms import FindHelpForm
from ..matching import MatchQuery
from ..provenance import data_line, provenance
from ..referrals import MAX_ITEMS, ReferralList
from ..screening import ADMINISTRATIVE_WHY, BLENDED_WHY, DECIDED_BY, QUESTIONS
from ..serialise import coverage_geojson, referral_csv
from ..svg import key_markers, map_picture, view_box_around
from ..urgent import footer_lines, vocabulary
from .fragments import (
    AgencyCards,
    TypedFields,
    kept_form,
    kept_html,
    marker,
    page_lists,
)
from .shared import current_directory, public_url

bp = Blueprint("pages", __name__)

LIST_COOKIE = "referral_list"
KEPT_COOKIE = "referral_list_kept"  # the list kept when a shared one was opened as new
COOKIE_LIMIT = 3800  # bytes: browsers drop cookies over about 4 KB


# -- find help -------------------------------------------------------------------------------


@bp.get("/")
def home():
    directory = current_directory()
    form = FindHelpForm.from_args(request.args)
    context = {
        "form": form,
        "questions": QUESTIONS,
        "administrative_why": ADMINISTRATIVE_WHY,
        "blended_why": BLENDED_WHY,
        "decided_by": DECIDED_BY,
        "referrals": _stored_list(directory),
    }
    if not form.is_submitted:
        return render_template("home.html", **context)
    try:
        query = MatchQuery.read(request.args, directory)
        answer = find_help(directory, query)
    except (BadInput, PlaceNotFound) as error:
        problem = {
            "message": getattr(error, "message", str(error)),
            "suggestions": getattr(error, "suggestions", ()),
            "choices": getattr(error, "choices", ()),
            "field": _field_for(error),
        }
        return render_template("home.html", problem=problem, **context), 400
    template = "results.html" if answer.is_in_area else "outside.html"
    pieces: dict = {}  # this request's only
    context["home_url"] = lambda params: home_url(params, pieces)
    context["agency_list"] = page_lists(
        directory, answer, context["referrals"], context["home_url"], form.params
    )
    response = current_app.make_response(render_template(template, answer=answer, **context))
    response.headers["Cache-Control"] = "private, no-store"
    return response


URL_SAFE = "!$'()*,/:;?@"  # what url_for leaves unescaped in a query (werkzeug.urls)


def home_url(params: Mapping[str, object], pieces: dict | None = None) -> str:
    """url_for("pages.home", **params) without the router, for the dozens of facet, paging
    and suggestion links of one results page (each url_for costs about as much as a card).
    `pieces` (one request's, never kept) holds each parameter's encoding, made once."""
    encoded = []
    for name, value in params.items():
        key = (name, tuple(value) if isinstance(value, list) else value)
        piece = pieces.get(key) if pieces is not None else None
        if piece is None:
            values = value if isinstance(value, (list, tuple)) else (value,)
            key_text = quote_plus(name, safe=URL_SAFE)
            piece = "&".join(  # as urlencode(items, safe=URL_SAFE), without its checks
                f"{key_text}={quote_plus(str(item), safe=URL_SAFE)}"
                for item in values
                if item is not None
            )
            if pieces is not None:
                pieces[key] = piece
        if piece:
            encoded.append(piece)
    query = "&".join(encoded)
    return f"{request.script_root}/" + (f"?{query}" if query else "")


@bp.app_context_processor
def provenance_helpers() -> dict:
    """`data_line()` for the one honest line every page, print view and download shares, and
    `once(key, macro, *args)`: a macro's HTML made once per data version. Only for pieces made
    of data records alone (an agency card's name, badges, phones, areas): never a person's."""
    directory = current_directory()
    helpers: dict[str, Any] = {
        "data_line": lambda: data_line(directory),
        "footer_lines": lambda: footer_lines(directory),
        "marker": marker,
        "agency_cards": AgencyCards(directory, date.today()),
        "typed_fields": TypedFields,
        "kept_form": lambda form, heading, macro: kept_form(directory, form, heading, macro),
        "once": lambda key, macro, *args: kept_html(directory, key, lambda: macro(*args)),
    }
    return helpers


@bp.get("/about")
def about():
    directory = current_directory()
    return render_template(
        "about.html",
        facts=provenance(directory),
        status=directory.status(),
        vocabulary=vocabulary(directory),
        referrals=_stored_list(directory),
    )


def _field_for(error: Exception) -> str:
    """Which form control the problem is about, so the page can point at it."""
    code = getattr(error, "code", "")
    return {"bad_age": "years", "bad_need": "need", "bad_level": "level"}.get(code, "near")


# -- agency page -----------------------------------------------------------------------------


@bp.get("/agencies/<agency_id>")
def agency(agency_id: str):
    directory = current_directory()
    found = directory.agency(agency_id)
    picture = map_picture(directory.atlas.areas_drawing())
    shown = {area.area_id for area in picture.areas}
    marked = frozenset(found.area_ids) & shown
    return render_template(
        "agency.html",
        agency=found,
        picture=picture,
        marked=marked,
        view_box=view_box_around(picture, marked),
        referrals=_stored_list(directory),
    )


# -- referral list ---------------------------------------------------------------------------


def _may_store() -> bool:
    # Only write the browser's copy for the person's own navigation: a link from another
    # site (or a colleague's shared list opened from email) must not replace their list.
    return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


def _from_this_site() -> bool:
    """A click on one of our own pages (a choice button): never a link from elsewhere."""
    return request.headers.get("Sec-Fetch-Site", "same-origin") == "same-origin"


def _cookie_list(directory, name: str = LIST_COOKIE) -> ReferralList:
    return ReferralList.from_query_string(request.cookies.get(name, ""), directory.agencies_by_id)


def _stored_list(directory) -> ReferralList:
    return _cookie_list(directory)


def _request_list(directory) -> ReferralList:
    """The list in the URL; when the URL has none, the browser's stored copy."""
    if ReferralList.has_items_in(request.args):
        return ReferralList.from_args(request.args, directory.agencies_by_id)
    return _stored_list(directory)


def _set_list_cookie(response: BaseResponse, name: str, referrals: ReferralList) -> None:
    value = referrals.query_string()
    if value and len(value) <= COOKIE_LIMIT:
        # A session cookie: it goes when the browser closes, which suits shared computers.
        response.set_cookie(
            name, value, path="/", samesite="Strict", httponly=True, secure=request.is_secure
        )
    else:
        response.delete_cookie(name, path="/")


def _remember(
    response: BaseResponse, referrals: ReferralList, kept: ReferralList | None = None
) -> BaseResponse:
    if not _may_store():
        return response
    _set_list_cookie(response, LIST_COOKIE, referrals)
    if kept is not None:
        _set_list_cookie(response, KEPT_COOKIE, kept)
    return response


def _list_url(referrals: ReferralList, endpoint: str = "pages.referral_list", **extra) -> str:
    query = referrals.query_string()
    base = url_for(endpoint, **extra)
    return f"{base}?{query}" if query else base


def _back_url() -> str:
    """Where an "Add to referral list" button was pressed (a path on this site), or ""."""
    back = request.args.get("back", "").split("#", 1)[0]
    if (
        not back.startswith("/")
        or back.startswith(("//", "/\\"))
        or len(back) > 2000
        or any(ord(ch) < 32 or ch == "\\" for ch in back)
    ):
        return ""
    return back


def _choose(directory, choice: str) -> BaseResponse:
    """The answer to "this link holds another list": open it as a new list (yours is kept),
    merge it into yours, or leave it."""
    known = directory.agencies_by_id
    mine = _stored_list(directory)
    theirs = ReferralList.from_args(request.args, known)
    if choice == "new":
        kept = mine if mine and mine.query_string() != theirs.query_string() else None
        return _remember(redirect(_list_url(theirs), code=303), theirs, kept)
    if choice == "merge":
        merged = mine.merge(theirs)
        return _remember(redirect(_list_url(merged), code=303), merged)
    return redirect(_list_url(mine), code=303)  # leave it: back to yours, nothing changed


@bp.get("/list")
def referral_list():
    """Show the list; with `add`, `op` or a new own support, change it and redirect to its URL
    (or, with `back`, to the page the button was on); with `choose`, answer a shared link."""
    directory = current_directory()
    known = directory.agencies_by_id
    choice = request.args.get("choose", "")
    if choice in ("new", "merge", "leave") and _from_this_site():
        return _choose(directory, choice)
    referrals = _request_list(directory)
    changed = False
    for agency_id in request.args.getlist("add"):
        referrals, changed = referrals.add(agency_id, known), True
    added = [agency_id for agency_id in request.args.getlist("add") if agency_id in known]
    if request.args.get("who.new", "").strip():
        referrals = referrals.add_own_support(
            request.args.get("who.new", ""),
            request.args.get("rel.new", ""),
            request.args.get("phone.new", ""),
            request.args.get("note.new", ""),
        )
        changed = True
    operation = request.args.get("op")
    if operation:
        referrals, changed = referrals.apply(operation), True
    if changed:
        if request.args.get("reply") == "json":  # site.js adding in place
            on_list = all(agency_id in referrals.agency_ids() for agency_id in added)
            body = {
                "count": len(referrals),
                "list": referrals.query_string(),
                "added": bool(added) and on_list,  # false: unknown, or the list is full
                "limit": MAX_ITEMS,
            }
            response = jsonify(body)
            response.headers["Cache-Control"] = "no-store"
            return _remember(response, referrals)
        back = _back_url()
        if added and back:
            target = f"{back}#agency-{added[-1]}"
        else:
            target = _list_url(referrals)
            focus = referrals.focus_after(operation or "")
            if added and referrals.position_of(added[-1]) is not None:
                target += f"#item-{referrals.position_of(added[-1])}"
            elif focus:
                target += f"#{focus}"
        return _remember(redirect(target, code=303), referrals)
    if not ReferralList.has_items_in(request.args) and referrals:
        return redirect(_list_url(referrals), code=303)  # the URL is the share link
    stored = _stored_list(directory)
    kept = _cookie_list(directory, KEPT_COOKIE)
    incoming = ReferralList.has_items_in(request.args) and (
        request.headers.get("Sec-Fetch-Site") == "cross-site"  # the browser hides its list
        or (stored and stored.query_string() != referrals.query_string())
    )
    share_url = public_url(_list_url(referrals))  # PUBLIC_URL, never the Host header
    plain = referrals.without_notes()
    response = current_app.make_response(
        render_template(
            "list.html",
            referrals=referrals,
            incoming=incoming,
            stored=stored,
            kept=kept if kept.query_string() != referrals.query_string() else ReferralList(),
            kept_url=_list_url(kept),
            share_url=share_url,
            share_plain_url=share_url.split("?", 1)[0]
            + ("?" + plain.query_string() if plain else ""),
            has_notes=any(item.note for item in referrals.items),
            print_url=_list_url(referrals, "pages.referral_print"),
            print_plain_url=_list_url(plain, "pages.referral_print"),
            csv_url=_list_url(referrals, "pages.referral_csv"),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    if incoming:
        return response  # nothing stored until the person chooses
    return _remember(response, referrals)


@bp.get("/list/print")
def referral_print():
    directory = current_directory()
    referrals = ReferralList.from_args(request.args, directory.agencies_by_id)
    # Back to the list this browser holds (a print without notes must not offer to replace
    # it); a print link opened elsewhere goes back to its own list.
    back = url_for("pages.referral_list") if _stored_list(directory) else _list_url(referrals)
    response = current_app.make_response(
        render_template("list_print.html", referrals=referrals, list_url=back)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/list.csv", endpoint="referral_csv")
def referral_csv_download():
    directory = current_directory()
    referrals = ReferralList.from_args(request.args, directory.agencies_by_id)
    response = Response(referral_csv(referrals, directory).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="referral-list.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


# -- coverage --------------------------------------------------------------------------------


@bp.get("/coverage")
def coverage_page():
    directory = current_directory()
    query = CoverageQuery.from_args(request.args, directory)
    return once_per_version(
        directory, ("coverage-page", query), lambda: _coverage_html(directory, query), "text/html"
    )


def _coverage_html(directory, query: CoverageQuery) -> str:
    _, result = CoverageQuery.answer(query.params(), directory)
    picture = map_picture(directory.atlas.areas_drawing())
    sources = {directory.atlas.shape_source(area.area_id) for area in picture.areas}
    by_area = result.by_area()
    if result.by == By.PLACE:  # the map still shades the brochure areas
        by_area = CoverageQuery.answer(dict(query.params(), by="area"), directory)[1].by_area()
    shown_needs = [n for n in directory.data.needs if query.need in (None, n.code)]
    keyed = [a.area_id for a in picture.areas if a.depth > 0 and a.area_id in by_area]
    markers = key_markers(picture, keyed)  # numbered circles: readable at 360 px
    return render_template(
        "coverage.html",
        query=query,
        coverage=result,
        picture=picture,
        by_area=by_area,
        combos=[(combo_key(*c), *c) for c in COMBOS],
        flag_for=flag_for,
        need_flag=need_flag,
        shown_needs=shown_needs,
        markers=markers,
        approximate=any(source.startswith(("Derived", "Outline")) for source in sources),
        sources=sorted(s for s in sources if s),
    )


def once_per_version(directory, key, make, mimetype: str, filename: str | None = None):
    """A response whose body is the same for every visitor of this data version and filter:
    made once (directory.memo, freed with the version), served with a strong ETag (304s) and
    gzipped once. The header's list count comes from a cookie, so pages are shared only by
    visitors without a list."""
    from .shared import referral_count

    if mimetype == "text/html" and referral_count():
        body = make().encode("utf-8")
        response = Response(body, mimetype=mimetype)
    else:
        body, zipped, etag = directory.memo(key, lambda: _prepared(make()))
        wants_gzip = "gzip" in (request.headers.get("Accept-Encoding") or "")
        response = Response(zipped if wants_gzip else body, mimetype=mimetype)
        if wants_gzip:
            response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        response.set_etag(etag + ("-gz" if wants_gzip else ""))
        response.make_conditional(request)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _prepared(text: str) -> tuple[bytes, bytes, str]:
    import gzip
    import hashlib

    body = text.encode("utf-8")
    return body, gzip.compress(body, compresslevel=6), hashlib.sha256(body).hexdigest()[:32]


@bp.get("/coverage.csv")
def coverage_csv():
    directory = current_directory()
    query, result = CoverageQuery.answer(request.args, directory)
    return once_per_version(
        directory, ("coverage-csv", query), result.to_csv, "text/csv", result.file_name("csv")
    )


@bp.get("/coverage.geojson")
def coverage_geojson_download():
    import json

    directory = current_directory()
    query, result = CoverageQuery.answer(request.args, directory)

    def make() -> str:
        collection = coverage_geojson(result, directory.atlas)
        collection["provenance"] = result.provenance
        return json.dumps(collection, separators=(",", ":"))

    return once_per_version(
        directory,
        ("coverage-geojson", query),
        make,
        "application/geo+json",
        result.file_name("geojson"),
    )


# -- status ----------------------------------------------------------------------------------


@bp.get("/healthz")
def healthz():
    holder = current_app.extensions["directory"]
    holder.current()
    status = holder.status()
    status["ok"] = True
    return jsonify(status)
