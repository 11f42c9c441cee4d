"""Service areas as SVG paths (no map tiles, no internet), for coverage maps and small area pictures."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

DRAWING_WIDTH = 1000.0


@dataclass(frozen=True, slots=True)
class AreaPath:
    """One area's outline as an SVG path `d`, in the drawing's coordinates."""

    area_id: str
    name: str
    parent: str | None
    depth: int
    d: str
    label_x: float = 0.0  # a point inside the biggest part, for the area's name
    label_y: float = 0.0
    size: float = 0.0  # drawn area in square viewBox units, to size or skip labels
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # in the viewBox


@dataclass(frozen=True, slots=True)
class AreaDrawing:
    """Every area as a path in one fitted viewBox; templates can colour paths by `area_id`."""

    view_box: str
    width: float
    height: float
    paths: tuple[AreaPath, ...]  # broadest first, so smaller areas paint on top


def draw_areas(
    shapes: Mapping[str, BaseGeometry],
    names: Mapping[str, str],
    parents: Mapping[str, str | None],
    depths: Mapping[str, int],
    order: Sequence[str],
    tolerance_deg: float = 0.0015,
) -> AreaDrawing:
    """Simplify and project the shapes (equirectangular at the mid latitude) into one viewBox."""
    present = [i for i in order if shapes.get(i) is not None and not shapes[i].is_empty]
    if not present:
        return AreaDrawing("0 0 1 1", 1.0, 1.0, ())
    extents = [shapes[i].bounds for i in present]
    min_x, min_y = min(b[0] for b in extents), min(b[1] for b in extents)
    max_x, max_y = max(b[2] for b in extents), max(b[3] for b in extents)
    x_scale = math.cos(math.radians((min_y + max_y) / 2))
    scale = DRAWING_WIDTH / max((max_x - min_x) * x_scale, 1e-9)
    height = round((max_y - min_y) * scale, 1)

    def ring(coords: Iterable[tuple[float, ...]]) -> str:
        points = [
            f"{(x - min_x) * x_scale * scale:.1f} {(max_y - y) * scale:.1f}" for x, y, *_ in coords
        ]
        return "M" + "L".join(points[:-1]) + "Z"

    paths = []
    for area_id in sorted(present, key=lambda i: depths.get(i, 0)):
        simple = shapes[area_id].simplify(tolerance_deg, preserve_topology=True)
        polygons = (
            [simple]
            if isinstance(simple, Polygon)
            else (
                list(simple.geoms)
                if isinstance(simple, MultiPolygon)
                else [g for g in getattr(simple, "geoms", []) if isinstance(g, Polygon)]
            )
        )
        polygons = [p for p in polygons if not p.is_empty]
        d = "".join(
            ring(p.exterior.coords) + "".join(ring(h.coords) for h in p.interiors) for p in polygons
        )
        drawn = [
            shapely.transform(
                p,
                lambda xy: np.column_stack(
                    ((xy[:, 0] - min_x) * x_scale * scale, (max_y - xy[:, 1]) * scale)
                ),
            )
            for p in polygons
        ]
        label_x = label_y = size = 0.0
        bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
        if drawn:
            # The biggest part's inside point: inside the shape even when it is concave.
            point = max(drawn, key=lambda p: p.area).representative_point()
            label_x, label_y = round(point.x, 1), round(point.y, 1)
            size = sum(p.area for p in drawn)
            boxes = [p.bounds for p in drawn]
            bounds = (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
        paths.append(
            AreaPath(
                area_id,
                names.get(area_id, area_id),
                parents.get(area_id),
                depths.get(area_id, 0),
                d,
                label_x,
                label_y,
                size,
                bounds,
            )
        )
    return AreaDrawing(f"0 0 {DRAWING_WIDTH:.0f} {height}", DRAWING_WIDTH, height, tuple(paths))
