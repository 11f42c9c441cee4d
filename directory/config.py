"""Settings: one place for every default, read by the app, the CLI and the README's reference."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import Field, dataclass, fields
from pathlib import Path
from typing import Any


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


class SettingsError(ValueError):
    """A setting's value cannot be used; the message names the variable and what it needs."""


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting, typed, with its default: built once (Settings.build) from these defaults,
    DIRECTORY_* environment variables and overrides, then passed down. The field `page_size`
    is the setting PAGE_SIZE, given as DIRECTORY_PAGE_SIZE or create_app({"PAGE_SIZE": 50})."""

    data: str = str(DEFAULT_DATA_DIR)  # data folder: agencies.csv, regions.csv, needs.csv, ...
    index_dir: str = ""  # search index folder; empty = <instance>/index; ":memory:" = in process
    search_backend: str = "whoosh"  # or "tantivy" (pip install .[fast]) for large directories
    geocoder: str = "offline"  # "offline", or "nominatim" to send full street addresses out
    geocoder_user_agent: str = "service-directory"
    geocoder_timeout: float = 3.0  # seconds before the offline answer is used instead
    overlap_at: int = 3  # this many providers or more covering an area is an "overlap"
    stale_after_days: int = 365  # records not verified for longer are flagged on pages
    reload_seconds: float = 5.0  # how often to look for edited data files (0 = never)
    page_size: int = 20
    max_page_size: int = 100
    max_query_chars: int = 500  # longer free text is cut, never rejected
    search_text_limit: int = 5000  # text matches ranked per query; totals past it are estimates
    rate_limit_per_minute: int = 300  # per client and worker, search and coverage routes (0 = off)
    rate_limit_burst: int = 60
    snapshot_dir: str = ""  # last accepted data versions; empty = "snapshots" beside the index
    max_shrink: float = 0.2  # refuse a data version with this share fewer rows than the last one
    allow_shrink: bool = (
        False  # 1 = accept a bigger drop (or put CONFIRM_SHRINK in the data folder)
    )
    stable_seconds: float = 1.0  # a data file must be unchanged this long before it is read
    public_url: str = ""  # e.g. https://help.example.org: share links and redirects use it
    trusted_hosts: str = ""  # comma list of Host names; empty = loopback + PUBLIC_URL's host
    proxy_hops: int = 0  # reverse proxies in front that set X-Forwarded-For (per-client limits)

    @classmethod
    def build(
        cls,
        overrides: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Defaults, then DIRECTORY_<NAME> environment variables, then `overrides` (by NAME);
        each value cast once. Names that are not settings (Flask's TESTING, ...) are ignored.
        Raises SettingsError naming the variable when a value cannot be used."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for spec in fields(cls):
            name = spec.name.upper()
            if overrides is not None and name in overrides:
                values[spec.name] = _cast(spec, overrides[name], name)
            elif f"{ENV_PREFIX}{name}" in environ:
                values[spec.name] = _cast(spec, environ[f"{ENV_PREFIX}{name}"], ENV_PREFIX + name)
        return cls(**values)

    @classmethod
    def of(cls, given: Settings | Mapping[str, Any] | None) -> Settings:
        """`given` itself when it is Settings, else Settings.build(given)."""
        return given if isinstance(given, Settings) else cls.build(given)

    def as_config(self) -> dict[str, Any]:
        """The settings by NAME, as Flask's app.config holds them."""
        return {spec.name.upper(): getattr(self, spec.name) for spec in fields(self)}


ENV_PREFIX = "DIRECTORY_"


def _cast(spec: Field[Any], value: Any, source: str) -> Any:
    kind = spec.type
    text = str(value).strip()
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise SettingsError(f"{source} must be 1 or 0 (yes or no), not {text[:40]!r}.")
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            whole = value
        elif text.isascii() and text.isdigit():
            whole = int(text)
        else:
            raise SettingsError(
                f"{source} must be a whole number such as {spec.default}, not {text[:40]!r}."
            )
        if whole < 0:
            raise SettingsError(f"{source} must be 0 or more, not {whole}.")
        return whole
    if kind == "float":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise SettingsError(
                f"{source} must be a number such as {spec.default}, not {text[:40]!r}."
            ) from None
        if not 0 <= number < float("inf"):
            raise SettingsError(f"{source} must be 0 or more, not {text[:40]!r}.")
        return number
    return "" if value is None else str(value)


# Each setting can be given as an environment variable with the DIRECTORY_ prefix
# (DIRECTORY_DATA=/srv/region-data) or as an override to create_app(); see Settings.
DEFAULTS: dict[str, object] = Settings().as_config()
