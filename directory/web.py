"""What every view shares: the directory accessor, template helpers, security headers."""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app

from .catalog import Directory
from .records import tel_uri


def current_directory() -> Directory:
    """The last good directory (reloaded in the background when the data files change)."""
    return current_app.extensions["directory"].current()


SECURITY_HEADERS = {
    # Everything is served by the app itself, so the policy can be strict.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Search URLs hold a person's place and needs: never send them on to other sites.
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}


def init_app(app: Flask) -> None:
    @app.after_request
    def add_security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.template_filter("area_name")
    def area_name(area_id: str) -> str:
        return current_directory().area_name(area_id)

    @app.template_filter("need_label")
    def need_label(code: str) -> str:
        need = current_directory().needs_by_code.get(code)
        return need.label if need else code

    @app.context_processor
    def template_helpers():
        return {
            "directory": current_directory(),
            "tel_uri": tel_uri,
            "today": date.today(),
            "referral_count": referral_count,
        }


def referral_count() -> int:
    """Items on the referral list this browser holds (its cookie copy), for the header link."""
    from flask import request

    from .referrals import ReferralList

    text = request.cookies.get("referral_list", "")
    if not text:
        return 0
    return len(ReferralList.from_query_string(text, current_directory().agencies_by_id))


def search_words(directory: Directory, text: str, location=None):
    """Free-text search for the find-help page's words, among agencies serving the person's
    place (None when this directory has no search index)."""
    if getattr(directory, "search_engine", None) is None:
        return None
    from .search import SearchQuery, search

    areas = (
        (location.areas[-1],)
        if location is not None and location.in_area and location.areas
        else ()
    )
    return search(directory, SearchQuery(text=text, areas=areas, page_size=5), location)
