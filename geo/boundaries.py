"""Real boundaries: municipalities and city neighbourhoods as polygons, which ones hold a point,
and GeoJSON files read so that a broken file is a reported problem, never an exception."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from .files import feature_shape, read_geojson

# A point within this of a polygon (about 0.1 mm) is in it, so shared edges belong to both sides.
EDGE_TOLERANCE_DEG = 1e-9
# A point in a sliver between two simplified lines is in the nearest polygon this close (~100 m).
SLIVER_REACH_DEG = 0.0012
MUNICIPAL_KINDS = ("city", "borough", "township")


@dataclass(frozen=True, slots=True)
class PlaceShape:
    """A municipality or city neighbourhood with its polygon and the service areas it is in."""

    name: str
    kind: str  # city, borough, township or neighbourhood
    municipality: str  # "Pittsburgh" for a neighbourhood, else ""
    area_ids: tuple[str, ...]  # as listed (most specific); Atlas adds the ancestors
    geom: BaseGeometry
    source: str
    membership: str  # how its service area was decided (a reconstruction)

    @property
    def precision(self) -> str:
        """ "neighbourhood" or "municipality": what a point in this polygon is known to."""
        return "neighbourhood" if self.kind == "neighbourhood" else "municipality"


def read_place_shapes(
    path: Path, known_area_ids: Iterable[str], problems: list[str]
) -> list[PlaceShape]:
    """Municipality and neighbourhood polygons from places.geojson; bad features are reported."""
    features = read_geojson(path, problems)
    if not features:
        return []
    known = set(known_area_ids)
    shapes: list[PlaceShape] = []
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        name = str(props.get("name") or "").strip()
        areas = tuple(a.strip() for a in str(props.get("areas") or "").split(";") if a.strip())
        unknown = [a for a in areas if a not in known]
        if not name or not areas or unknown:
            reason = f'unknown area "{";".join(unknown)}"' if unknown else "no name or areas"
            problems.append(f'{path.name}: feature {number} "{name}": {reason}; skipped')
            continue
        geom = feature_shape(feature, path, number, problems)
        if geom is None:
            continue
        shapes.append(
            PlaceShape(
                name,
                str(props.get("kind") or "").strip().lower(),
                str(props.get("municipality") or "").strip(),
                areas,
                geom,
                str(props.get("source") or path.name),
                str(props.get("membership") or ""),
            )
        )
    return shapes


class PlaceIndex:
    """Which municipality and neighbourhood polygons hold a point (STRtree, prepared shapes)."""

    def __init__(self, shapes: Sequence[PlaceShape]):
        self.shapes = tuple(shapes)
        geoms = [s.geom for s in self.shapes]
        for geom in geoms:
            shapely.prepare(geom)
        self.tree = STRtree(geoms)

    def __bool__(self) -> bool:
        return bool(self.shapes)

    def holding(self, lon: float, lat: float, slivers: bool = False) -> list[PlaceShape]:
        """Polygons holding the point (edges count), neighbourhoods after their municipality;
        with `slivers`, a point in a gap between simplified lines goes to the nearest polygon."""
        point = Point(lon, lat)
        hits = self.tree.query(point, predicate="dwithin", distance=EDGE_TOLERANCE_DEG)
        if not len(hits) and slivers:
            near = self.tree.query_nearest(point, max_distance=SLIVER_REACH_DEG)
            hits = near[:1]
        found = [self.shapes[i] for i in sorted(hits)]
        return sorted(found, key=lambda s: s.kind == "neighbourhood")
