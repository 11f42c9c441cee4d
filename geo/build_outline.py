"""One-off: convert a county outline from us-atlas TopoJSON into data/county_outline.geojson.

The product never runs this; it needs the npm package `us-atlas` (Census Bureau cartographic
boundaries, public domain, packaged under the ISC licence by Mike Bostock), fetched once:

    npm pack us-atlas@3.0.1 && tar xzf us-atlas-3.0.1.tgz
    python -m geo.build_outline package/counties-10m.json 42003 data/county_outline.geojson

42003 is the FIPS code of Allegheny County, Pennsylvania; another region passes its own.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.ops import unary_union


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat coordinates of every arc (TopoJSON stores quantised deltas)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        points = []
        x = y = 0
        for dx, dy in arc:
            if transform:
                x, y = x + dx, y + dy
                (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
                points.append((x * sx + tx, y * sy + ty))
            else:
                points.append((dx, dy))
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """Join arcs into one ring; a negative index ~i means arc i reversed."""
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def county_shape(topology: dict, fips: str) -> Polygon | MultiPolygon:
    """The county with this 5-digit FIPS code as a shapely (Multi)Polygon."""
    arcs = decode_arcs(topology)
    for geometry in topology["objects"]["counties"]["geometries"]:
        if geometry.get("id") != fips:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        shapes = [Polygon(ring(p[0], arcs), [ring(h, arcs) for h in p[1:]]) for p in polygons]
        return unary_union(shapes)
    raise SystemExit(f"No county with FIPS code {fips} in this file.")


def main(argv: list[str] | None = None) -> None:
    """Write the outline as a one-feature GeoJSON FeatureCollection with its source."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topojson", type=Path, help="us-atlas counties-10m.json")
    parser.add_argument("fips", help="5-digit county FIPS code, e.g. 42003")
    parser.add_argument("output", type=Path)
    parser.add_argument(
        "--source",
        default="us-atlas 3.0.1 counties-10m.json (U.S. Census "
        "Bureau cartographic boundary files, 1:10,000,000, public domain)",
    )
    args = parser.parse_args(argv)
    topology = json.loads(args.topojson.read_text(encoding="utf-8"))
    shape = county_shape(topology, args.fips)
    name = next(
        g["properties"]["name"]
        for g in topology["objects"]["counties"]["geometries"]
        if g.get("id") == args.fips
    )
    feature = {
        "type": "Feature",
        "properties": {
            "fips": args.fips,
            "name": name,
            "source": args.source,
            "note": "Generalised at 1:10,000,000; edges are accurate to a few hundred "
            "metres, so points right on the county line may fall either side.",
        },
        "geometry": mapping(shape),
    }
    collection = {"type": "FeatureCollection", "features": [feature]}
    args.output.write_text(json.dumps(collection, indent=1) + "\n", encoding="utf-8")
    print(f"Wrote {args.output}: {name} ({args.fips}), area {shape.area:.4f} square degrees.")


if __name__ == "__main__":
    main()
