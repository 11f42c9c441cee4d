"""One-off: real boundaries into the data folder (places.geojson, regions.geojson, places.csv).

The product never runs this and never reads the reference folder at run time:

    python -m geo.build_boundaries /work/shared/geo data

It reads the county's 2011 municipal boundaries and the city's 2010 neighbourhoods (see the
reference folder's SOURCE.md), assigns each municipality and neighbourhood to the brochure's
service areas (a documented reconstruction, below), and writes:

- data/places.geojson: one feature per municipality (130) and city neighbourhood (90), with
  its areas, the county's REGION and COG codes and how its membership was decided;
- data/regions.geojson: each service area's shape, the union of its members' shapes;
- data/places.csv: the gazetteer's `areas` of every municipality, neighbourhood, district and
  community made to agree with the polygons, and any point that lay outside its own polygon
  moved to a point inside it.

How municipalities join brochure areas (the brochure names areas, not municipalities):
the county's planning REGION gives the broad area (PGH -> pittsburgh, NH/N -> north-hills,
ES -> eastern-allegheny, MV -> mon-valley, SH -> south-hills, AA -> western-allegheny); the
council of governments splits North Hills and the east: members of the Allegheny Valley North
COG go to allegheny-valley. EXCEPTIONS lists the municipalities placed otherwise, each with
its reason; SUB_AREAS the brochure's town and city-neighbourhood areas.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from .files import polygonal
from .places import normalise_name, strip_kind
from .region import write_rows

MUNICIPALITIES = "allegheny_municipalities_2011.geojson"
NEIGHBOURHOODS = "pittsburgh_neighborhoods_2010.geojson"
CREDIT = (
    "Boundaries: Allegheny County GIS (2011 municipal boundaries); City of Pittsburgh "
    "Department of City Planning (neighbourhoods, 2010)"
)
MUNICIPAL_SOURCE = (
    "Allegheny County Division of Computer Services GIS, 2011 municipal boundaries "
    "(MuniBound, via PASDA / WPRDC), simplified to about 15 m"
)
NEIGHBOURHOOD_SOURCE = (
    "City of Pittsburgh Department of City Planning, 2010 neighbourhoods, simplified to about 15 m"
)
BY_REGION = {
    "PGH": "pittsburgh",
    "NH": "north-hills",
    "N": "north-hills",  # Bellevue's code; the same region
    "ES": "eastern-allegheny",
    "MV": "mon-valley",
    "SH": "south-hills",
    "AA": "western-allegheny",
}
BY_COG = {"Allegheny Valley North": "allegheny-valley"}
# Municipalities placed against their REGION/COG, kept from the ZIP-based reconstruction that
# the brochure's areas were first drawn with (their ZIPs are filed in that area).
EXCEPTIONS = {
    "Fox Chapel": ("allegheny-valley", "river town on the Allegheny (ZIPs 15238, 15215)"),
    "O'Hara": ("allegheny-valley", "river township on the Allegheny (ZIPs 15238, 15215)"),
    "Sharpsburg": ("allegheny-valley", "river borough on the Allegheny (ZIP 15215)"),
    "Indiana": ("allegheny-valley", "Allegheny River township (ZIPs 15238, 15051, 15024)"),
    "Oakmont": ("allegheny-valley", "Allegheny River borough with no COG in 2011 (ZIP 15139)"),
    "Chalfant": ("mon-valley", "Turtle Creek valley, ZIP 15112 East Pittsburgh (mon-valley)"),
    "Wall": ("mon-valley", "Turtle Creek valley, ZIP 15148 Wilmerding (mon-valley)"),
    "Swissvale": ("eastern-allegheny", "eastern suburb named with Edgewood (ZIP 15218)"),
    "Braddock Hills": ("eastern-allegheny", "mostly ZIP 15221, with Wilkinsburg"),
    "Trafford": ("eastern-allegheny", "next to Pitcairn; ZIP 15085 is Westmoreland's"),
    "Jefferson Hills": ("mon-valley", "Monongahela side, ZIP 15025 Clairton (mon-valley)"),
    "Collier": ("south-hills", "ZIPs 15106, 15017 with Carnegie and Bridgeville (south-hills)"),
    "South Fayette": ("south-hills", "ZIPs 15064, 15017 with Bridgeville (south-hills)"),
    "Rosslyn Farms": ("south-hills", "ZIP 15106 Carnegie (south-hills)"),
}
SUB_AREAS = {
    # brochure town areas inside a broad area
    "Bridgeville": "bridgeville",
    "Braddock": "braddock",
    "North Braddock": "braddock",
    "Rankin": "braddock",
    "Homestead": "homestead",
    "Munhall": "homestead",
    "West Homestead": "homestead",
    "Whitaker": "homestead",
    "Turtle Creek": "turtle-creek",
}
NEIGHBOURHOOD_AREAS = {
    "northside": (
        "Allegheny Center;Allegheny West;Brighton Heights;California-Kirkbride;Central Northside;"
        "Chateau;East Allegheny;Fineview;Manchester;Marshall-Shadeland;North Shore;"
        "Northview Heights;Perry North;Perry South;Spring Garden;Spring Hill-City View;"
        "Summer Hill;Troy Hill"
    ),
    "southside": "South Shore;South Side Flats;South Side Slopes",
    "oakland": "Central Oakland;North Oakland;South Oakland;West Oakland",
    "lawrenceville": "Central Lawrenceville;Lower Lawrenceville;Upper Lawrenceville",
}
DISTRICTS = {
    "Oakland": "Central Oakland;North Oakland;South Oakland;West Oakland",
    "Lawrenceville": "Central Lawrenceville;Lower Lawrenceville;Upper Lawrenceville",
    "North Side": NEIGHBOURHOOD_AREAS["northside"],
    "South Side": "South Side Flats;South Side Slopes",
    "Squirrel Hill": "Squirrel Hill North;Squirrel Hill South",
    "Homewood": "Homewood North;Homewood South;Homewood West",
    "Hill District": "Bedford Dwellings;Crawford-Roberts;Middle Hill;Upper Hill;Terrace Village",
}
MUNICIPAL_KINDS = ("city", "borough", "township")
# Ground outside every municipal polygon but inside the outline goes to the nearest broad area.
FILL_REACH_DEG = 0.003


def key(name: str) -> str:
    """A matching key: "O Hara Township", "O'Hara Township" and "Chartiers City" match rows."""
    return strip_kind(normalise_name(name)).replace(" ", "").removesuffix("city")


def municipal_area(props: dict[str, Any]) -> tuple[str, str]:
    """The broad area of a municipality and the words saying how it was decided."""
    name = strip_kind(str(props["LABEL"]).replace("O Hara", "O'Hara"))
    name = " ".join(w for w in name.split() if w.lower() not in MUNICIPAL_KINDS) or name
    for exception, (area, reason) in EXCEPTIONS.items():
        if key(exception) == key(name):
            return area, f"exception: {reason}"
    region, cog = str(props.get("REGION") or ""), str(props.get("COG") or "")
    if cog in BY_COG and region in ("NH", "N", "ES"):
        return BY_COG[cog], f"COG {cog} (REGION {region})"
    return BY_REGION[region], f"REGION {region}" + (f", COG {cog}" if cog else "")


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    return round(value, 5) if isinstance(value, float) else value


def build(reference: Path, data: Path) -> list[str]:
    """Write the three files; return what changed in places.csv, one line each."""
    munis = json.loads((reference / MUNICIPALITIES).read_text(encoding="utf-8"))["features"]
    hoods = json.loads((reference / NEIGHBOURHOODS).read_text(encoding="utf-8"))["features"]
    text = (data / "places.csv").read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    header = list(reader.fieldnames or [])
    rows = list(reader)
    regions = list(csv.DictReader((data / "regions.csv").open(encoding="utf-8-sig")))
    parents = {r["id"]: r["parent"] or None for r in regions}
    hood_rows = {key(r["name"]): r for r in rows if r["kind"] == "neighbourhood"}

    def muni_row(label: str, kind: str) -> dict[str, str]:
        """The places.csv row of a municipality ("Springdale" is a borough and a township)."""
        found = [r for r in rows if r["kind"] in MUNICIPAL_KINDS and key(r["name"]) == key(label)]
        return next((r for r in found if r["kind"] == kind.lower()), found[0])

    def ancestors(area: str) -> list[str]:
        chain: list[str] = []
        node: str | None = area
        while node:
            chain.insert(0, node)
            node = parents.get(node)
        return chain

    features: list[dict[str, Any]] = []
    members: dict[str, list[BaseGeometry]] = {r["id"]: [] for r in regions}
    polygons: dict[tuple[str, str], BaseGeometry] = {}
    for feature in munis:
        props = feature["properties"]
        row = muni_row(props["LABEL"], str(props.get("TYPE") or ""))
        area, how = municipal_area(props)
        sub = SUB_AREAS.get(row["name"])
        areas = sub or area
        geom = shape(_rounded(mapping(shapely.make_valid(shape(feature["geometry"])))))
        polygons[(row["name"], row["kind"])] = geom
        members[areas].append(geom)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": row["name"],
                    "kind": row["kind"],
                    "municipality": "",
                    "areas": areas,
                    "code": str(props.get("MUNICODE") or ""),
                    "region": str(props.get("REGION") or ""),
                    "cog": str(props.get("COG") or ""),
                    "membership": how + (f"; brochure town area {sub}" if sub else ""),
                    "source": MUNICIPAL_SOURCE,
                },
                "geometry": _rounded(mapping(geom)),
            }
        )
    hood_area = {n: a for a, names in NEIGHBOURHOOD_AREAS.items() for n in names.split(";")}
    for feature in hoods:
        props = feature["properties"]
        if props["HOOD"] == "Mount Oliver Borough":
            continue  # the independent borough comes from the municipal file
        row = hood_rows[key(props["HOOD"])]
        area = hood_area.get(row["name"], "pittsburgh")
        geom = shape(_rounded(mapping(shapely.make_valid(shape(feature["geometry"])))))
        polygons[(row["name"], "neighbourhood")] = geom
        if area != "pittsburgh":
            members[area].append(geom)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": row["name"],
                    "kind": "neighbourhood",
                    "municipality": "Pittsburgh",
                    "areas": area,
                    "code": str(props.get("HOOD_NO") or ""),
                    "region": "PGH",
                    "cog": "",
                    "membership": (
                        f"brochure area {area}: named in the brochure's city areas"
                        if area != "pittsburgh"
                        else "in the city, in none of the brochure's city areas"
                    ),
                    "source": NEIGHBOURHOOD_SOURCE,
                },
                "geometry": _rounded(mapping(geom)),
            }
        )
    collection = {
        "type": "FeatureCollection",
        "credit": CREDIT,
        "notes": (
            "Municipal lines as of 2011. Which brochure area a municipality or neighbourhood "
            "belongs to is our reconstruction (see geo/build_boundaries.py and README)."
        ),
        "features": features,
    }
    (data / "places.geojson").write_text(
        json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    _write_region_shapes(data, regions, members, parents)
    return _update_places(data, header, rows, features, polygons, ancestors)


def _write_region_shapes(
    data: Path,
    regions: list[dict[str, str]],
    members: dict[str, list[BaseGeometry]],
    parents: dict[str, str | None],
) -> None:
    outline_file = json.loads((data / "county_outline.geojson").read_text(encoding="utf-8"))
    outline = shapely.union_all([shape(f["geometry"]) for f in outline_file["features"]])
    outline_source = str(outline_file["features"][0]["properties"].get("source", ""))
    children: dict[str, list[str]] = {}
    for row in regions:
        if row["parent"]:
            children.setdefault(row["parent"], []).append(row["id"])
    shapes: dict[str, BaseGeometry] = {}

    def union(area: str) -> BaseGeometry:
        if area not in shapes:
            parts = list(members[area]) + [union(c) for c in children.get(area, [])]
            shapes[area] = shapely.union_all(parts)
        return shapes[area]

    root = next(r["id"] for r in regions if not r["parent"])
    for row in regions:
        union(row["id"])
    everything = shapely.union_all([shapes[c] for c in children.get(root, [])])
    # Fill holes between simplified lines and ground the 1:10M outline adds to the nearest area.
    solid = shapely.union_all([outline, shapely.Polygon(everything.exterior)])
    gaps = solid.difference(everything)
    broad = children.get(root, [])
    for piece in getattr(gaps, "geoms", [gaps]):
        if piece.is_empty or piece.area == 0:
            continue
        reach = piece.buffer(FILL_REACH_DEG)
        best = max(broad, key=lambda a: reach.intersection(shapes[a]).area)
        shapes[best] = shapes[best].union(piece)
    shapes[root] = solid
    features = []
    for row in regions:
        area = row["id"]
        if area == root:
            source = f"Outline: {outline_source}, joined with the {MUNICIPAL_SOURCE}. {CREDIT}."
        else:
            source = (
                f"Union of the 2011 municipal and 2010 city neighbourhood boundaries of its "
                f"members; which municipalities and neighbourhoods belong to it is our "
                f"reconstruction (REGION and COG codes, see README). Approximate. {CREDIT}."
            )
        features.append(
            {
                "type": "Feature",
                "properties": {"id": area, "name": row["name"], "source": source},
                "geometry": _rounded(mapping(polygonal(shapely.make_valid(shapes[area])))),
            }
        )
    (data / "regions.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
        + "\n",
        encoding="utf-8",
    )


def _update_places(
    data: Path,
    header: list[str],
    rows: list[dict[str, str]],
    features: list[dict[str, Any]],
    polygons: dict[tuple[str, str], BaseGeometry],
    ancestors: Any,
) -> list[str]:
    changes: list[str] = []
    areas_of = {
        (f["properties"]["name"], f["properties"]["kind"]): f["properties"]["areas"]
        for f in features
    }
    for row in rows:
        if row["kind"] in MUNICIPAL_KINDS or row["kind"] == "neighbourhood":
            ident = (row["name"], row["kind"])
            wanted, geom = areas_of[ident], polygons[ident]
        elif row["kind"] == "district":
            names = [(n, "neighbourhood") for n in DISTRICTS[row["name"]].split(";")]
            wanted = ";".join(sorted({areas_of[n] for n in names}))
            geom = shapely.union_all([polygons[n] for n in names])
        elif row["kind"] == "community":
            # A postal town's point decides: the municipality whose polygon holds it.
            point = shapely.Point(float(row["lon"]), float(row["lat"]))
            holders = [
                k
                for k, g in polygons.items()
                if k[1] in MUNICIPAL_KINDS and k[1] != "city" and g.covers(point)
            ]
            if not holders:
                changes.append(f"{row['name']} (community): point in no municipality; kept")
                continue
            wanted, geom = areas_of[holders[0]], polygons[holders[0]]
        else:
            continue
        if row["areas"] != wanted:
            changes.append(f"{row['name']} ({row['kind']}): areas {row['areas']} -> {wanted}")
            row["areas"] = wanted
        point = shapely.Point(float(row["lon"]), float(row["lat"]))
        if not geom.covers(point):
            inside = geom.point_on_surface()
            changes.append(f"{row['name']} ({row['kind']}): point moved inside its boundary")
            row["lat"], row["lon"] = f"{inside.y:.5f}", f"{inside.x:.5f}"
            row["point_source"] = (
                "a point inside its 2011/2010 boundary (Allegheny County GIS; City of "
                "Pittsburgh), computed by geo/build_boundaries.py"
            )
    write_rows(data / "places.csv", header, rows)  # the writer new-region uses (geo.region)
    return changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="folder with the two boundary GeoJSONs")
    parser.add_argument("data", type=Path, help="the product's data folder")
    args = parser.parse_args()
    for line in build(args.reference, args.data):
        print(line)


if __name__ == "__main__":
    main()
