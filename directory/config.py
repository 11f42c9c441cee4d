"""Settings: one place for every default, read by the app, the CLI and the README's reference."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _resource_root() -> Path:
    """The checkout (editable install, tests) or, for `pip install .`, the share folder where
    setup.cfg's data_files put templates/, static/ and data/."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "templates").is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "service-directory"


PROJECT_ROOT = _resource_root()
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"

# Each setting can be given as an environment variable with the DIRECTORY_ prefix
# (DIRECTORY_DATA=/srv/region-data) or as an override to create_app().
DEFAULTS: dict[str, object] = {
    "DATA": str(DEFAULT_DATA_DIR),  # data folder: agencies.csv, regions.csv, needs.csv, ...
    "INDEX_DIR": "",  # search index folder; empty = <instance>/index
    "SEARCH_BACKEND": "whoosh",  # or "tantivy" (pip install .[fast]) for large directories
    "GEOCODER": "offline",  # "offline", or "nominatim" to send full street addresses out
    "GEOCODER_USER_AGENT": "service-directory",
    "GEOCODER_TIMEOUT": 3.0,  # seconds before the offline answer is used instead
    "OVERLAP_AT": 3,  # this many providers or more covering an area is an "overlap"
    "STALE_AFTER_DAYS": 365,  # records not verified for longer are flagged on pages
    "RELOAD_SECONDS": 5.0,  # how often to look for edited data files (0 = never)
    "PAGE_SIZE": 20,
    "MAX_PAGE_SIZE": 100,
    "MAX_QUERY_CHARS": 500,  # longer free text is cut, never rejected
    "SEARCH_TEXT_LIMIT": 5000,  # text matches ranked per query; totals past it are estimates
    "RATE_LIMIT_PER_MINUTE": 300,  # per client address and worker process, on /api and /hsds (0 = off)
    "RATE_LIMIT_BURST": 60,
    "SNAPSHOT_DIR": "",  # last accepted data versions; empty = "snapshots" beside the index
    "MAX_SHRINK": 0.2,  # refuse a data version with this share fewer rows than the last one
    "ALLOW_SHRINK": "",  # 1 = accept a bigger drop (or put CONFIRM_SHRINK in the data folder)
    "STABLE_SECONDS": 1.0,  # a data file must be unchanged this long before it is read
    "PUBLIC_URL": "",  # e.g. https://help.example.org: share links and redirects use it
    "TRUSTED_HOSTS": "",  # comma list of Host names; empty = loopback + PUBLIC_URL's host
    "PROXY_HOPS": 0,  # reverse proxies in front that set X-Forwarded-For (for per-client limits)
}


def data_folder(explicit: str | os.PathLike | None = None) -> Path:
    """The data folder: an explicit path, else $DIRECTORY_DATA, else the bundled data."""
    return Path(explicit or os.environ.get("DIRECTORY_DATA") or DEFAULT_DATA_DIR)
