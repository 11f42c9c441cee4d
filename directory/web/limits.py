"""Request limits: body size, and a per-client rate limit with a clear 429 and Retry-After on
every route that does search, matching or coverage work: the JSON and HSDS APIs, the find-help
page with a question, the coverage page and its downloads, and the referral list's CSV."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

LIMITED_PREFIXES = ("/api/", "/hsds")
# Pages and downloads doing the same work as the APIs, with their own budget, so a visitor's
# pages never go unanswered because of their own scripts' API calls (and the reverse).
LIMITED_PAGES = ("/coverage", "/coverage.csv", "/coverage.geojson", "/list.csv")
FIND_HELP = "/"  # limited when it has a question to answer; the empty form is free


def budget_for(path: str, has_query: bool) -> str | None:
    """Which rate budget a request spends: "api", "pages", or None (no search work)."""
    if path.startswith(LIMITED_PREFIXES) or path == "/hsds":
        return "api"
    if path in LIMITED_PAGES or (path == FIND_HELP and has_query):
        return "pages"
    return None


@dataclass
class TokenBucket:
    """Per-client token buckets: `rate` requests a minute with bursts up to `burst`.

    Kept in process memory: each worker process limits on its own, so a deployment with
    N workers allows up to N x the rate; put a shared limit in the reverse proxy if that matters.
    """

    rate_per_minute: float
    burst: int
    max_clients: int = 50_000
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, client: str, now: float | None = None) -> float:
        """Spend one token; returns 0 when allowed, else the seconds until the next token."""
        now = time.monotonic() if now is None else now
        per_second = self.rate_per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * per_second)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                allowed = 0.0
            else:
                self._buckets[client] = (tokens, now)
                allowed = (1.0 - tokens) / per_second
            if len(self._buckets) > self.max_clients:
                self._forget_full(now, per_second)
        return allowed

    def _forget_full(self, now: float, per_second: float) -> None:
        """Drop clients whose bucket has refilled: they are indistinguishable from new ones."""
        self._buckets = {
            client: (tokens, last)
            for client, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * per_second < self.burst
        }


def init_app(app) -> None:
    from flask import request

    from .errors import error_response

    app.config.setdefault("MAX_CONTENT_LENGTH", 64 * 1024)  # nothing here takes big uploads
    settings = app.extensions["settings"]
    rate, burst = float(settings.rate_limit_per_minute), settings.rate_limit_burst
    buckets = {"api": TokenBucket(rate, burst), "pages": TokenBucket(rate, burst)}
    app.extensions["rate_limits"] = buckets

    @app.before_request
    def limit_rate():
        budget = budget_for(request.path, bool(request.query_string))
        if budget is None or rate <= 0:
            return None
        wait = buckets[budget].take(request.remote_addr or "unknown")
        if not wait:
            return None
        seconds = max(1, math.ceil(wait))
        response = error_response(
            429,
            "rate_limited",
            f"Too many requests from your address; try again in {seconds} seconds.",
        )
        response.headers["Retry-After"] = str(seconds)
        return response
