"""Every US county offline: outlines, names and which county holds a point or a ZIP.

Reads the us-atlas TopoJSON vendored in geo/data (see geo/data/SOURCE.md), so nothing here
needs the network. County FIPS codes are five digits: two for the state, three for the county
("06081" is San Mateo County, California).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from shapely.strtree import STRtree

from .places import normalise_name
from .states import STATES

COUNTIES_FILE = Path(__file__).resolve().parent / "data" / "counties-10m.json"
ATLAS_SOURCE = (
    "us-atlas 3.0.1 counties-10m.json (U.S. Census Bureau cartographic boundary files, "
    "1:10,000,000, public domain)"
)
FIPS_PATTERN = re.compile(r"^[0-9]{5}$")

STATE_BY_ABBREVIATION = {abbr: fips for fips, (abbr, _) in STATES.items()}
# States whose county codes from 500 up are independent cities ("Richmond city" beside
# Richmond County, Virginia); us-atlas names both just "Richmond".
INDEPENDENT_CITY_STATES = ("24", "29", "32", "51")
COUNTY_SUFFIXES = (
    " city and borough",
    " census area",
    " municipality",
    " municipio",
    " county",
    " parish",
)
COUNTY_PREFIXES = ("city and borough of ", "municipality of ", "borough of ")


class UnknownCounty(ValueError):
    """A FIPS code that is not five digits or names no county in the vendored file."""


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat coordinates of every arc (TopoJSON stores quantised deltas)."""
    return [decode_arc(arc, topology.get("transform")) for arc in topology["arcs"]]


def decode_arc(arc: list, transform: dict | None) -> list[tuple[float, float]]:
    """One arc's absolute coordinates: each arc's deltas start again from zero, so an arc can be
    decoded on its own (a region needs a few hundred of the file's ~10,000)."""
    if not transform:
        return [(dx, dy) for dx, dy in arc]
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    points = []
    x = y = 0
    for dx, dy in arc:
        x, y = x + dx, y + dy
        points.append((x * sx + tx, y * sy + ty))
    return points


class LazyArcs:
    """The topology's arcs, each decoded the first time a shape needs it."""

    def __init__(self, topology: dict):
        self._raw = topology["arcs"]
        self._transform = topology.get("transform")
        self._decoded: dict[int, list[tuple[float, float]]] = {}

    def __len__(self) -> int:
        return len(self._raw)

    def __getitem__(self, index: int) -> list[tuple[float, float]]:
        index = index if index >= 0 else len(self._raw) + index
        found = self._decoded.get(index)
        if found is None:
            found = self._decoded[index] = decode_arc(self._raw[index], self._transform)
        return found


Arcs = Sequence[list[tuple[float, float]]] | LazyArcs


def ring(indexes: list[int], arcs: Arcs) -> list[tuple[float, float]]:
    """Join arcs into one ring; a negative index ~i means arc i reversed."""
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def geometry_shape(geometry: dict, arcs: Arcs) -> BaseGeometry:
    """One TopoJSON Polygon or MultiPolygon geometry as a shapely shape."""
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    shapes = []
    for polygon in polygons:
        rings = [ring(indexes, arcs) for indexes in polygon]
        if len(rings[0]) >= 4:  # quantisation can collapse a tiny island or lake to a line
            shapes.append(Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4]))
    return unary_union(shapes)


def county_key(name: str) -> str:
    """A county name as both us-atlas ("San Mateo") and zipcodes ("San Mateo County") spell
    it: "san mateo"; independent cities keep "city" ("richmond city")."""
    key = normalise_name(name)
    for prefix in COUNTY_PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix) :]
    for suffix in (*COUNTY_SUFFIXES, " borough"):
        if key.endswith(suffix) and key != suffix.strip():
            key = key[: -len(suffix)]
            break
    return key


