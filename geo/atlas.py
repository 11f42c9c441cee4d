"""The Atlas: locate what a person typed, which service areas hold a point, shapes and distances out."""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Point, mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points, unary_union

from .areas import (
    DERIVED_SOURCE,
    HULL_SOURCE,
    Area,
    AreaIndex,
    AreaTree,
    derived_outline,
    read_outline,
    read_region_shapes,
    zip_cells,
)
from .distance import haversine_km
from .drawing import AreaDrawing, draw_areas
from .places import (
    MAX_QUERY_CHARS,
    STATE_WORDS,
    STREET_WORDS,
    Gazetteer,
    Place,
    PlaceNotFound,
    normalise_name,
    read_places,
)
from .zips import (
    ZipPoint,
    apply_corrections,
    lookup_package_zip,
    normalise_zip,
    read_zip_corrections,
    read_zip_points,
    zips_in_text,
)

log = logging.getLogger(__name__)  # events and counts only: never what a person typed

PRECISIONS = ("zip", "place", "point", "address")
OFFLINE = ("", "offline", "none", "off", "false", "0")
LAT_LON = re.compile(
    r"^\(?\s*([-+]?[0-9]{1,3}(?:\.[0-9]+)?)\s*[,;\s]\s*([-+]?[0-9]{1,3}(?:\.[0-9]+)?)\s*\)?$"
)
# Line breaks and tabs become spaces; other control and invisible characters are dropped.
SPACING = re.compile(r"[\t\n\r\v\f\u2028\u2029]")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\ufeff]")
# A geocoded point this far from the typed ZIP's centroid is more likely the geocoder's mistake.
GEOCODER_ZIP_TOLERANCE_KM = 25.0
DATA_FILES = (
    "places.csv",
    "zip_points.csv",
    "zip_corrections.csv",
    "county_outline.geojson",
    "regions.geojson",
)


