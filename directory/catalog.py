"""The loaded directory: records, lookups and geo in one read-only object (one data version).

Which version a server serves, and when it takes a new one, is directory/serving.py."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from geo.atlas import Atlas

from .config import Settings
from .facets import FilterSets
from .loading import load_data, summary
from .records import Agency, Area, DataSet, Kind, Need
from .search_engine import SearchEngine


@dataclass(frozen=True, eq=False)  # identity equality: one object per load, cacheable
class Directory:
    """One region's directory as loaded from one data folder. Never mutated after load."""

    data: DataSet
    atlas: Atlas
    agencies_by_id: Mapping[str, Agency]
    needs_by_code: Mapping[str, Need]
    areas_by_id: Mapping[str, Area]
    # Agencies by kind, level, age group, need and area, for search, matching and coverage.
    filters: FilterSets = field(repr=False)
    settings: Settings = field(default_factory=Settings)
    loaded_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    # None only when loaded with search_index=False (tests and benchmarks that never search
    # words); directory/search.py is the one place that answers for a missing engine.
    search_engine: SearchEngine | None = field(default=None, repr=False)

    @classmethod
    def load(
        cls,
        folder: str | Path,
        settings: Settings | Mapping[str, Any] | None = None,
        *,
        search_index: bool = True,
    ) -> Directory:
        """Load a data folder and build its geo lookups. Bad rows are reported, not raised."""
        data = load_data(folder)
        return cls.from_data(data, settings, search_index=search_index)

    @classmethod
    def from_data(
        cls,
        data: DataSet,
        given: Settings | Mapping[str, Any] | None = None,
        *,
        search_index: bool = True,
    ) -> Directory:
        """Build lookups, filter sets and (unless search_index=False) open or build the
        search index for this data, per SEARCH_BACKEND and INDEX_DIR."""
        settings = Settings.of(given)  # a mapping is overrides on defaults and DIRECTORY_*
        filters = FilterSets.build(data.agencies, data.areas, [need.code for need in data.needs])
        engine = SearchEngine.build(data, settings, filters) if search_index else None
        atlas = Atlas.build(
            data.areas,
            data.folder,
            geocoder=settings.geocoder,
            user_agent=settings.geocoder_user_agent,
            timeout=settings.geocoder_timeout,
        )
        return cls(
            data=data,
            atlas=atlas,
            agencies_by_id={agency.id: agency for agency in data.agencies},
            needs_by_code={need.code: need for need in data.needs},
            areas_by_id={area.id: area for area in data.areas},
            settings=settings,
            filters=filters,
            search_engine=engine,
        )

    # -- state of this data version ------------------------------------------------------

    @cached_property
    def _memo(self) -> dict[Any, Any]:
        return {}

    def memo(self, key: Any, make: Callable[[], Any]) -> Any:
        """The value `make()` gives for this data version, made once and freed with the version.

        Per-load caches (coverage answers, the HSDS view, drawings) live here rather than in
        module globals or lru_caches keyed by the directory, so a reload frees them. A key must
        be derived from data-version facts and query codes only, never from a person's words.
        """
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo.setdefault(key, make())
            return value

    def kept(self, name: str, limit: int) -> Kept:
        """This data version's bounded store `name` (at most `limit` bytes, Kept), for values
        keyed by a derived query: every choice of codes is a key, so a memo would be unbounded."""
        return self.memo((name,), lambda: Kept(limit))

    # -- convenient views ---------------------------------------------------------------

    @property
    def agencies(self) -> tuple[Agency, ...]:
        return self.data.agencies

    @property
    def formal_agencies(self) -> tuple[Agency, ...]:
        return tuple(a for a in self.data.agencies if a.kind is Kind.FORMAL)

    @property
    def informal_supports(self) -> tuple[Agency, ...]:
        return tuple(a for a in self.data.agencies if a.kind is Kind.INFORMAL)

    @property
    def region_name(self) -> str:
        root = self.areas_by_id.get(self.atlas.root_id) if self.atlas.root_id else None
        return root.name if root else "this region"

    def verified_range(self) -> tuple[date | None, date | None]:
        dates = [a.verified_on for a in self.data.agencies if a.verified_on]
        return (min(dates), max(dates)) if dates else (None, None)

    def agency(self, agency_id: str) -> Agency:
        """The agency or support with this id; NotFound (a 404 with words) when there is none."""
        from .errors import NotFound

        found = self.agencies_by_id.get(agency_id)
        if found is None:
            raise NotFound(
                f'No agency or support has the id "{agency_id[:80]}".', code="unknown_agency"
            )
        return found

    def area_name(self, area_id: str) -> str:
        area = self.areas_by_id.get(area_id)
        return area.name if area else area_id

    def is_stale(self, agency: Agency, today: date | None = None) -> bool:
        """Not verified at all, or not within STALE_AFTER_DAYS."""
        if agency.verified_on is None:
            return True
        limit = self.settings.stale_after_days
        return ((today or date.today()) - agency.verified_on).days > limit

    def status(self) -> dict:
        """Counts and data health, for /healthz and `directory check-data` (a copy each call)."""
        return copy.deepcopy(self._status)

    @cached_property
    def _status(self) -> dict:
        oldest, newest = self.verified_range()
        return {
            "agencies": len(self.formal_agencies),
            "informal_supports": len(self.informal_supports),
            "areas": len(self.data.areas),
            "needs": len(self.data.needs),
            "verified": {
                "oldest": oldest.isoformat() if oldest else None,
                "newest": newest.isoformat() if newest else None,
                "never_verified": sum(1 for a in self.data.agencies if a.verified_on is None),
            },
            "data_fingerprint": self.data.fingerprint,
            "loaded_at": self.loaded_at.isoformat(timespec="seconds"),
            "summary": summary(self.data),
            "problems": [problem.to_json() for problem in self.data.problems],
            "geo_problems": list(self.atlas.problems),
        }


V = TypeVar("V")


class Kept(dict):
    """Values by key, dropping the oldest made once about `limit` bytes would be held."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit, self.nbytes = limit, 0
        self.sizes: dict[Any, int] = {}

    def get_or_make(self, key: Any, make: Callable[[], V], size: Callable[[V], int]) -> V:
        """The value kept under `key`, else `make()`'s, kept while it fits (`size` bytes)."""
        value = self.get(key)
        if value is None:
            value = make()
            self.keep(key, value, size(value))
        return value

    def keep(self, key: Any, value: Any, nbytes: int) -> None:
        if key in self:
            return
        self.sizes[key] = nbytes  # first: what is dropped has its size
        self[key] = value
        self.nbytes += nbytes
        while self.nbytes > self.limit and self:
            try:
                oldest = next(iter(self))
                del self[oldest]
                self.nbytes -= self.sizes.pop(oldest)
            except (KeyError, StopIteration, RuntimeError):  # another thread dropped it first
                break
