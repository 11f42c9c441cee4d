"""The exception family, and the one handler that answers in HTML or JSON."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from geo.places import PlaceNotFound

log = logging.getLogger(__name__)


class DirectoryError(Exception):
    """Base of every error the directory raises on purpose."""

    code = "error"
    status = 500


class BadInput(DirectoryError, ValueError):
    """Something a person or API client sent that we can't use; the message says what to do."""

    status = 400

    def __init__(self, message: str, code: str = "bad_input"):
        super().__init__(message)
        self.message = message
        self.code = code


class NotFound(DirectoryError, LookupError):
    status = 404

    def __init__(self, message: str, code: str = "not_found"):
        super().__init__(message)
        self.message = message
        self.code = code


class DataProblem(DirectoryError):
    """A data folder that cannot be used at all (fatal load problems)."""

    code = "data_problem"


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/hsds"))


def error_response(status: int, code: str, message: str):
    if wants_json():
        return jsonify({"error": {"code": code, "message": message}}), status
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DirectoryError)
    def directory_error(error: DirectoryError):
        return error_response(error.status, error.code, getattr(error, "message", str(error)))

    @app.errorhandler(PlaceNotFound)
    def place_not_found(error: PlaceNotFound):
        return error_response(400, "bad_place", str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        response = error_response(error.code or 500, code, error.description or error.name)
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # Log the path and the error type only: arguments may hold a person's place or needs.
        log.error("unhandled %s on %s %s", type(error).__name__, request.method, request.path)
        return error_response(500, "internal", "Something went wrong on our side. Please try again.")