@dataclass(frozen=True, slots=True)
class Location:
    """Where a person is, as far as we can tell, and which service areas hold them."""

    query: str
    label: str
    lat: float
    lon: float
    precision: str  # zip | place | point | address
    areas: tuple[str, ...]  # area ids, broadest first
    in_area: bool
    suggestions: tuple[str, ...] = ()
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of `directory locate --json` and the API."""
        return {
            "query": self.query,
            "label": self.label,
            "lat": round(self.lat, 6),
            "lon": round(self.lon, 6),
            "precision": self.precision,
            "areas": list(self.areas),
            "in_area": self.in_area,
            "suggestions": list(self.suggestions),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class _Geometry:
    """Everything expensive that depends only on the areas and the data files (cached per folder)."""

    tree: AreaTree
    shapes: Mapping[str, BaseGeometry]
    shape_sources: Mapping[str, str]
    outline: BaseGeometry
    index: AreaIndex
    zip_points: Mapping[str, ZipPoint]
    gazetteer: Gazetteer
    place_areas: Mapping[int, tuple[str, ...]]
    area_points: Mapping[str, tuple[float, float]]
    outside_names: Mapping[str, ZipPoint]  # neighbours' postal town names, to answer "outside"
    problems: tuple[str, ...]


_CACHE: dict[tuple, _Geometry] = {}


@dataclass(frozen=True)
class Atlas:
    """Service areas with shapes and a gazetteer, built once per data folder; all lookups are offline
    unless a geocoder is configured."""

    areas: Mapping[str, Area]
    region_name: str
    geometry: _Geometry = field(repr=False)
    geocoder: Any = field(default=None, repr=False)
    geocoder_name: str = "offline"

    @classmethod
    def build(
        cls,
        areas: Sequence[Area],
        data_dir: str | Path,
        geocoder: Any = "offline",
        **geocoder_options: Any,
    ) -> Atlas:
        """Shapes, indexes and gazetteer for these areas from data_dir; geocoder is "offline", a
        geopy service name ("nominatim") or an object with .geocode(text) (tests use a fake)."""
        folder = Path(data_dir)
        areas = tuple(areas)
        stamps = []
        for name in DATA_FILES:
            path = folder / name
            stat = path.stat() if path.exists() else None
            stamps.append((name, stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0))
        key = (areas, str(folder.resolve()), tuple(stamps))
        geometry = _CACHE.get(key)
        if geometry is None:
            geometry = _build_geometry(areas, folder)
            if len(_CACHE) > 16:
                _CACHE.clear()
            _CACHE[key] = geometry
        root = geometry.tree.root_id
        by_id = {area.id: area for area in areas}
        region = by_id[root].name if root else "the area this directory covers"
        engine, engine_name = _make_geocoder(geocoder, geocoder_options)
        return cls(by_id, region, geometry, engine, engine_name)

    # -- what the rest of the product asks --------------------------------------------------

    @property
    def root_id(self) -> str | None:
        """The one area with no parent (the whole covered region), if there is exactly one."""
        return self.geometry.tree.root_id

    @property
    def covered_area_ids(self) -> tuple[str, ...]:
        """Ids of areas that have a shape, broadest first."""
        return tuple(i for i in self.geometry.tree.order if i in self.geometry.shapes)

    @property
    def problems(self) -> tuple[str, ...]:
        """Rows of the geo data files that were skipped, in FILE:LINE: words for check-data."""
        return self.geometry.problems

    @property
    def places(self) -> tuple[Place, ...]:
        """The gazetteer's places, in file order."""
        return self.geometry.gazetteer.places

    def place_areas(self, place: Place) -> tuple[str, ...]:
        """A gazetteer place's area ids with their ancestors, broadest first."""
        return self.geometry.place_areas[id(place)]

    def areas_for_zip(self, code: str) -> tuple[str, ...]:
        """Area ids that list this ZIP (themselves or through a child), broadest first."""
        return self.geometry.tree.areas_by_zip.get(normalise_zip(code) or "", ())

    def areas_containing(self, lat: float, lon: float) -> list[str]:
        """Ids of service areas whose shape holds the point (boundary counts as inside), broadest first."""
        return self.geometry.index.containing(lon, lat)

    def shape(self, area_id: str) -> BaseGeometry | None:
        """The area's shapely shape in lon/lat, or None when it has no located ZIP."""
        return self.geometry.shapes.get(area_id)

    def shape_source(self, area_id: str) -> str:
        """Where an area's shape came from (real boundary file or derived, approximate)."""
        return self.geometry.shape_sources.get(area_id, "")

    def area_point(self, area_id: str) -> tuple[float, float] | None:
        """A representative (lat, lon) for the area, for distances to area-only supports."""
        return self.geometry.area_points.get(area_id)

    def distance_to_area_km(self, lat: float, lon: float, area_id: str) -> float:
        """Km from the point to the nearest edge of the area's shape; 0 inside, inf if no shape."""
        geom = self.shape(area_id)
        if geom is None or geom.is_empty:
            return math.inf
        point = Point(lon, lat)
        if geom.intersects(point):
            return 0.0
        nearest = nearest_points(geom, point)[0]
        return float(haversine_km(lat, lon, [nearest.y], [nearest.x])[0])

    def distances_to_areas_km(self, lat: float, lon: float) -> dict[str, float]:
        """Km from the point to every shaped area at once (0 inside), for ranking many supports
        by their service areas without a shapely call per area."""
        index = self.geometry.index
        if not index.ids:
            return {}
        point = Point(lon, lat)
        inside = shapely.intersects(index.geom_array, point)
        nearest = shapely.get_coordinates(
            shapely.get_point(shapely.shortest_line(index.geom_array, point), 0)
        )
        km = haversine_km(lat, lon, nearest[:, 1], nearest[:, 0])
        km[inside] = 0.0
        return dict(zip(index.ids, km.tolist()))

    def areas_geojson(self) -> dict[str, Any]:
        """Every shaped area as a GeoJSON FeatureCollection with id, name, parent and shape source."""
        features = []
        for area_id in self.covered_area_ids:
            area = self.areas[area_id]
            geom = self.geometry.shapes[area_id]
            features.append(
                {
                    "type": "Feature",
                    "id": area_id,
                    "properties": {
                        "id": area_id,
                        "name": area.name,
                        "parent": area.parent,
                        "shape_source": self.shape_source(area_id),
                        "approximate": self.shape_source(area_id).startswith("Derived"),
                    },
                    "geometry": _rounded(mapping(geom)),
                }
            )
        return {"type": "FeatureCollection", "features": features}

    def areas_drawing(self) -> AreaDrawing:
        """All shaped areas as SVG paths in one fitted viewBox (computed once per data folder)."""
        geometry, drawing = _DRAWINGS.get(id(self.geometry), (None, None))
        if geometry is not self.geometry or drawing is None:  # ids can be reused after a reload
            tree = self.geometry.tree
            drawing = draw_areas(
                self.geometry.shapes,
                {i: a.name for i, a in self.areas.items()},
                tree.parent,
                tree.depth,
                tree.order,
            )
            if len(_DRAWINGS) > 16:
                _DRAWINGS.clear()
            _DRAWINGS[id(self.geometry)] = (self.geometry, drawing)
        return drawing

    def areas_svg(
        self,
        highlight: Iterable[str] | None = None,
        area_ids: Iterable[str] | None = None,
        title: str | None = None,
    ) -> str:
        """An <svg> with one <path data-area-id=...> per area; `highlight` marks a service area."""
        return self.areas_drawing().svg(
            highlight or (), area_ids, title or f"Service areas in {self.region_name}"
        )

    # -- locating a person -------------------------------------------------------------------

    def locate(self, text: str) -> Location:
        """Where a ZIP, ZIP+4, "lat,lon", place name or address is; raises PlaceNotFound with help."""
        query = _clean(text)
        if not query:
            raise PlaceNotFound(f"Enter a ZIP code, town or address in {self.region_name}.")
        if len(query) > MAX_QUERY_CHARS:
            raise PlaceNotFound(
                f"That is too long to be a place. Enter a ZIP code, town or "
                f"address in {self.region_name}."
            )
        code = normalise_zip(query)
        if code is not None:
            return self._locate_zip(query, code)
        match = LAT_LON.match(query)
        if match:
            return self._locate_point(query, float(match.group(1)), float(match.group(2)))
        return self._locate_words(query)

    def _locate_zip(
        self, query: str, code: str, precision: str = "zip", note: str = ""
    ) -> Location:
        areas = self.areas_for_zip(code)
        point = self._zip_point(code)
        if areas:
            lat_lon = (
                (point.lat, point.lon)
                if point and point.lat is not None
                else (self.area_point(areas[-1]))
            )
            if lat_lon is None:
                raise PlaceNotFound(f"ZIP code {code} has no location in our data.")
            label = point.label if point and point.city else code
            return Location(
                query,
                _short_zip_label(label),
                lat_lon[0],
                lat_lon[1],
                precision,
                areas,
                True,
                (),
                note,
            )
        if point is None or point.lat is None:
            raise PlaceNotFound(
                f"We couldn't find ZIP code {code}. Check the number, or try a "
                f"town in {self.region_name}."
            )
        return Location(
            query,
            point.label,
            point.lat,
            point.lon,
            precision,
            (),
            False,
            (),
            _join(note, f"ZIP code {code} is outside {self.region_name}."),
        )

    def _zip_point(self, code: str) -> ZipPoint | None:
        point = self.geometry.zip_points.get(code)
        return point if point is not None else lookup_package_zip(code)

    def _locate_point(
        self,
        query: str,
        lat: float,
        lon: float,
        precision: str = "point",
        label: str = "",
        note: str = "",
    ) -> Location:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise PlaceNotFound(
                "That latitude/longitude is not on the map: latitude goes from "
                "-90 to 90 and longitude from -180 to 180."
            )
        areas = tuple(self.areas_containing(lat, lon))
        root = self.root_id
        inside = bool(areas) if root is None else root in areas
        if not inside:
            note = _join(note, f"This point is outside {self.region_name}.")
        return Location(
            query, label or f"{lat:.5f}, {lon:.5f}", lat, lon, precision, areas, inside, (), note
        )

    def _locate_place(self, query: str, place: Place, note: str = "") -> Location:
        # Similar names ("Homestead" -> "West Homestead") help only when a name alone was typed.
        related = () if note else tuple(self.geometry.gazetteer.related(place))
        return Location(
            query,
            place.label,
            place.lat,
            place.lon,
            "place",
            self.place_areas(place),
            True,
            related,
            note,
        )

    def _locate_words(self, query: str) -> Location:
        gazetteer = self.geometry.gazetteer
        key = _strip_state(normalise_name(query))
        zip_codes = [z for z in zips_in_text(query) if self._zip_point(z) is not None]
        places = gazetteer.lookup(key) if key else []
        looks_like_address = bool(zip_codes) or bool(re.search(r"\d", query)) or "," in query
        if self.geocoder is not None and looks_like_address and not places:
            return self._locate_online(query, zip_codes)
        if zip_codes:
            return self._locate_zip(
                query, zip_codes[-1], note="Located by the ZIP code in the address."
            )
        if not places:
            places = self._places_in_address(query)
        if len(places) > 1:
            choices = [p.label for p in places]
            raise PlaceNotFound(
                f'"{_shown(query)}" could be more than one place: {", ".join(choices)}. Which one?',
                choices=choices,
            )
        if places:
            note = "Located by the place name in the address." if looks_like_address else ""
            return self._locate_place(query, places[0], note)
        outside = self._outside_town(query)
        if outside is not None:
            label = ", ".join(p for p in (outside.city.title(), outside.county, outside.state) if p)
            return Location(
                query,
                label,
                outside.lat or 0.0,
                outside.lon or 0.0,
                "place",
                (),
                False,
                (),
                f"{outside.city.title()} is outside {self.region_name}.",
            )
        suggestions = gazetteer.suggest(key) if key else []
        hint = f" Did you mean {_or_list(suggestions[:3])}?" if suggestions else ""
        raise PlaceNotFound(
            f'We couldn\'t find "{_shown(query)}".{hint} Try a ZIP code or a '
            f"town in {self.region_name}.",
            suggestions=suggestions,
        )

    def _places_in_address(self, query: str) -> list[Place]:
        """Places named inside an address: the last comma part first, longest word run first."""
        gazetteer = self.geometry.gazetteer
        parts = [_strip_state(normalise_name(p)) for p in query.split(",")]
        for part in reversed([p for p in parts if p]):
            words = part.split()
            for size in range(min(len(words), gazetteer.max_words), 0, -1):
                for start in range(len(words) - size, -1, -1):
                    run = words[start : start + size]
                    after = words[start + size : start + size + 1]
                    if run[0].isdigit() or (after and after[0] in STREET_WORDS):
                        continue  # "Liberty Ave" is a street, not Liberty borough
                    found = gazetteer.lookup(" ".join(run))
                    if found:
                        return found
        return []

    def _outside_town(self, query: str) -> ZipPoint | None:
        """A neighbouring postal town named in the text ("Aliquippa, PA"), reported as outside."""
        names = self.geometry.outside_names
        for part in reversed([_strip_state(normalise_name(p)) for p in query.split(",")]):
            words = part.split()
            for size in range(min(len(words), 4), 0, -1):
                found = names.get(" ".join(words[-size:]))
                if found is not None:
                    return found
        return None

    def _locate_online(self, query: str, zip_codes: list[str]) -> Location:
        """Geocode the full address; on any failure, fall back to the offline answer and say so."""
        fallback = (
            "The online address lookup did not answer, so this is the offline answer "
            "from the ZIP code or place name."
        )
        try:
            result = self.geocoder(query)
        except Exception as error:  # noqa: BLE001 - any geocoder failure means: answer offline
            log.warning("geocoder failed (%s); answered offline", type(error).__name__)
            return self._offline_with_note(query, zip_codes, fallback)
        if result is None:
            log.info("geocoder found nothing; answered offline")
            return self._offline_with_note(
                query,
                zip_codes,
                "The online address lookup did not recognise this address, "
                "so this is the offline answer from the ZIP code or place name.",
            )
        lat, lon = float(result.latitude), float(result.longitude)
        if zip_codes:
            by_zip = self._locate_zip(query, zip_codes[-1])
            if haversine_km(lat, lon, [by_zip.lat], [by_zip.lon])[0] > GEOCODER_ZIP_TOLERANCE_KM:
                return _with_note(
                    by_zip,
                    "The online address lookup placed this address far "
                    "from its ZIP code, so the ZIP code's location is used.",
                )
            # The typed ZIP decides the areas; the geocoder only sharpens the point.
            return Location(query, query, lat, lon, "address", by_zip.areas, by_zip.in_area)
        return self._locate_point(query, lat, lon, "address", label=query)

    def _offline_with_note(self, query: str, zip_codes: list[str], note: str) -> Location:
        if zip_codes:
            return _with_note(self._locate_zip(query, zip_codes[-1]), note)
        places = self._places_in_address(query)
        if len(places) == 1:
            return self._locate_place(query, places[0], note)
        raise PlaceNotFound(
            f'We couldn\'t find "{_shown(query)}" without the online address '
            f"lookup. Try a ZIP code or a town in {self.region_name}.",
            choices=[p.label for p in places],
        )


