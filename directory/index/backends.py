"""The backends by name (the SEARCH_BACKEND setting) and where their builds live."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from ..config import DEFAULT_INSTANCE_DIR, Settings
from .base import Backend
from .tantivy_backend import TantivyBackend
from .whoosh_backend import WhooshBackend

MEMORY = ":memory:"  # INDEX_DIR value for an index held in this process only


BACKENDS: Mapping[str, Callable[[], Backend]] = {
    "whoosh": WhooshBackend,
    "tantivy": TantivyBackend,
}


def backend_named(name: str) -> Backend:
    try:
        make = BACKENDS[str(name).strip().lower()]
    except KeyError:
        raise ValueError(
            f'unknown SEARCH_BACKEND "{name}"; choose one of {", ".join(BACKENDS)}'
        ) from None
    return make()


def index_root(settings: Settings) -> Path | None:
    """Where indexes live: INDEX_DIR, or <instance>/index; None for ":memory:"."""
    configured = settings.index_dir
    if configured == MEMORY:
        return None
    return Path(configured) if configured else DEFAULT_INSTANCE_DIR / "index"
