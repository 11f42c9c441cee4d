"""The service areas of an imported region (issue 15): which of the region's ZIPs each area
holds, which areas hold a town or a boundary polygon, and the root area's id.

Split from importing/region.py, which finds the counties and writes the folder. Everything
here works on the region's ZIP centroids as arrays (ZipPoints) and on indexes built once
(NameIndex, AreasHolding), so a feed of thousands of areas costs its size, not its size times
the region's ZIPs or towns.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.files import read_geojson
from geo.places import normalise_name
from geo.region import Region, slug
from geo.zips import zips_in_text

from .report import ImportProblem

# Words that make a service area the whole region ("Countywide", "all of the county").
WHOLE_REGION_WORDS = (
    "countywide",
    "county wide",
    "all of the county",
    "whole county",
    "entire county",
    "the whole region",
)


def rename_root(
    root: dict[str, str],
    name: str,
    areas: list[dict[str, str]],
    agencies: list[dict[str, str]],
    problems: list[ImportProblem],
) -> None:
    """The importer's root "all-areas" gets an id from the region's name ("San Mateo County,
    CA" -> "san-mateo-county-ca"): in regions.csv (ids and parents), in the agencies' areas and
    in the import's problems so far; the root's notes keep the old id."""
    old = root["id"]
    taken = {row["id"] for row in areas if row is not root}
    new, number = slug(name), 2
    while new in taken:
        new, number = f"{slug(name)}-{number}", number + 1
    for row in areas:
        if row.get("parent") == old:
            row["parent"] = new
    root["id"] = new
    root["notes"] = join_notes(
        root.get("notes", ""),
        f'Area id "{new}" derived from the region\'s name (the importer named it "{old}").',
    )
    for row in agencies:
        listed = (row.get("areas") or "").split(";")
        if old in listed:
            row["areas"] = ";".join(new if a == old else a for a in listed)
    quoted = f'"{old}"'
    for number, problem in enumerate(problems):
        if quoted in problem.reason or quoted in problem.action:
            problems[number] = dataclasses.replace(
                problem,
                reason=problem.reason.replace(quoted, f'"{new}"'),
                action=problem.action.replace(quoted, f'"{new}"'),
            )


def rename_shapes(path: Path, renamed: Mapping[str, str]) -> None:
    """regions.geojson with renamed area ids (a feed-wide extent on the importer's root)."""
    features = read_geojson(path, []) or []
    changed = False
    for feature in features:
        props = feature.get("properties") or {}
        if str(props.get("id") or "") in renamed:
            props["id"] = renamed[str(props["id"])]
            changed = True
    if changed:
        collection = {"type": "FeatureCollection", "features": features}
        path.write_text(json.dumps(collection) + "\n", encoding="utf-8")


def shape_areas(collection: Mapping, areas: list[dict[str, str]], points: ZipPoints) -> dict:
    """Boundary polygons in the service areas that hold all the ZIPs whose centroid they hold
    (the same rule as towns), else in the root; each says how, in `membership`."""
    holding = AreasHolding(areas)
    root_zips = next(set(filter(None, r["zips"].split(";"))) for r in areas if not r.get("parent"))
    features = []
    for feature in collection["features"]:
        own = set(points.covered_by(shape(feature["geometry"]))) & root_zips
        props = dict(feature["properties"])
        props["areas"] = ";".join(holding.of(own)) or holding.root
        props["membership"] = (
            "In the service areas that list every ZIP code whose centroid it holds ("
            + (", ".join(sorted(own)) or "none")
            + "); derived."
        )
        features.append({**feature, "properties": props})
    return {"type": "FeatureCollection", "features": features}


class ZipPoints:
    """The region's ZIP centroids as arrays, so a shape's ZIPs are found in one vectorised
    call instead of one shapely Point per ZIP per area."""

    def __init__(self, zips: Sequence[str], lons: Sequence[float], lats: Sequence[float]):
        self.zips = tuple(zips)
        self.lons = np.asarray(lons, dtype=float)
        self.lats = np.asarray(lats, dtype=float)

    @classmethod
    def of(cls, zips: Sequence[str], by_zip: Mapping[str, Mapping]) -> ZipPoints:
        """These ZIPs (sorted) with a centroid in the zipcodes package; others are left out."""
        kept, lons, lats = [], [], []
        for code in sorted(zips):
            record = by_zip.get(code) or {}
            lat, lon = to_float(record.get("lat")), to_float(record.get("long"))
            if lat is not None and lon is not None:
                kept.append(code)
                lons.append(lon)
                lats.append(lat)
        return cls(kept, lons, lats)

    def covered_by(self, geom: BaseGeometry) -> list[str]:
        """The ZIPs (sorted) whose centroid lies inside the shape or on its edge (for a
        point, "intersects" is "covered by")."""
        if not self.zips or geom.is_empty:
            return []
        shapely.prepare(geom)
        inside = shapely.intersects_xy(geom, self.lons, self.lats)
        return [code for code, hit in zip(self.zips, inside) if hit]


class NameIndex:
    """The region's county and town names, normalised once for every service area's text."""

    def __init__(self, counties: Sequence[str], places: Mapping[str, Sequence[str]]):
        self.counties = tuple(counties)
        self.places = dict(places)  # normalised town name -> its ZIPs
        self.max_words = max((len(key.split()) for key in self.places), default=0)

    @classmethod
    def of(cls, region: Region) -> NameIndex:
        counties = [normalise_name(label.split(",")[0]) for label in region.labels.values()]
        places: dict[str, list[str]] = {}
        for place in region.place_rows:
            key = normalise_name(place["name"])
            if key:
                places.setdefault(key, []).extend(z for z in place["zips"].split(";") if z)
        return cls([c for c in counties if c], places)

    def names_county(self, words: str) -> bool:
        """Whether the normalised text (padded with spaces) names one of the counties."""
        return any(f" {county} " in words for county in self.counties)

    def town_zips(self, words: str) -> list[str]:
        """The ZIPs of every town named in the normalised text: each run of its words is
        looked up, so the cost follows the text's length, not the number of towns."""
        split = words.split()
        found: list[str] = []
        for start in range(len(split)):
            for end in range(start + 1, min(len(split), start + self.max_words) + 1):
                found += self.places.get(" ".join(split[start:end]), ())
        return found


def area_zips(
    row: dict[str, str],
    names: NameIndex,
    region_zips: set[str],
    extents: Mapping[str, BaseGeometry],
    points: ZipPoints,
) -> bool:
    """A service area's ZIPs: those inside its extent, else postal codes and town names in its
    name and description; the whole region when it names one of the region's counties."""
    text = f"{row.get('name', '')} {row.get('notes', '')}"
    found: list[str] = []
    how = ""
    extent = extents.get(row["id"])
    if extent is not None:
        found = points.covered_by(extent)
        how = "the ZIP codes whose centroid lies inside its extent"
    if not found:
        words = f" {normalise_name(text)} "
        if names.names_county(words) or any(f" {w} " in words for w in WHOLE_REGION_WORDS):
            found, how = sorted(region_zips), "the whole region (it names the county)"
        else:
            found = [z for z in zips_in_text(text) if z in region_zips]
            found += names.town_zips(words)
            found = sorted(set(found))
            how = "the postal codes and town names in its name and description"
    if found:
        row["zips"] = ";".join(found)
        row["notes"] = join_notes(row.get("notes", ""), f"ZIP codes derived: {how}.")
    return bool(found)


def place_areas(places: list[dict[str, str]], areas: list[dict[str, str]]) -> list[dict[str, str]]:
    """Each town in the root area and in every service area that holds all of its ZIPs (one
    that holds only some does not serve the whole town, so a town name does not say it)."""
    holding = AreasHolding(areas)
    placed = []
    for place in places:
        own = set(filter(None, place["zips"].split(";")))
        placed.append({**place, "areas": ";".join(holding.of(own)) or holding.root})
    return placed


class AreasHolding:
    """Which service areas (not the root) list every one of a set of ZIPs, in the areas'
    order: ZIP -> areas is indexed once, so each question costs its ZIPs, not every area."""

    def __init__(self, areas: list[dict[str, str]]):
        self.root = next(row["id"] for row in areas if not row.get("parent"))
        self.order = {row["id"]: n for n, row in enumerate(areas)}
        self.by_zip: dict[str, set[str]] = {}
        for row in areas:
            if row["id"] != self.root:
                for code in filter(None, row["zips"].split(";")):
                    self.by_zip.setdefault(code, set()).add(row["id"])

    def of(self, own: set[str]) -> list[str]:
        if not own:
            return []
        found = set.intersection(*(self.by_zip.get(code, set()) for code in own))
        return sorted(found, key=self.order.__getitem__)


def join_notes(*notes: str) -> str:
    return " ".join(n.strip() for n in notes if n and n.strip())


def to_float(text: object) -> float | None:
    try:
        return float(str(text).strip())
    except (TypeError, ValueError):
        return None
