"""gunicorn's error log without a person's words: request lines and URIs keep only the path.

gunicorn logs bad requests as `Invalid HTTP request line: 'GET /?near=15213&q=... HTTP/1.1'`
and failures as `Error handling request GET /?near=...`. A query string (or the words after a
space in one) holds a person's place and needs, so every message is scrubbed before it is
written: anything after a `?`, `&` or `=` in a quoted value is dropped, and a quoted value that
is not a path is replaced by its length.
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

# The product's own loggers, written carefully (counts, fingerprints, file names; never a
# person's words or a row's values), go to gunicorn's error log at INFO, so an accepted or
# refused data version is on record.
PRODUCT_LOGGERS = ("directory", "geo")

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_URI = re.compile(r"(/[^\s?#&=]*)[?#&=]\S*")
_REQUEST = re.compile(r"(request\s+[A-Z]+\s+)(\S+)(.*)$", re.S)


def scrub(text: str) -> str:
    """The message with every query string and quoted request line cut to its path."""

    def quoted(match: re.Match) -> str:
        inner = match.group(0)[1:-1]
        path = re.match(r"(?:[A-Z]+\s+)?(/[^\s?#&=]*)", inner)
        return f"'{path.group(1)}'" if path else f"<{len(inner)} characters>"

    text = _QUOTED.sub(quoted, text)
    request = _REQUEST.search(text)
    if request:
        text = text[: request.start()] + request.group(1) + _URI.sub(r"\1", request.group(2))
    return _URI.sub(r"\1", text)


class PathOnlyLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for name in PRODUCT_LOGGERS:
            product = logging.getLogger(name)
            product.handlers = list(self.error_log.handlers)
            product.setLevel(logging.INFO)
            product.propagate = False

    def _scrubbed(self, msg, args):
        try:
            text = str(msg) % args if args else str(msg)
        except (TypeError, ValueError):
            text = str(msg)
        return scrub(text)

    def critical(self, msg, *args, **kwargs):
        super().critical(self._scrubbed(msg, args), **kwargs)

    def error(self, msg, *args, **kwargs):
        super().error(self._scrubbed(msg, args), **kwargs)

    def warning(self, msg, *args, **kwargs):
        super().warning(self._scrubbed(msg, args), **kwargs)

    def info(self, msg, *args, **kwargs):
        super().info(self._scrubbed(msg, args), **kwargs)

    def debug(self, msg, *args, **kwargs):
        super().debug(self._scrubbed(msg, args), **kwargs)

    def exception(self, msg, *args, **kwargs):
        # The traceback of a failed request can hold its arguments: log the message only.
        super().error(self._scrubbed(msg, args), **kwargs)
