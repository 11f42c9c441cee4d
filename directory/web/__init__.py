"""The web layer: blueprints for pages, the JSON API and the HSDS API, the one error handler,
rate limits, response compression and the Host guard. It parses requests, calls the domain
and renders; nothing below it imports it."""

from __future__ import annotations

from flask import Flask

from . import api, errors, hsds_api, limits, pages, responses, shared


def init_app(app: Flask) -> None:
    """Wrap the WSGI app in the Host guard and register every blueprint and hook."""
    guarded = shared.GuardedApp(app.wsgi_app, shared.trusted_hosts(app.extensions["settings"]))
    app.wsgi_app = guarded  # type: ignore[method-assign]  # Flask's documented way
    shared.init_app(app)
    limits.init_app(app)
    responses.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(hsds_api.bp, url_prefix="/hsds")
    errors.init_app(app)