_DRAWINGS: dict[int, tuple[_Geometry, AreaDrawing]] = {}


def _build_geometry(areas: Sequence[Area], folder: Path) -> _Geometry:
    """Read the geo data files and derive every area's shape (the slow part, cached by build)."""
    problems: list[str] = []
    tree = AreaTree.build(areas)
    corrections = read_zip_corrections(folder / "zip_corrections.csv", problems)
    points = apply_corrections(read_zip_points(folder / "zip_points.csv"), corrections)
    covered = set(tree.areas_by_zip)
    outline, outline_source = read_outline(folder / "county_outline.geojson")
    if outline is None:
        outline, outline_source = derived_outline(points, covered), HULL_SOURCE
        zip_source = HULL_SOURCE
    else:
        zip_source = DERIVED_SOURCE
    real = read_region_shapes(folder / "regions.geojson")
    cells = zip_cells(points, covered, outline) if set(tree.order) - set(real) else {}
    shapes: dict[str, BaseGeometry] = {}
    sources: dict[str, str] = {}
    for area_id in tree.order:
        if area_id in real:
            shapes[area_id], sources[area_id] = real[area_id]
        elif area_id == tree.root_id and not outline.is_empty:
            shapes[area_id], sources[area_id] = outline, f"Outline: {outline_source}"
        else:
            parts = [cells[c] for c in tree.zips[area_id] if c in cells]
            if parts:
                shapes[area_id], sources[area_id] = unary_union(parts), zip_source
    # An area with no shape of its own (e.g. a root with no outline) is the union of its children.
    for area_id in sorted(tree.order, key=lambda i: -tree.depth[i]):
        if area_id not in shapes:
            children = [shapes[c] for c in tree.children.get(area_id, ()) if c in shapes]
            if children:
                shapes[area_id] = unary_union(children)
                sources[area_id] = "Union of its sub-areas' shapes."
    rank = {area_id: (tree.depth[area_id], n) for n, area_id in enumerate(tree.order)}
    index = AreaIndex(shapes, rank)

    places = read_places(folder / "places.csv", tree.order, problems)
    place_areas = {id(p): tree.broadest_first(p.area_ids) for p in places}
    area_points: dict[str, tuple[float, float]] = {}
    by_name = {normalise_name(p.name): p for p in places}
    by_id = {area.id: area for area in areas}
    for area_id in tree.order:
        area = by_id[area_id]
        same_name = by_name.get(normalise_name(area.name))
        if same_name is not None and area_id in place_areas[id(same_name)]:
            area_points[area_id] = (same_name.lat, same_name.lon)
        elif area_id in shapes:
            rep = shapes[area_id].representative_point()
            area_points[area_id] = (rep.y, rep.x)
    # Area names ("North Hills") are names people type too; they locate to the area's point.
    extra: dict[str, Place] = {}
    for area in areas:
        if area.id in area_points:
            lat, lon = area_points[area.id]
            place = Place(
                area.name,
                "service area",
                "",
                (area.id,),
                tuple(area.zips),
                lat,
                lon,
                (),
                "service area's representative point",
            )
            place_areas[id(place)] = tree.broadest_first([area.id])
            extra[area.name] = place
    gazetteer = Gazetteer(places, extra)
    outside_names: dict[str, ZipPoint] = {}
    for code, point in sorted(points.items()):
        if code not in covered and point.city and point.lat is not None:
            outside_names.setdefault(normalise_name(point.city), point)
    if problems:
        log.warning("geo data: %d rows skipped", len(problems))
    return _Geometry(
        tree,
        shapes,
        sources,
        outline,
        index,
        points,
        gazetteer,
        place_areas,
        area_points,
        outside_names,
        tuple(problems),
    )


