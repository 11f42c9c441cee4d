"""The Atlas: a thin facade over building (geo.building) and locating (geo.locating).

What the rest of the product asks of places and shapes: which areas hold a point, an area's
shape and source, distances, the municipality and neighbourhood polygons, GeoJSON and SVG out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Point, mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from .areas import Area
from .boundaries import PlaceShape
from .building import Geometry, build_geometry, make_geocoder
from .distance import haversine_km
from .drawing import AreaDrawing, draw_areas
from .locating import Locating, Location
from .places import Place
from .zips import normalise_zip

__all__ = ["Atlas", "Location"]


@dataclass(frozen=True)
class Atlas(Locating):
    """Service areas with shapes and a gazetteer, built once per data version (the caches live
    on this object, so a reload frees them); all lookups are offline unless a geocoder is
    configured."""

    areas: Mapping[str, Area]
    region_name: str
    geometry: Geometry = field(repr=False)
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
        geometry = build_geometry(tuple(areas), Path(data_dir))
        root = geometry.tree.root_id
        by_id = {area.id: area for area in areas}
        region = by_id[root].name if root else "the area this directory covers"
        engine, engine_name = make_geocoder(geocoder, geocoder_options)
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

    def places_with_shapes(self) -> tuple[PlaceShape, ...]:
        """Every municipality and city neighbourhood with its polygon (PlaceShape: name, kind,
        municipality, area_ids, geom, source, membership); empty without places.geojson."""
        return self.geometry.place_index.shapes

    def place_shape_areas(self, place: PlaceShape) -> tuple[str, ...]:
        """A municipality's or neighbourhood's area ids with their ancestors, broadest first."""
        return self.geometry.tree.broadest_first(place.area_ids)

    def places_geojson(self) -> dict[str, Any]:
        """Every municipality and neighbourhood polygon as GeoJSON, with its areas (broadest
        first), how its membership was decided and its source."""
        features = [
            {
                "type": "Feature",
                "properties": {
                    "name": place.name,
                    "kind": place.kind,
                    "municipality": place.municipality,
                    "areas": list(self.place_shape_areas(place)),
                    "membership": place.membership,
                    "reconstructed": True,  # which area a place is in is our reconstruction
                    "source": place.source,
                },
                "geometry": _rounded(mapping(place.geom)),
            }
            for place in self.places_with_shapes()
        ]
        return {"type": "FeatureCollection", "features": features}

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
                        "approximate": "approximate" in self.shape_source(area_id).lower(),
                    },
                    "geometry": _rounded(mapping(geom)),
                }
            )
        return {"type": "FeatureCollection", "features": features}

    def areas_drawing(self) -> AreaDrawing:
        """All shaped areas as SVG paths in one fitted viewBox (drawn once per Atlas)."""
        return self._drawing

    @cached_property
    def _drawing(self) -> AreaDrawing:
        tree = self.geometry.tree
        return draw_areas(
            self.geometry.shapes,
            {i: a.name for i, a in self.areas.items()},
            tree.parent,
            tree.depth,
            tree.order,
        )


def _rounded(geometry: Any) -> Any:
    """GeoJSON coordinates rounded to 5 decimals (about a metre): smaller pages, same picture."""
    if isinstance(geometry, dict):
        return {k: _rounded(v) for k, v in geometry.items()}
    if isinstance(geometry, (list, tuple)):
        return [_rounded(v) for v in geometry]
    if isinstance(geometry, float):
        return round(geometry, 5)
    return geometry
