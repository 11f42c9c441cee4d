"""What every view shares: the directory accessor, template helpers, security headers."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app

from ..catalog import Directory
from ..config import Settings
from ..hsds.details import agency_details
from ..records import tel_uri


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
    # Flask 3.1 reads a TRUSTED_HOSTS key of its own (a list); ours is a comma string, already
    # enforced by GuardedApp around the whole app, so Flask's check is switched off.
    app.config["TRUSTED_HOSTS"] = None

    @app.after_request
    def add_data_version(response):
        # (The security headers are added by GuardedApp, around every response.)
        # Every worker of a server serves the same accepted version; this says which.
        response.headers["X-Data-Version"] = current_directory().data.fingerprint
        return response

    @app.after_request
    def redirect_to_public_url(response):
        # A redirect werkzeug builds itself (/hsds -> /hsds/) names the request's Host: point
        # it at PUBLIC_URL instead, so a Host header never chooses where people are sent.
        location = response.headers.get("Location", "")
        if location and urlsplit(location).netloc:
            parts = urlsplit(location)
            response.headers["Location"] = public_url(
                parts.path + (f"?{parts.query}" if parts.query else "")
            )
        return response

    # Beside url_for, for every template (and for macros imported without the page's context).
    app.jinja_env.globals.update(site_url=site_url, tel_uri=tel_uri)

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
            "today": date.today(),
            "referral_count": referral_count,
            # Address, hours, open now, languages, email, website: from the kept feed if any.
            "agency_details": lambda agency: agency_details(current_directory(), agency),
        }


MAX_SITE_URLS = 256  # kept links, at most (a few dozen per script root in practice)


def site_url(endpoint: str, **values: Any) -> str:
    """url_for for the site's own fixed links (stylesheets, menu, footer): made once per
    script root, since every page has a dozen. Never for a link holding a person's search."""
    from flask import request, url_for

    kept = current_app.extensions.setdefault("site_urls", {})
    key = (request.script_root, endpoint, *sorted(values.items()))
    url = kept.get(key)
    if url is None:
        if len(kept) >= MAX_SITE_URLS:
            kept.clear()
        url = kept[key] = url_for(endpoint, **values)
    return url


def public_url(path: str) -> str:
    """An absolute link to `path` (with its query) for sharing and redirects: PUBLIC_URL when
    configured, else this request's own scheme and host (which GuardedApp has checked against
    TRUSTED_HOSTS). Never built from the Host header when PUBLIC_URL is set."""
    from flask import request

    base = current_app.extensions["settings"].public_url.rstrip("/")
    if not base:
        base = request.host_url.rstrip("/")
    return base + "/" + path.lstrip("/")


def referral_count() -> int:
    """Items on the referral list this browser holds (its cookie copy), for the header link."""
    from flask import request

    from ..referrals import ReferralList

    text = request.cookies.get("referral_list", "")
    if not text:
        return 0
    return len(ReferralList.from_query_string(text, current_directory().agencies_by_id))


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
MAX_HOST_CHARS = 255


def trusted_hosts(settings: Settings) -> frozenset[str]:
    """TRUSTED_HOSTS (comma-separated names), else loopback plus PUBLIC_URL's host."""
    listed = [name.strip() for name in settings.trusted_hosts.split(",")]
    names = {name.lower() for name in listed if name}
    if not names:
        names = set(LOOPBACK_HOSTS)
        public = urlsplit(settings.public_url).hostname
        if public:
            names.add(public.lower())
    return frozenset(names)


def host_name(host: str) -> str:
    """'Example.org:5000' -> 'example.org'; '[::1]:5000' -> '::1'."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class GuardedApp:
    """The outermost WSGI layer: a Host header that is not ours is a 400 before Flask sees it
    (so no URL adapter is built from it, and no link names it), and every response, including
    errors raised before routing, carries the security headers."""

    def __init__(self, app, hosts: frozenset[str]):
        self.app = app
        self.hosts = hosts

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or ""
        if len(host) > MAX_HOST_CHARS or host_name(host) not in self.hosts:
            body = (
                b"<!doctype html><html lang=en><title>Bad request</title>"
                b"<h1>Bad request</h1><p>This server does not answer for that host name.</p>"
            )
            start_response(
                "400 Bad Request",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    *SECURITY_HEADERS.items(),
                ],
            )
            return [body]

        def with_headers(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers = list(headers) + [
                (name, value)
                for name, value in SECURITY_HEADERS.items()
                if name.lower() not in present
            ]
            return start_response(status, headers, exc_info)

        return self.app(environ, with_headers)
