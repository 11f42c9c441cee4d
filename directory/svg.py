"""Map pictures for the pages, on top of geo's area drawing: label points and per-agency pictures.

geo draws every area as an SVG path in one viewBox; this module adds what the pages need
and geo shouldn't know: where to put an area's label, and a small picture of one agency's
service area. geo/drawing.py computes label points and sizes in the drawing's own
coordinates, so they always agree with the picture.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MapArea:
    """One area as drawn, with a point inside it for its label and its drawn size."""

    area_id: str
    name: str
    parent: str | None
    depth: int
    d: str
    label_x: float
    label_y: float
    size: float  # drawn area in square viewBox units, to size or skip labels
    bounds: tuple[float, float, float, float]  # min x, min y, max x, max y in the viewBox


@dataclass(frozen=True)
class MapPicture:
    view_box: str
    width: float
    height: float
    areas: tuple[MapArea, ...]  # broadest first: later areas paint on top

    def by_id(self) -> dict[str, MapArea]:
        return {area.area_id: area for area in self.areas}


def map_picture(drawing) -> MapPicture:
    """The pages' view of a geo AreaDrawing: geo computes label points and sizes as it draws,
    so nothing here parses path text back into shapes."""
    areas = tuple(
        MapArea(
            path.area_id,
            path.name,
            path.parent,
            path.depth,
            path.d,
            path.label_x,
            path.label_y,
            path.size,
            path.bounds,
        )
        for path in drawing.paths
    )
    return MapPicture(drawing.view_box, drawing.width, drawing.height, areas)


def view_box_around(picture: MapPicture, area_ids: Iterable[str], min_share: float = 0.4) -> str:
    """A viewBox framing these areas with some of their surroundings, so a small service
    area (one town) is visible; at least `min_share` of the whole drawing's width is shown."""
    wanted = [area for area in picture.areas if area.area_id in set(area_ids) and area.size > 0]
    if not wanted:
        return picture.view_box
    x0 = min(a.bounds[0] for a in wanted)
    y0 = min(a.bounds[1] for a in wanted)
    x1 = max(a.bounds[2] for a in wanted)
    y1 = max(a.bounds[3] for a in wanted)
    side = max(x1 - x0, y1 - y0) * 1.3, picture.width * min_share
    width = min(max(side), picture.width)
    height = min(width * picture.height / picture.width, picture.height)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left = min(max(cx - width / 2, 0.0), picture.width - width)
    top = min(max(cy - height / 2, 0.0), picture.height - height)
    return f"{left:.1f} {top:.1f} {width:.1f} {height:.1f}"


@dataclass(frozen=True, slots=True)
class KeyMarker:
    """A numbered circle on a map, for a key beside it: readable at any width, where a name
    inside a small area would be too small (or cover its neighbour's)."""

    number: int
    area: MapArea
    x: float
    y: float
    radius: float


KEY_RADIUS = 34.0  # viewBox units: the number inside is about 13 px on a 360 px phone


def key_markers(
    picture: MapPicture, area_ids: Iterable[str], radius: float = KEY_RADIUS
) -> tuple[KeyMarker, ...]:
    """Numbered markers for these areas (numbered in the picture's order), each at its label
    point or, when that would cover an earlier marker, at the nearest free spot around it.
    Small areas are placed first, so they keep their own spots and broad areas move aside."""
    wanted = set(area_ids)
    areas = [a for a in picture.areas if a.area_id in wanted and a.size > 0]
    gap = 2.2 * radius
    placed: dict[str, tuple[float, float]] = {}
    for area in sorted(areas, key=lambda a: a.size):
        spot = _free_spot(area, list(placed.values()), gap, radius, picture)
        placed[area.area_id] = spot
    return tuple(
        KeyMarker(number, area, *placed[area.area_id], radius)
        for number, area in enumerate(areas, 1)
    )


def _free_spot(area: MapArea, taken, gap: float, radius: float, picture: MapPicture):
    import math

    def free(x: float, y: float) -> bool:
        inside = radius <= x <= picture.width - radius and radius <= y <= picture.height - radius
        return inside and all(math.hypot(x - tx, y - ty) >= gap for tx, ty in taken)

    x0, y0 = area.label_x, area.label_y
    if free(x0, y0):
        return x0, y0
    # A circle may hang over its area's edge (a small area is smaller than the circle).
    x_min, y_min, x_max, y_max = (
        area.bounds[0] - radius,
        area.bounds[1] - radius,
        area.bounds[2] + radius,
        area.bounds[3] + radius,
    )
    for ring in range(1, 7):
        distance = gap * ring * 0.6
        for step in range(12):
            angle = math.pi * 2 * step / 12 + math.pi / 2  # straight down first
            x, y = x0 + distance * math.cos(angle), y0 + distance * math.sin(angle)
            if x_min <= x <= x_max and y_min <= y <= y_max and free(x, y):
                return x, y
    return x0, y0
