"""The exception family that domain modules raise and the web layer answers.

The exceptions are Flask-free so domain modules can raise them; the handler is web.errors.
"""

from __future__ import annotations


class DirectoryError(Exception):
    """Base of every error the directory raises on purpose; `message` is shown to people."""

    code = "error"
    status = 500

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class BadInput(DirectoryError, ValueError):
    """Something a person or API client sent that we can't use; the message says what to do."""

    code = "bad_input"
    status = 400


class NotFound(DirectoryError, LookupError):
    code = "not_found"
    status = 404
