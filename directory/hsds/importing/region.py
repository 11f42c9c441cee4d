"""The region an HSDS import derives: counties, ZIPs, towns and centroids (issue 15).

`place_region` runs after the import has written its folder: it finds the feed's counties
from its addresses (postal codes through the zipcodes package, then coordinates through the
county outlines) unless they are given, writes the geo files (geo.region), lists the region's
ZIPs on the root area, turns service areas' extents, postal codes and town names into ZIPs,
and gives locations without coordinates their ZIP's centroid. Every derived value says so.
The service areas' ZIPs, the towns' and polygons' areas and the root's id are worked out in
importing/region_areas.py. `directory new-region` (directory/region_import.py) makes a region
without a feed.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from geo.atlas import Atlas
from geo.build_outline import write_outline
from geo.build_zip_points import package_records, write_zip_points
from geo.counties import CountyFile, UnknownCounty
from geo.files import read_geojson
from geo.region import (
    PLACE_COLUMNS,
    Region,
    plan_region,
    write_rows,
    zip_counties,
)
from geo.zips import zips_in_text

from ...loading import AGENCY_HEADER, REGION_COLUMNS, load_data
from ..export import swap_in
from .region_areas import (
    NameIndex,
    ZipPoints,
    area_zips,
    join_notes,
    place_areas,
    rename_root,
    rename_shapes,
    shape_areas,
    to_float,
)
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
    renamed: dict[str, str] = {}  # old area id -> new, once the region is sure to be written
    reported = list(problems)  # the report as it stands, should the folder not be rewritten
    if given_name is None and root["id"] == DEFAULT_ROOT_ID:
        rename_root(root, region.name, areas, agencies, problems)
        renamed[DEFAULT_ROOT_ID] = root["id"]
    region_zips = set(region.all_zips)
    points = ZipPoints.of(region.all_zips, by_zip)
    root["name"] = region.name
    root["zips"] = ";".join(region.all_zips)
    root["notes"] = join_notes(
        root.get("notes", ""),
        f"Counties {how}: {', '.join(f'{region.labels[c]} ({c})' for c in codes)}. "
        "Its ZIP codes are derived: those the zipcodes package files under "
        + ("this county." if len(codes) == 1 else "these counties."),
    )
    given_shapes = _given_shapes(region_shapes, areas, src, problems)
    extents = _extents(out_dir / "regions.geojson", renamed) | {
        area_id: shape(feature["geometry"]) for area_id, feature in given_shapes.items()
    }
    names = NameIndex.of(region)
    for row in areas:
        if row is not root and not row.get("zips"):
            if not area_zips(row, names, region_zips, extents, points):
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
        write_rows(folder / "places.csv", PLACE_COLUMNS, place_areas(region.place_rows, areas))
        write_rows(folder / "regions.csv", REGION_HEADER, areas)
        write_rows(folder / "agencies.csv", AGENCY_HEADER, agencies)
        if region.place_shapes is not None:
            placed = shape_areas(region.place_shapes, areas, points)
            (folder / "places.geojson").write_text(json.dumps(placed) + "\n", encoding="utf-8")
        if renamed:
            rename_shapes(folder / "regions.geojson", renamed)
        if given_shapes:
            _merge_shapes(folder / "regions.geojson", given_shapes)
        check_folder(folder)

    try:
        _rewrite(out_dir, fill)
    except (RegionError, OSError) as error:
        problems[:] = reported  # the folder keeps the importer's areas, ids included
        problems.append(_problem(src, f"the region could not be added ({error})", FLAG_HINT))
        return None
    return region


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
        lat, lon = to_float(row.get("latitude")), to_float(row.get("longitude"))
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
    row["notes"] = join_notes(
        row.get("notes", ""),
        f"Coordinates derived: the centroid of ZIP {codes[-1]} (zipcodes package), "
        "not the street address.",
    )


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
    lat, lon = to_float(record.get("lat")), to_float(record.get("long"))
    return None if lat is None or lon is None else Point(lon, lat)


def _read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as file:
        return [dict(row) for row in csv.DictReader(file)]


def _problem(src: Path, reason: str, action: str) -> ImportProblem:
    return ImportProblem(src.name, "", None, "", reason, action)


def describe_region(folder: str | Path) -> str:
    """One line on an imported folder's region: its name and ZIP count, or what is missing."""
    areas = _read(Path(folder) / "regions.csv")
    root = next((row for row in areas if not row.get("parent")), None)
    if root is None or not (Path(folder) / "zip_points.csv").exists():
        return "Region: none (no county is known, so every place answers outside)."
    count = len({z for row in areas for z in (row.get("zips") or "").split(";") if z})
    return f"Region: {root['name']}, {count} ZIP codes (derived; see regions.csv notes)."
