"""The region an HSDS import derives: counties, ZIPs, towns and centroids (issue 15).

`place_region` runs after the import has written its folder: it finds the feed's counties
from its addresses (postal codes through the zipcodes package, then coordinates through the
county outlines) unless they are given, writes the geo files (geo.region), lists the region's
ZIPs on the root area, turns service areas' extents, postal codes and town names into ZIPs,
and gives locations without coordinates their ZIP's centroid. Every derived value says so.
`directory new-region` (directory/region_import.py) makes a region without a feed.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from geo.atlas import Atlas
from geo.build_outline import write_outline
from geo.build_zip_points import package_records, write_zip_points
from geo.counties import CountyFile, UnknownCounty
from geo.files import read_geojson
from geo.places import normalise_name
from geo.region import (
    PLACE_COLUMNS,
    Region,
    plan_region,
    region_name,
    slug,
    write_rows,
    zip_counties,
)
from geo.zips import zips_in_text

from ...loading import AGENCY_HEADER, REGION_COLUMNS, load_data
from ..export import swap_in
from .report import ImportProblem

GEO_FILES = ("county_outline.geojson", "zip_points.csv", "places.csv")
DEFAULT_IMPORT_NAME = "All areas"  # the importer's root name when none was given
DEFAULT_ROOT_ID = "all-areas"  # ...and its id, renamed for the region once its counties are known
# A county holding fewer than this share of the feed's located addresses is not the feed's
# county (a head office elsewhere); it is reported, and --county can add it.
MIN_COUNTY_SHARE = 0.2
FLAG_HINT = (
    "run the import again with --county FIPS: the county's 5-digit code, e.g. --county 06081 "
    "for San Mateo County, CA (repeat --county for a region of several counties)"
)
# Words that make a service area the whole region ("Countywide", "all of the county").
WHOLE_REGION_WORDS = (
    "countywide",
    "county wide",
    "all of the county",
    "whole county",
    "entire county",
    "the whole region",
)
REGION_HEADER = REGION_COLUMNS["required"] + REGION_COLUMNS["optional"]


class RegionError(ValueError):
    """A region folder could not be made; the message says why and what to do."""


def check_folder(folder: Path) -> None:
    """Load the folder back as check-data would; a problem here is a bug of ours."""
    data = load_data(folder)
    problems = [str(p) for p in data.problems] + list(Atlas.build(data.areas, folder).problems)
    if problems:
        raise RegionError(
            "the region folder did not load cleanly (" + "; ".join(problems[:5]) + "); "
            "nothing written; please report this as a bug"
        )


def place_region(
    out_dir: Path,
    src: Path,
    counties: Sequence[str],
    problems: list[ImportProblem],
    boundaries: str | Path | None = None,
    region_shapes: str | Path | None = None,
) -> Region | None:
    """Give an imported folder its region (see the module's docstring); problems are appended.
    A feed that carries our own area tree (its areas list ZIPs) is left as it is unless
    counties are given. `boundaries` (municipality or neighbourhood polygons) and
    `region_shapes` (shapes of the feed's areas, by area id) are optional GeoJSON files."""
    out_dir = Path(out_dir)
    areas = _read(out_dir / "regions.csv")
    agencies = _read(out_dir / "agencies.csv")
    if not counties and any(row.get("zips") for row in areas):
        return None
    records = package_records()
    by_zip = {record["zip_code"]: record for record in records}
    county_file = CountyFile.default()
    try:
        codes = [county_file.check(code) for code in counties]
    except UnknownCounty as error:
        problems.append(_problem(src, f"--county: {error}", "imported without geography"))
        return None
    how = "given with --county"
    if not codes:
        codes, how = _feed_counties(agencies, by_zip, county_file, src, problems)
    if not codes:  # an import into a folder that already has its region keeps it
        codes, how = _folder_counties(out_dir, county_file), "kept from the folder's outline"
    if not codes:
        problems.append(
            _problem(
                src,
                "no service location has a US postal code or coordinates, so the feed's "
                "county is unknown",
                "imported without places (every ZIP, town and point answers outside); " + FLAG_HINT,
            )
        )
        return None
    root = next((row for row in areas if not row.get("parent")), None)
    if root is None:
        return None
    given_name = root["name"] if root["name"] != DEFAULT_IMPORT_NAME else None
    renamed: dict[str, str] = {}  # old area id -> new
    if given_name is None and root["id"] == DEFAULT_ROOT_ID:
        _rename_root(root, region_name(county_file, codes), areas, agencies, problems)
        renamed[DEFAULT_ROOT_ID] = root["id"]
    region: Region | None = None

    def plan(files: Path | None) -> Region:
        return plan_region(
            codes,
            given_name,
            counties=county_file,
            records=records,
            root_id=root["id"],
            county_areas=False,  # one root holding every ZIP: the feed's areas go under it
            boundaries=files,
        )

    try:
        region = plan(None)
        if boundaries:
            region = plan(Path(boundaries))
    except ValueError as error:  # a county with no ZIP, or an unusable boundaries file
        if region is None:
            problems.append(_problem(src, str(error), "imported without places"))
            return None
        problems.append(_problem(src, f"--boundaries: {error}", "boundaries not used"))
    region_zips = set(region.all_zips)
    points = ZipPoints.of(region.all_zips, by_zip)
    root["name"] = region.name
    root["zips"] = ";".join(region.all_zips)
    root["notes"] = _join(
        root.get("notes", ""),
        f"Counties {how}: {', '.join(f'{region.labels[c]} ({c})' for c in codes)}. "
        "Its ZIP codes are derived: those the zipcodes package files under "
        + ("this county." if len(codes) == 1 else "these counties."),
    )
    given_shapes = _given_shapes(region_shapes, areas, src, problems)
    extents = _extents(out_dir / "regions.geojson", renamed) | {
        area_id: shape(feature["geometry"]) for area_id, feature in given_shapes.items()
    }
    names = _NameIndex.of(region)
    for row in areas:
        if row is not root and not row.get("zips"):
            if not _area_zips(row, names, region_zips, extents, points):
                problems.append(
                    _problem(
                        src,
                        f'service area "{row["name"]}" names no ZIP code, town or county of '
                        "the region and has no extent",
                        "its services are found by name, not by place; list its ZIP codes in "
                        f'regions.csv (area "{row["id"]}")',
                    )
                )
    for row in agencies:
        _centroid(row, by_zip)

    def fill(folder: Path) -> None:
        write_outline(folder / "county_outline.geojson", region.outline_geojson)
        write_zip_points(folder / "zip_points.csv", region.zip_rows)
        write_rows(folder / "places.csv", PLACE_COLUMNS, _place_areas(region.place_rows, areas))
        write_rows(folder / "regions.csv", REGION_HEADER, areas)
        write_rows(folder / "agencies.csv", AGENCY_HEADER, agencies)
        if region.place_shapes is not None:
            placed = _shape_areas(region.place_shapes, areas, points)
            (folder / "places.geojson").write_text(json.dumps(placed) + "\n", encoding="utf-8")
        if renamed:
            _rename_shapes(folder / "regions.geojson", renamed)
        if given_shapes:
            _merge_shapes(folder / "regions.geojson", given_shapes)
        check_folder(folder)

    try:
        _rewrite(out_dir, fill)
    except (RegionError, OSError) as error:
        problems.append(_problem(src, f"the region could not be added ({error})", FLAG_HINT))
        return None
    return region


def _rename_root(
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
    root["notes"] = _join(
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


def _rename_shapes(path: Path, renamed: Mapping[str, str]) -> None:
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


def _given_shapes(
    path: str | Path | None,
    areas: list[dict[str, str]],
    src: Path,
    problems: list[ImportProblem],
) -> dict[str, dict]:
    """Features of a --regions file by area id; unknown ids and broken shapes are reported."""
    if path is None:
        return {}
    path = Path(path)
    found: list[str] = []
    features = read_geojson(path, found) or []
    for problem in found:
        problems.append(_problem(src, f"--regions: {problem}", "area shapes not used"))
    ids = {row["id"] for row in areas}
    given: dict[str, dict] = {}
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        area_id = str(props.get("id") or "")
        try:
            geom = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError):
            geom = None
        if area_id not in ids or geom is None or geom.is_empty:
            reason = f'unknown area id "{area_id}"' if area_id not in ids else "no usable shape"
            problems.append(
                _problem(
                    src,
                    f"--regions {path.name} feature {number}: {reason} (this feed's areas: "
                    + ", ".join(sorted(ids))
                    + ")",
                    "feature not used",
                )
            )
            continue
        props = {**props, "source": props.get("source") or f"{path.name}, given to import-hsds"}
        given[area_id] = {**feature, "properties": props}
    return given


def _merge_shapes(path: Path, given: Mapping[str, dict]) -> None:
    """regions.geojson with the given shapes in place of the feed's extents for those areas."""
    kept = [
        f
        for f in read_geojson(path, []) or []
        if str((f.get("properties") or {}).get("id") or "") not in given
    ]
    collection = {"type": "FeatureCollection", "features": [*kept, *given.values()]}
    path.write_text(json.dumps(collection) + "\n", encoding="utf-8")


def _shape_areas(collection: Mapping, areas: list[dict[str, str]], points: ZipPoints) -> dict:
    """Boundary polygons in the service areas that hold all the ZIPs whose centroid they hold
    (the same rule as towns), else in the root; each says how, in `membership`."""
    holding = _AreasHolding(areas)
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


def _rewrite(out_dir: Path, fill) -> None:
    """Fill a copy of the just-imported folder and swap it in, so readers see old or new."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.region-", dir=out_dir.parent))
    try:
        shutil.copytree(out_dir, staging, dirs_exist_ok=True)
        fill(staging)
        swap_in(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _feed_counties(
    agencies: list[dict[str, str]],
    by_zip: Mapping[str, Mapping],
    county_file: CountyFile,
    src: Path,
    problems: list[ImportProblem],
) -> tuple[list[str], str]:
    """The counties of the feed's addresses: the postal code's county, else the county holding
    the coordinates; counties with few of the addresses are reported, not used. Each distinct
    ZIP is looked up once and the coordinates are placed all at once (a feed of thousands)."""
    last_zips = []
    for row in agencies:
        codes = [z for z in zips_in_text(row.get("address") or "") if z in by_zip]
        last_zips.append(codes[-1] if codes else None)
    county_of = zip_counties([by_zip[z] for z in set(last_zips) if z], county_file)
    votes: Counter[str] = Counter()
    used_zips = 0
    lons: list[float] = []
    lats: list[float] = []
    for row, code in zip(agencies, last_zips):
        county = county_of.get(code) if code else None
        if county is not None:
            used_zips += 1
            votes[county] += 1
            continue
        lat, lon = _float(row.get("latitude")), _float(row.get("longitude"))
        if lat is not None and lon is not None:
            lons.append(lon)
            lats.append(lat)
    placed = [c for c in county_file.containing_all(lons, lats, likely=list(votes)) if c]
    used_points = len(placed)
    votes.update(placed)
    total = sum(votes.values())
    kept = [c for c, n in votes.most_common() if n >= MIN_COUNTY_SHARE * total]
    for county, n in votes.items():
        if county not in kept:
            problems.append(
                _problem(
                    src,
                    f"{n} of {total} addresses are in {county_file.label(county)} ({county})",
                    "that county is not part of the region; add --county "
                    f"{county} with the others to include it",
                )
            )
    how = "derived from the feed's " + " and ".join(
        part for part, used in (("postal codes", used_zips), ("coordinates", used_points)) if used
    )
    return kept, how


def _folder_counties(folder: Path, county_file: CountyFile) -> list[str]:
    """The FIPS codes of the counties in the folder's county_outline.geojson, if any."""
    codes = []
    for feature in read_geojson(folder / "county_outline.geojson", []) or []:
        code = str((feature.get("properties") or {}).get("fips") or "")
        if code in county_file.geometries and code not in codes:
            codes.append(code)
    return codes


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
            lat, lon = _float(record.get("lat")), _float(record.get("long"))
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


class _NameIndex:
    """The region's county and town names, normalised once for every service area's text."""

    def __init__(self, counties: Sequence[str], places: Mapping[str, Sequence[str]]):
        self.counties = tuple(counties)
        self.places = dict(places)  # normalised town name -> its ZIPs
        self.max_words = max((len(key.split()) for key in self.places), default=0)

    @classmethod
    def of(cls, region: Region) -> _NameIndex:
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


def _area_zips(
    row: dict[str, str],
    names: _NameIndex,
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
        row["notes"] = _join(row.get("notes", ""), f"ZIP codes derived: {how}.")
    return bool(found)


def _centroid(row: dict[str, str], by_zip: Mapping[str, Mapping]) -> None:
    """A location with a postal code and no coordinates gets its ZIP's centroid, marked."""
    if row.get("latitude") or row.get("longitude"):
        return
    codes = [z for z in zips_in_text(row.get("address") or "") if z in by_zip]
    point = _zip_point(by_zip, codes[-1]) if codes else None
    if point is None:
        return
    row["latitude"], row["longitude"] = f"{point.y:.5f}", f"{point.x:.5f}"
    marked = [c for c in (row.get("reconstructed") or "").split(";") if c]
    row["reconstructed"] = ";".join(dict.fromkeys([*marked, "latitude", "longitude"]))
    row["notes"] = _join(
        row.get("notes", ""),
        f"Coordinates derived: the centroid of ZIP {codes[-1]} (zipcodes package), "
        "not the street address.",
    )


def _place_areas(places: list[dict[str, str]], areas: list[dict[str, str]]) -> list[dict[str, str]]:
    """Each town in the root area and in every service area that holds all of its ZIPs (one
    that holds only some does not serve the whole town, so a town name does not say it)."""
    holding = _AreasHolding(areas)
    placed = []
    for place in places:
        own = set(filter(None, place["zips"].split(";")))
        placed.append({**place, "areas": ";".join(holding.of(own)) or holding.root})
    return placed


class _AreasHolding:
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


def _extents(path: Path, renamed: Mapping[str, str] | None = None) -> dict[str, BaseGeometry]:
    found: dict[str, BaseGeometry] = {}
    for feature in read_geojson(path, []) or []:
        area_id = str((feature.get("properties") or {}).get("id") or "")
        area_id = (renamed or {}).get(area_id, area_id)
        try:
            found[area_id] = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return found


def _zip_point(by_zip: Mapping[str, Mapping], code: str) -> Point | None:
    record = by_zip.get(code)
    if record is None:
        return None
    lat, lon = _float(record.get("lat")), _float(record.get("long"))
    return None if lat is None or lon is None else Point(lon, lat)


def _read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as file:
        return [dict(row) for row in csv.DictReader(file)]


def _problem(src: Path, reason: str, action: str) -> ImportProblem:
    return ImportProblem(src.name, "", None, "", reason, action)


def _join(*notes: str) -> str:
    return " ".join(n.strip() for n in notes if n and n.strip())


def _float(text: object) -> float | None:
    try:
        return float(str(text).strip())
    except (TypeError, ValueError):
        return None


def describe_region(folder: str | Path) -> str:
    """One line on an imported folder's region: its name and ZIP count, or what is missing."""
    areas = _read(Path(folder) / "regions.csv")
    root = next((row for row in areas if not row.get("parent")), None)
    if root is None or not (Path(folder) / "zip_points.csv").exists():
        return "Region: none (no county is known, so every place answers outside)."
    count = len({z for row in areas for z in (row.get("zips") or "").split(";") if z})
    return f"Region: {root['name']}, {count} ZIP codes (derived; see regions.csv notes)."
