"""The one error handler: every error answers in HTML for people or JSON for API clients."""

from __future__ import annotations

import logging
import traceback

from ..errors import DirectoryError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    from flask import request

    return request.path.startswith(("/api/", "/hsds"))


def error_response(status: int, code: str, message: str):
    """One response for every error: JSON for API paths, the friendly page for people."""
    from flask import jsonify, make_response, render_template

    if wants_json():
        response = jsonify({"error": {"code": code, "message": message}})
    else:
        try:
            page = render_template("error.html", status=status, message=message)
        except Exception:  # e.g. no URL adapter for a request that failed before routing
            from markupsafe import escape

            page = f"<!doctype html><html lang=en><title>Error</title><p>{escape(message)}</p>"
        response = make_response(page)
    response.status_code = status
    return response


def init_app(app) -> None:
    from flask import request
    from werkzeug.exceptions import HTTPException

    from geo.places import PlaceNotFound

    @app.errorhandler(DirectoryError)
    def directory_error(error: DirectoryError):
        return error_response(error.status, error.code, error.message)

    @app.errorhandler(PlaceNotFound)
    def place_not_found(error: PlaceNotFound):
        return error_response(400, "bad_place", str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        return error_response(error.code or 500, code, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # Log the type and the stack frames, never the message or arguments: either may hold
        # a person's place, needs or words.
        frames = "".join(traceback.format_tb(error.__traceback__))
        log.error(
            "unhandled %s on %s %s\n%s",
            type(error).__name__,
            request.method,
            request.url_rule.rule if request.url_rule else "(no route)",
            frames,
        )
        return error_response(
            500, "internal", "Something went wrong on our side. Please try again."
        )
