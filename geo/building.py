"""Building an Atlas's geometry from the data folder: shapes, indexes, gazetteer, geocoder.

Everything here depends only on the areas and the data files, so it is built once per data
version and kept on that version's Atlas (a reload builds a new one and frees this).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

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
from .boundaries import PlaceIndex, PlaceShape, read_place_shapes
from .places import Gazetteer, Place, normalise_name, read_places
from .zips import ZipPoint, apply_corrections, read_zip_corrections, read_zip_points

log = logging.getLogger(__name__)  # events and counts only: never what a person typed

OFFLINE = ("", "offline", "none", "off", "false", "0")
# A place's polygon overlapping a sub-area by less than this share is not "partly in" it.
PARTLY_SHARE = 0.01


@dataclass(frozen=True, slots=True)
class Geometry:
    """Everything expensive that depends only on the areas and the data files."""

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
    place_index: PlaceIndex  # municipality and neighbourhood polygons (empty: none shipped)
    place_partly: Mapping[int, tuple[str, ...]]  # id(place) -> sub-areas holding part of it
    zip_partly: Mapping[str, tuple[str, ...]]  # ZIP -> areas holding only part of it


def build_geometry(areas: Sequence[Area], folder: Path) -> Geometry:
    """Read the geo data files and derive every area's shape (the slow part, done once per Atlas)."""
    problems: list[str] = []
    tree = AreaTree.build(areas)
    corrections = read_zip_corrections(folder / "zip_corrections.csv", problems)
    points = apply_corrections(read_zip_points(folder / "zip_points.csv", problems), corrections)
    covered = set(tree.areas_by_zip)
    outline, outline_source = read_outline(folder / "county_outline.geojson", problems)
    if outline is None:
        outline, outline_source = derived_outline(points, covered), HULL_SOURCE
        zip_source = HULL_SOURCE
    else:
        zip_source = DERIVED_SOURCE
    real = read_region_shapes(folder / "regions.geojson", problems)
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
    place_shapes = read_place_shapes(folder / "places.geojson", tree.order, problems)
    place_index = PlaceIndex(place_shapes)
    place_partly = {
        id(p): _partly_in(tree, shapes, place_index, p, place_areas[id(p)])
        for p in (*places, *extra.values())
    }
    zip_partly = _zip_partly(areas, tree)
    if problems:
        log.warning("geo data: %d problems", len(problems))
    return Geometry(
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
        place_index,
        place_partly,
        zip_partly,
    )


def make_geocoder(geocoder: Any, options: Mapping[str, Any]) -> tuple[Any, str]:
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


def _partly_in(
    tree: AreaTree,
    shapes: Mapping[str, BaseGeometry],
    index: PlaceIndex,
    place: Place,
    areas: tuple[str, ...],
) -> tuple[str, ...]:
    """Sub-areas of a named place's deepest area that hold only part of it: for "Pittsburgh",
    the city's brochure areas; for a neighbourhood or municipality inside one area, none."""
    if not areas:
        return ()
    children = tree.children.get(areas[-1], ())
    if not children:
        return ()
    polygon = _polygon_of(index.shapes, place)
    if polygon is None:  # no polygon: a place with sub-areas under it may be in any of them
        return tuple(children) if place.kind in ("community", "service area") else ()
    found = []
    for child in children:
        shape = shapes.get(child)
        if shape is not None and shape.intersection(polygon).area > polygon.area * PARTLY_SHARE:
            found.append(child)
    return tuple(found)


def _polygon_of(shapes: Sequence[PlaceShape], place: Place) -> BaseGeometry | None:
    wanted = "neighbourhood" if place.kind == "neighbourhood" else "municipality"
    for shape in shapes:
        if shape.name == place.name and shape.precision == wanted:
            return shape.geom
    return None


def _zip_partly(areas: Sequence[Area], tree: AreaTree) -> dict[str, tuple[str, ...]]:
    """ZIP -> areas that list it as straddling (they hold only part of it), broadest first."""
    found: dict[str, list[str]] = {}
    for area in areas:
        for code in area.straddling_zips:
            found.setdefault(code, []).append(area.id)
    return {
        code: tuple(i for i in tree.broadest_first(ids) if i in ids) for code, ids in found.items()
    }
