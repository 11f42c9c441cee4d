"""gunicorn server hooks, read through gunicorn_argv's `--config`."""

from __future__ import annotations

import gc


def post_worker_init(worker) -> None:
    """The worker has loaded its directory (agencies, areas, search arrays), which lives as
    long as the data version: out of the cycle collector's sight, a full collection no longer
    walks it (at 10,000 agencies one took about 100 ms, a pause some request would wait out).
    Objects of later versions are collected as usual."""
    gc.freeze()