def _make_geocoder(geocoder: Any, options: Mapping[str, Any]) -> tuple[Any, str]:
    """A callable text -> geopy Location (or None), rate limited; None when offline."""
    if geocoder is None or (isinstance(geocoder, str) and geocoder.strip().lower() in OFFLINE):
        return None, "offline"
    if not isinstance(geocoder, str):  # an object with .geocode, e.g. a fake in tests
        return (lambda text: geocoder.geocode(text)), type(geocoder).__name__
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import get_geocoder_for_service

    settings = dict(options)
    min_delay = float(settings.pop("min_delay_seconds", 1.0))
    settings.setdefault("user_agent", "service-directory")
    settings["timeout"] = float(settings.get("timeout", 3.0))
    service = get_geocoder_for_service(geocoder.strip().lower())(**settings)
    limited = RateLimiter(
        service.geocode, min_delay_seconds=min_delay, max_retries=0, swallow_exceptions=False
    )
    return (lambda text: limited(text, exactly_one=True)), geocoder


def _clean(text: object) -> str:
    """Text with control and invisible characters removed and spaces collapsed."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = unicodedata.normalize("NFKC", SPACING.sub(" ", text[: MAX_QUERY_CHARS * 50]))
    return " ".join(CONTROL.sub("", text).split())


def _strip_state(key: str) -> str:
    """Drop a trailing state or country and ZIP: "oakland pittsburgh pa 15213" -> "oakland pittsburgh"."""
    words = key.split()
    while words and (
        words[-1] in STATE_WORDS or words[-1].isdigit() or " ".join(words[-2:]) in STATE_WORDS
    ):
        words.pop()
    return " ".join(words)


def _shown(query: str) -> str:
    return query if len(query) <= 60 else query[:57] + "..."


def _or_list(items: Sequence[str]) -> str:
    quoted = [f'"{item}"' for item in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _join(*notes: str) -> str:
    return " ".join(n for n in notes if n)


def _with_note(location: Location, note: str) -> Location:
    return Location(
        location.query,
        location.label,
        location.lat,
        location.lon,
        location.precision,
        location.areas,
        location.in_area,
        location.suggestions,
        _join(location.note, note),
    )


def _short_zip_label(label: str) -> str:
    """ "15213 (Pittsburgh, Allegheny County, PA)" -> "15213 (Pittsburgh)" inside the region."""
    head, _, rest = label.partition(" (")
    return f"{head} ({rest.split(',')[0].rstrip(')')})" if rest else head


def _rounded(geometry: Any) -> Any:
    """GeoJSON coordinates rounded to 5 decimals (about a metre): smaller pages, same picture."""
    if isinstance(geometry, dict):
        return {k: _rounded(v) for k, v in geometry.items()}
    if isinstance(geometry, (list, tuple)):
        return [_rounded(v) for v in geometry]
    if isinstance(geometry, float):
        return round(geometry, 5)
    return geometry