class CountyFile:
    """The vendored us-atlas counties: names, labels, outlines, and which county holds a point."""

    def __init__(self, path: Path = COUNTIES_FILE):
        self.path = Path(path)
        self.topology: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        self.geometries = {
            str(g.get("id")): g for g in self.topology["objects"]["counties"]["geometries"]
        }
        self.names = {fips: str(g["properties"]["name"]) for fips, g in self.geometries.items()}

    @classmethod
    def default(cls) -> CountyFile:
        """The vendored file, read once per process (it never changes while running)."""
        return _default_county_file()

    @cached_property
    def arcs(self) -> LazyArcs:
        return LazyArcs(self.topology)

    def check(self, fips: str) -> str:
        """The code itself when it names a county here; else UnknownCounty with help."""
        code = str(fips).strip()
        if not FIPS_PATTERN.match(code):
            raise UnknownCounty(
                f'"{fips}" is not a county FIPS code: use five digits, the state\'s two and the '
                "county's three (06081 is San Mateo County, California)."
            )
        if code not in self.geometries:
            state = STATES.get(code[:2], ("", "an unknown state"))[1]
            raise UnknownCounty(f"No county has FIPS code {code} (state code {code[:2]}: {state}).")
        return code

    def state(self, fips: str) -> str:
        """The USPS abbreviation of the county's state ("CA")."""
        return STATES.get(fips[:2], ("", ""))[0]

    def is_independent_city(self, fips: str) -> bool:
        return fips[:2] in INDEPENDENT_CITY_STATES and int(fips[2:]) >= 500

    def label(self, fips: str) -> str:
        """ "San Mateo County, CA", "Orleans Parish, LA", "Richmond city, VA", "Juneau, AK"."""
        name = self.names[fips]
        if self.is_independent_city(fips):
            kind = "" if name.lower().endswith("city") else " city"
        elif fips[:2] == "22":
            kind = " Parish"
        elif fips[:2] in ("02", "11", "72", "78", "60", "66", "69"):
            kind = ""
        else:
            kind = " County"
        return f"{name}{kind}, {self.state(fips)}"

    def shape(self, fips: str) -> BaseGeometry:
        """The county's outline (1:10,000,000) as a shapely (Multi)Polygon, built once."""
        code = self.check(fips)
        found = self._shapes.get(code)
        if found is None:
            found = self._shapes[code] = geometry_shape(self.geometries[code], self.arcs)
        return found

    @cached_property
    def _shapes(self) -> dict[str, BaseGeometry]:
        return {}

    @cached_property
    def _by_key(self) -> dict[tuple[str, str], str]:
        found: dict[tuple[str, str], str] = {}
        for fips, name in self.names.items():
            key = county_key(name)
            if self.is_independent_city(fips) and not key.endswith("city"):
                key += " city"
            found[(fips[:2], key)] = fips
            found.setdefault((fips[:2], key.replace(" ", "")), fips)  # "La Porte" / "LaPorte"
        return found

    def fips_for(self, county: str, state: str) -> str | None:
        """The FIPS code of a county named as the zipcodes package names it ("San Mateo
        County", "CA"), or None."""
        state_fips = STATE_BY_ABBREVIATION.get(state.strip().upper())
        if state_fips is None or not county.strip():
            return None
        key = county_key(county)
        for candidate in (key, key.removesuffix(" city"), key.replace(" ", "")):
            if (state_fips, candidate) in self._by_key:
                return self._by_key[(state_fips, candidate)]
        return None

    @cached_property
    def _index(self) -> tuple[list[str], STRtree]:
        codes = sorted(self.geometries)
        return codes, STRtree([self.shape(code) for code in codes])

    def containing(self, lon: float, lat: float) -> str | None:
        """The FIPS code of the county whose outline holds the point, or None."""
        codes, tree = self._index
        hits = tree.query(Point(lon, lat), predicate="intersects")
        return codes[int(min(hits))] if len(hits) else None

    def containing_all(
        self, lons: Sequence[float], lats: Sequence[float], likely: Iterable[str] = ()
    ) -> list[str | None]:
        """containing() for many points at once: each point is first tried against the `likely`
        counties (say, those a feed's ZIP codes already named), and only the rest against
        every county, in one vectorised query; so a feed in one county builds one outline."""
        lons_array = np.asarray(lons, dtype=float)
        lats_array = np.asarray(lats, dtype=float)
        found: list[str | None] = [None] * len(lons_array)
        left = np.ones(len(lons_array), dtype=bool)
        for code in dict.fromkeys(likely):
            if not left.any():
                break
            outline = self.shape(code)
            shapely.prepare(outline)
            hits = left & shapely.intersects_xy(outline, lons_array, lats_array)
            for index in np.flatnonzero(hits):
                found[index] = code
            left &= ~hits
        if left.any():
            codes, tree = self._index
            rest = np.flatnonzero(left)
            points = shapely.points(lons_array[rest], lats_array[rest])
            inputs, hits = tree.query(points, predicate="intersects")
            for point, hit in zip(inputs.tolist(), hits.tolist()):  # the lowest code, as one by one
                index = rest[point]
                if found[index] is None or codes[hit] < found[index]:
                    found[index] = codes[hit]
        return found

    def outline(self, codes: Iterable[str]) -> BaseGeometry:
        """The union of these counties' outlines."""
        return unary_union([self.shape(code) for code in codes])


def zip_counties(
    records: Iterable[Mapping], counties: CountyFile, within: Iterable[str] | None = None
) -> dict[str, str]:
    """ZIP -> FIPS code of its county: the zipcodes package's county name matched to us-atlas,
    else the county whose outline holds the ZIP's centroid. `within` limits the answer to those
    counties (and checks only their outlines, which is fast). The centroids are tested all at
    once, not one shapely Point per ZIP."""
    wanted = list(dict.fromkeys(within)) if within is not None else None
    records = list(records)
    codes: list[str | None] = [None] * len(records)
    named: dict[tuple[str, str], str | None] = {}  # ~3,000 county names for ~42,000 ZIPs
    pending: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    for number, record in enumerate(records):
        key = (record.get("county") or "", record.get("state") or "")
        if key not in named:
            named[key] = counties.fips_for(*key)
        codes[number] = named[key]
        if codes[number] is None:
            lon, lat = _float(record.get("long")), _float(record.get("lat"))
            if lon is not None and lat is not None:
                pending.append(number)
                lons.append(lon)
                lats.append(lat)
    if pending and wanted is None:
        for number, code in zip(pending, counties.containing_all(lons, lats)):
            codes[number] = code
    elif pending and wanted is not None:
        lon_array, lat_array = np.asarray(lons), np.asarray(lats)
        left = np.ones(len(pending), dtype=bool)
        for code in wanted:  # the first of the given counties that contains the point
            hits = left & shapely.contains_xy(counties.shape(code), lon_array, lat_array)
            for index in np.flatnonzero(hits):
                codes[pending[index]] = code
            left &= ~hits
    keep = set(wanted) if wanted is not None else None
    return {
        record["zip_code"]: code
        for record, code in zip(records, codes)
        if code is not None and (keep is None or code in keep)
    }


def _float(text: object) -> float | None:
    try:
        return float(str(text).strip())
    except (TypeError, ValueError):
        return None


@cache
def _default_county_file() -> CountyFile:
    return CountyFile(COUNTIES_FILE)
