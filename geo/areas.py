"""Service areas: the Area record, shapely shapes derived from ZIP centroids, and point-in-area lookup."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from shapely.strtree import STRtree

from .files import feature_shape, read_geojson
from .zips import ZipPoint, normalise_zip

BOUNDARY_TOLERANCE_DEG = 1e-9
DERIVED_SOURCE = (
    "Derived: Voronoi cells of the area's ZIP centroids (zipcodes package, with "
    "data/zip_corrections.csv), clipped to the outline. Approximate."
)
HULL_SOURCE = (
    "Derived: cells of the region's ZIP centroids, with neighbouring ZIP centroids "
    "claiming the points nearer to them. Approximate."
)


@dataclass(frozen=True, slots=True)
class Area:
    """A service area from regions.csv: a county, a broad area or a small place made of ZIPs."""

    id: str
    name: str
    parent: str | None
    zips: tuple[str, ...]
    straddling_zips: tuple[str, ...] = ()
    source: str = ""
    notes: str = ""


def read_regions(path: Path) -> list[Area]:
    """Areas from a regions.csv, without the row checks (directory/loading.py does those)."""
    with Path(path).open(encoding="utf-8-sig", newline="") as file:
        return [
            Area(
                id=row["id"].strip(),
                name=row["name"].strip(),
                parent=(row.get("parent") or "").strip() or None,
                zips=_zip_list(row.get("zips")),
                straddling_zips=_zip_list(row.get("straddling_zips")),
                source=(row.get("source") or "").strip(),
                notes=(row.get("notes") or "").strip(),
            )
            for row in csv.DictReader(file)
        ]


def _zip_list(text: str | None) -> tuple[str, ...]:
    codes = (normalise_zip(part) for part in (text or "").split(";"))
    return tuple(code for code in codes if code)


@dataclass(frozen=True, slots=True)
class AreaTree:
    """The one area tree: parents, ancestors, descendants, depth, display order and ZIP
    membership (a parent holds its children's ZIPs); `unrooted` names areas whose parent
    chain never reaches a root (an unknown parent or a cycle), with the reason.

    Unknown parents are treated as roots so one bad row can't hide the others; loading
    reports `unrooted` and drops those rows before the directory uses the tree.
    """

    order: tuple[str, ...]
    parent: Mapping[str, str | None]
    depth: Mapping[str, int]
    zips: Mapping[str, frozenset[str]]
    areas_by_zip: Mapping[str, tuple[str, ...]]
    root_id: str | None
    position: Mapping[str, int]
    children: Mapping[str, tuple[str, ...]]
    unrooted: Mapping[str, str]  # area id -> why its chain doesn't reach a root

    @classmethod
    def build(cls, areas: Sequence[Area]) -> AreaTree:
        """Index the areas; unknown parents are treated as roots so one bad row can't hide others."""
        ids = [area.id for area in areas]
        unrooted = _unrooted(areas)
        parent = {a.id: (a.parent if a.parent in ids and a.parent != a.id else None) for a in areas}
        depth: dict[str, int] = {}
        for area_id in ids:
            seen, node, steps = {area_id}, parent[area_id], 0
            while node is not None and node not in seen:  # a cycle stops at the first repeat
                seen.add(node)
                node, steps = parent[node], steps + 1
            depth[area_id] = steps
        own = {a.id: set(a.zips) for a in areas}
        total = {area_id: set(codes) for area_id, codes in own.items()}
        for area_id in sorted(ids, key=lambda i: -depth[i]):
            up = parent[area_id]
            if up is not None:
                total[up] |= total[area_id]
        by_zip: dict[str, list[str]] = {}
        for area_id in ids:
            for code in total[area_id]:
                by_zip.setdefault(code, []).append(area_id)
        rank = {area_id: (depth[area_id], n) for n, area_id in enumerate(ids)}
        roots = [i for i in ids if parent[i] is None]
        children: dict[str, list[str]] = {}
        for area_id in ids:
            up = parent[area_id]
            if up is not None:
                children.setdefault(up, []).append(area_id)
        return cls(
            order=tuple(ids),
            parent=parent,
            depth=depth,
            zips={i: frozenset(z) for i, z in total.items()},
            areas_by_zip={z: tuple(sorted(a, key=rank.__getitem__)) for z, a in by_zip.items()},
            root_id=roots[0] if len(roots) == 1 else None,
            position={area_id: n for n, area_id in enumerate(ids)},
            children={up: tuple(c) for up, c in children.items()},
            unrooted=unrooted,
        )

    def ancestors(self, area_id: str) -> list[str]:
        """The area and its ancestors, the area itself first (a cycle ends the chain)."""
        chain: list[str] = []
        node: str | None = area_id
        while node is not None and node in self.parent and node not in chain:
            chain.append(node)
            node = self.parent[node]
        return chain

    def descendants(self) -> dict[str, set[str]]:
        """Area -> every area below it."""
        below: dict[str, set[str]] = {area_id: set() for area_id in self.order}
        for area_id in self.order:
            for ancestor in self.ancestors(area_id)[1:]:
                below[ancestor].add(area_id)
        return below

    def display_order(self) -> list[tuple[str, int]]:
        """(area id, depth) depth-first from the root, each broad area followed by its small
        places, siblings in regions.csv order."""
        order: list[tuple[str, int]] = []
        stack = [(i, 0) for i in reversed(self.order) if self.parent[i] is None]
        seen: set[str] = set()
        while stack:
            area_id, depth = stack.pop()
            if area_id in seen:
                continue
            seen.add(area_id)
            order.append((area_id, depth))
            stack.extend((c, depth + 1) for c in reversed(self.children.get(area_id, ())))
        return order

    def broadest_first(self, area_ids: Iterable[str]) -> tuple[str, ...]:
        """Ids with their ancestors, broadest first (depth, then regions.csv order)."""
        found: set[str] = set()
        for area_id in area_ids:
            node: str | None = area_id
            while node is not None and node in self.parent and node not in found:
                found.add(node)
                node = self.parent[node]
        return tuple(sorted(found, key=lambda i: (self.depth[i], self.position[i])))


def _unrooted(areas: Sequence[Area]) -> dict[str, str]:
    """Areas whose parent chain doesn't reach a root: an unknown parent, or a cycle."""
    by_id = {area.id: area for area in areas}
    found: dict[str, str] = {}
    for area in areas:
        chain: list[str] = []
        current: Area | None = area
        while current is not None and current.parent is not None and current.id not in chain:
            chain.append(current.id)
            current = by_id.get(current.parent)
        if current is None:
            found[area.id] = (
                f'unknown parent "{area.parent}"'
                if area.parent not in by_id
                else f'parent chain reaches unknown area "{chain[-1]}"'
            )
        elif current.parent is not None:
            found[area.id] = "parents form a cycle (" + " -> ".join(chain) + ")"
    return found


class AreaIndex:
    """Which areas hold a point: an STRtree over prepared shapes, so thousands of areas stay fast."""

    def __init__(self, shapes: Mapping[str, BaseGeometry], rank: Mapping[str, tuple[int, int]]):
        self.ids = [
            area_id for area_id, geom in shapes.items() if geom is not None and not geom.is_empty
        ]
        self.geoms = [shapes[area_id] for area_id in self.ids]
        for geom in self.geoms:
            shapely.prepare(geom)
        self.rank = rank
        self.tree = STRtree(self.geoms)
        self.geom_array = np.array(self.geoms, dtype=object)  # for vectorised distance calls

    def containing(self, lon: float, lat: float) -> list[str]:
        """Ids whose shape covers the point (a boundary point counts as inside), broadest first."""
        # A hair of tolerance (~0.1 mm) so a point computed on a shared edge is in both areas.
        hits = self.tree.query(
            Point(lon, lat), predicate="dwithin", distance=BOUNDARY_TOLERANCE_DEG
        )
        found = [self.ids[i] for i in hits]
        return sorted(found, key=lambda i: self.rank.get(i, (99, 0)))


def zip_cells(
    points: Mapping[str, ZipPoint], codes: Iterable[str], outline: BaseGeometry
) -> dict[str, BaseGeometry]:
    """Voronoi cell of each ZIP that draws a shape, clipped to the outline; ZIPs at one point share."""
    by_point: dict[tuple[float, float], list[str]] = {}
    for code in sorted(set(codes)):
        point = points.get(code)
        if point and point.draws_shape and point.lat is not None and point.lon is not None:
            by_point.setdefault((point.lon, point.lat), []).append(code)
    if not by_point:
        return {}
    coords = list(by_point)
    if len(coords) == 1:
        return {code: outline for code in by_point[coords[0]]}
    envelope = outline.envelope.buffer(1.0)
    cells = shapely.voronoi_polygons(MultiPoint(coords), extend_to=envelope, ordered=True)
    result: dict[str, BaseGeometry] = {}
    for coord, cell in zip(coords, cells.geoms):
        clipped = cell.intersection(outline)
        for code in by_point[coord]:
            result[code] = clipped
    return result


def derived_outline(points: Mapping[str, ZipPoint], covered: set[str]) -> BaseGeometry:
    """Fallback outline with no boundary file: covered ZIP cells, neighbours claiming nearer ground."""
    inside = [p for c, p in points.items() if c in covered and p.draws_shape and p.lat is not None]
    if not inside:
        return Point(0, 0).buffer(0)
    hull = MultiPoint([(p.lon, p.lat) for p in inside]).convex_hull.buffer(0.05)
    everyone = {c: p for c, p in points.items() if p.draws_shape and p.lat is not None}
    cells = zip_cells(everyone, everyone, hull)
    return unary_union([cell for code, cell in cells.items() if code in covered])


def read_outline(path: Path, problems: list[str] | None = None) -> tuple[BaseGeometry | None, str]:
    """The covered area's outline from a GeoJSON file, and the source it records; None (with a
    problem) when the file is missing, broken or holds no usable shape."""
    found: list[str] = [] if problems is None else problems
    features = read_geojson(path, found)
    if not features:
        return None, ""
    shapes = [
        geom
        for n, f in enumerate(features, start=1)
        if (geom := feature_shape(f, path, n, found)) is not None
    ]
    if not shapes:
        if features:
            found.append(f"{path.name}: no usable outline; file ignored")
        return None, ""
    sources = {str((f.get("properties") or {}).get("source", "")) for f in features}
    return unary_union(shapes), "; ".join(sorted(s for s in sources if s)) or path.name


def read_region_shapes(
    path: Path, problems: list[str] | None = None
) -> dict[str, tuple[BaseGeometry, str]]:
    """Real boundaries from regions.geojson, keyed by area id (property "id"), with their source;
    a feature with a broken shape is reported and skipped."""
    found: list[str] = [] if problems is None else problems
    shapes: dict[str, tuple[BaseGeometry, str]] = {}
    for number, feature in enumerate(read_geojson(path, found) or [], start=1):
        props = feature.get("properties") or {}
        area_id = str(props.get("id", "")).strip()
        if not area_id:
            continue
        geom = feature_shape(feature, path, number, found)
        if geom is not None:
            shapes[area_id] = (geom, str(props.get("source") or f"{path.name} (real boundary)"))
    return shapes
