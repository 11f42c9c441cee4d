"""A region's geography from county FIPS codes, offline: outline, ZIP points, towns and areas.

`plan_region` works out everything from the vendored us-atlas counties (geo/counties.py) and
the installed `zipcodes` package; `write_region` writes the geo files a data folder needs:
county_outline.geojson, zip_points.csv, places.csv, regions.csv, and, when given real
boundaries, places.geojson and regions.geojson. The directory's files (agencies.csv,
needs.csv) are the caller's (directory/region_import.py): geo knows nothing of agencies.

Which ZIPs are the region's: those the zipcodes package files under one of its counties (its
county names are matched to us-atlas's), and those with no county there whose centroid lies
inside the outline. The gazetteer is the USPS town names of those ZIPs (each ZIP's city and its
acceptable city names), each placed at the centroid of its first ZIP. GeoNames points are not
used here: the cities1000 file is not vendored (it is read only by the Allegheny build).
"""

from __future__ import annotations

import csv
import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry

from .build_outline import outline_collection, write_outline
from .build_zip_points import SOURCE as ZIP_SOURCE
from .build_zip_points import package_records, write_zip_points, zip_point_rows
from .counties import CountyFile, zip_counties
from .files import read_geojson
from .places import normalise_name
from .zips import STANDARD

REGION_COLUMNS = ["id", "name", "parent", "zips", "straddling_zips", "source", "notes"]
PLACE_COLUMNS = [
    "name",
    "kind",
    "municipality",
    "areas",
    "zips",
    "lat",
    "lon",
    "aliases",
    "point_source",
    "notes",
]
MAX_NAME_CHARS = 200  # a region's name, as the importer cuts area names
# normalise_name for the zipcodes package's own town names, each worked out once per process
# (tens of thousands of rows, a few thousand names). Only package data goes through it, never a
# person's words: no cache may be keyed by what someone typed.
_package_name_key = cache(normalise_name)
NAME_KEYS = ("name", "NAME", "Name", "NAMELSAD", "LABEL", "label", "MUNICIPAL", "NAME10")


@dataclass(frozen=True)
class Region:
    """Everything new-region writes about places, before it is written."""

    name: str
    root_id: str
    counties: tuple[str, ...]  # FIPS codes
    labels: Mapping[str, str]  # FIPS -> "San Mateo County, CA"
    county_area: Mapping[str, str]  # FIPS -> area id (the root for a one-county region)
    zips: Mapping[str, tuple[str, ...]]  # FIPS -> the region's ZIPs in that county
    outline: BaseGeometry
    outline_geojson: dict[str, Any]
    zip_rows: list[dict[str, str]]
    place_rows: list[dict[str, str]]
    area_rows: list[dict[str, str]]
    place_shapes: dict[str, Any] | None = None  # places.geojson, when boundaries were given
    region_shapes: dict[str, Any] | None = None  # regions.geojson, when area shapes were given
    notes: list[str] = field(default_factory=list)

    @property
    def all_zips(self) -> tuple[str, ...]:
        return tuple(sorted({z for codes in self.zips.values() for z in codes}))

    def summary(self) -> str:
        counties = "; ".join(f"{self.labels[c]} ({c})" for c in self.counties)
        return (
            f"{self.name}: {counties}; {len(self.all_zips)} ZIP codes, "
            f"{len(self.place_rows)} places, {len(self.area_rows)} areas"
        )


def slug(text: str) -> str:
    """A lowercase-hyphenated id: "San Mateo County, CA" -> "san-mateo-county-ca"."""
    return re.sub(r"[^a-z0-9]+", "-", normalise_name(text))[:60].strip("-") or "region"


def region_name(counties: CountyFile, codes: Sequence[str]) -> str:
    """ "San Mateo County, CA"; several counties are joined: "A County, CA and B County, CA"."""
    labels = [counties.label(code) for code in codes]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def plan_region(
    codes: Sequence[str],
    name: str | None = None,
    *,
    counties: CountyFile | None = None,
    records: Sequence[Mapping] | None = None,
    root_id: str | None = None,
    county_areas: bool = True,
    boundaries: Path | None = None,
    region_shapes: Path | None = None,
) -> Region:
    """The geography of a region made of these counties (raises UnknownCounty for a bad code,
    ValueError for an unusable boundaries file). Several counties get an area each under the
    root, unless `county_areas` is false (an import: one root holding every ZIP)."""
    counties = counties or CountyFile.default()
    codes = tuple(dict.fromkeys(counties.check(code) for code in codes))
    if not codes:
        raise ValueError("Give at least one county FIPS code (--county 06081).")
    records = package_records() if records is None else records
    labels = {code: counties.label(code) for code in codes}
    name = " ".join((name or "").split()) or region_name(counties, codes)
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(
            f"The region name is {len(name)} characters long; use at most {MAX_NAME_CHARS}."
        )
    root = root_id or slug(name)
    single = len(codes) == 1 or not county_areas  # one root area holding every ZIP
    county_area = {code: root if single else slug(labels[code]) for code in codes}
    membership = zip_counties(records, counties, codes)
    by_zip = {r["zip_code"]: r for r in records}
    zips = {code: tuple(sorted(z for z, c in membership.items() if c == code)) for code in codes}
    for code in codes:
        if not zips[code]:
            raise ValueError(_no_zips(counties, code, records))
    outline_geojson = outline_collection(counties, codes)
    outline = counties.outline(codes)
    listed = set(membership)
    zip_rows = zip_point_rows(records, listed, outline)
    area_rows = _area_rows(name, root, codes, labels, county_area, zips, single)
    # A town's ZIP count is by (state, name): only the region's states are counted.
    states = {by_zip[z].get("state") for code in codes for z in zips[code]}
    in_states = (r for r in records if r.get("state") in states)
    place_rows = _town_rows(codes, zips, county_area, by_zip, _town_zip_counts(in_states))
    region = Region(
        name,
        root,
        codes,
        labels,
        county_area,
        zips,
        outline,
        outline_geojson,
        zip_rows,
        place_rows,
        area_rows,
    )
    if boundaries is not None:
        region = _with_boundaries(region, Path(boundaries), counties, by_zip)
    if region_shapes is not None:
        region = _with_region_shapes(region, Path(region_shapes))
    return region


def _no_zips(counties: CountyFile, code: str, records: Sequence[Mapping]) -> str:
    """Why a county has no ZIP code of its own, and which county to add instead."""
    near = counties.shape(code).buffer(0.05)  # about 5 km: its ZIPs' points may lie outside
    inside = [
        r
        for r in records
        if (lat := _float(r.get("lat"))) is not None
        and (lon := _float(r.get("long"))) is not None
        and near.covers(Point(lon, lat))
    ]
    filed = sorted(set(zip_counties(inside, counties).values()) - {code})
    hint = (
        "; its ZIP codes are filed under "
        + ", ".join(f"{counties.label(c)} (--county {c})" for c in filed)
        + ": make the region of that county, or add it"
        if filed
        else ""
    )
    return (
        f"The zipcodes package files no ZIP code under {counties.label(code)} ({code}), so "
        f"nobody there could be located{hint}."
    )


def _area_rows(name, root, codes, labels, county_area, zips, single) -> list[dict[str, str]]:
    county_list = "; ".join(f"{labels[c]} (FIPS {c})" for c in codes)
    source = (
        f"Made by directory new-region from {county_list}: outline from us-atlas 3.0.1 "
        f"(U.S. Census Bureau, public domain); ZIP codes from {ZIP_SOURCE}."
    )
    rows = [
        {
            "id": root,
            "name": name,
            "parent": "",
            "zips": ";".join(sorted({z for c in codes for z in zips[c]})) if single else "",
            "straddling_zips": "",
            "source": source,
            "notes": "The whole region. Its ZIP codes are those the zipcodes package files under "
            + ("its county" if single else "its counties")
            + " (derived; a ZIP crossing the county line is listed with its main county).",
        }
    ]
    if not single:
        for code in codes:
            rows.append(
                {
                    "id": county_area[code],
                    "name": labels[code].split(",")[0],
                    "parent": root,
                    "zips": ";".join(zips[code]),
                    "straddling_zips": "",
                    "source": source,
                    "notes": f"County FIPS {code}; ZIP codes derived from the zipcodes package.",
                }
            )
    return rows


def _town_names(record: Mapping) -> list[tuple[str, bool]]:
    """A ZIP's USPS town names: (name, is its primary city)."""
    names = [(record.get("city") or "", True)]
    names += [(n, False) for n in record.get("acceptable_cities") or []]
    return [(n.strip(), primary) for n, primary in names if n.strip()]


def _town_zip_counts(records: Iterable[Mapping]) -> dict[tuple[str, str], int]:
    """(state, town key) -> how many ZIPs in the whole package carry that town name."""
    counts: dict[tuple[str, str], int] = {}
    for record in records:
        for town, _ in _town_names(record):
            key = (record.get("state") or "", _package_name_key(town))
            counts[key] = counts.get(key, 0) + 1
    return counts


def _town_rows(codes, zips, county_area, by_zip, counts) -> list[dict[str, str]]:
    """One gazetteer row per USPS town name of the region's ZIPs, at its first ZIP's centroid.
    A name most of whose ZIPs lie outside the region ("Palo Alto" for San Mateo County's
    94303) is left out, so it answers "outside" as a neighbouring town."""
    towns: dict[str, dict[str, Any]] = {}
    aliases: dict[str, set[str]] = {}
    for code in codes:
        for zip_code in zips[code]:
            record = by_zip[zip_code]
            names = _town_names(record)
            main = _package_name_key(names[0][0]) if names and names[0][1] else ""
            for town, primary in names:
                town = town.title() if town.isupper() else town
                key = _package_name_key(town)
                if not primary and main and _abbreviates(key, main):
                    aliases.setdefault(main, set()).add(town)  # "S San Fran", "Portola Vally"
                    continue
                entry = towns.setdefault(
                    key,
                    {"name": town, "state": record.get("state") or "", "zips": [], "areas": []},
                )
                if len(town) > len(entry["name"]):  # "East Palo Alto" over "E Palo Alto"
                    entry["name"] = town
                entry.setdefault("points", [])
                entry["zips"].append(zip_code)
                if county_area[code] not in entry["areas"]:
                    entry["areas"].append(county_area[code])
                lat, lon = _float(record.get("lat")), _float(record.get("long"))
                if lat is not None and lon is not None:
                    standard = record.get("zip_code_type") == STANDARD
                    entry["points"].append(((not primary, not standard, zip_code), lat, lon))
    rows = []
    for key, entry in sorted(towns.items(), key=lambda item: item[1]["name"]):
        inside = len(set(entry["zips"]))
        if not entry["points"] or inside * 2 < counts.get((entry["state"], key), inside):
            continue
        (_, _, point_zip), lat, lon = _middle(entry["points"])
        rows.append(
            {
                "name": entry["name"],
                "kind": "community",
                "municipality": "",
                "areas": ";".join(entry["areas"]),
                "zips": ";".join(sorted(dict.fromkeys(entry["zips"]))),
                "lat": f"{lat:.5f}",
                "lon": f"{lon:.5f}",
                "aliases": ";".join(sorted(aliases.get(key, ()))),
                "point_source": f"Derived: centroid of ZIP {point_zip} ({ZIP_SOURCE})",
                "notes": "USPS town name of its ZIP codes (city or acceptable city name in the "
                "zipcodes package); not a municipal boundary.",
            }
        )
    return rows


def _middle(points: list[tuple[tuple, float, float]]) -> tuple[tuple, float, float]:
    """Of the best kind of ZIP point (primary name, standard ZIP), the one nearest their mean:
    a town's middle ZIP rather than its lowest-numbered one."""
    best = min(p[0][:2] for p in points)
    chosen = [p for p in points if p[0][:2] == best]
    lat = sum(p[1] for p in chosen) / len(chosen)
    lon = sum(p[2] for p in chosen) / len(chosen)
    return min(chosen, key=lambda p: ((p[1] - lat) ** 2 + (p[2] - lon) ** 2, p[0]))


def _abbreviates(short: str, full: str) -> bool:
    """Whether a USPS acceptable name is a shortening or misspelling of the primary one:
    "s san fran" of "south san francisco", "portola vally" of "portola valley"."""
    words, full_words = short.split(), full.split()
    if len(words) == len(full_words) and all(f.startswith(w) for w, f in zip(words, full_words)):
        return True
    return difflib.SequenceMatcher(None, short, full).ratio() >= 0.85


def _with_boundaries(
    region: Region, path: Path, counties: CountyFile, by_zip: Mapping[str, Mapping]
) -> Region:
    """Municipality or neighbourhood polygons given by the user: each goes to the area of the
    county holding its representative point, and becomes a gazetteer place too."""
    problems: list[str] = []
    features = read_geojson(path, problems)
    if problems or not features:
        reason = "; ".join(p.removesuffix("; file ignored") for p in problems) or "no features"
        raise ValueError(f"{path} can't be used ({reason}); nothing written")
    shapes = {code: counties.shape(code) for code in region.counties}
    out_features, rows = [], list(region.place_rows)
    known = {normalise_name(r["name"]) for r in rows}
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        name = next((str(props[k]).strip() for k in NAME_KEYS if props.get(k)), "")
        try:
            geom = shape(feature.get("geometry"))
        except (ValueError, TypeError, AttributeError, KeyError) as error:
            raise ValueError(f"{path.name}: feature {number}: not a geometry ({error})") from None
        if not name or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise ValueError(f"{path.name}: feature {number} has no name or no polygon")
        point = geom.representative_point()
        county = next((c for c, s in shapes.items() if s.contains(point)), None)
        if county is None:
            region.notes.append(f"{path.name}: {name} lies outside the region; left out")
            continue
        kind = str(props.get("kind") or "municipality").strip().lower()
        source = str(props.get("source") or f"{path.name}, given to directory new-region")
        area = region.county_area[county]
        out_features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": name,
                    "kind": kind,
                    "municipality": str(props.get("municipality") or ""),
                    "areas": area,
                    "source": source,
                    "membership": f"In {region.labels[county]} (the county holding the polygon).",
                },
                "geometry": mapping(geom),
            }
        )
        if normalise_name(name) not in known:
            inside = [
                z
                for z in region.zips[county]
                if (lat := _float(by_zip[z].get("lat"))) is not None
                and (lon := _float(by_zip[z].get("long"))) is not None
                and geom.contains(Point(lon, lat))
            ]
            rows.append(
                {
                    "name": name,
                    "kind": kind,
                    "municipality": str(props.get("municipality") or ""),
                    "areas": area,
                    "zips": ";".join(inside),
                    "lat": f"{point.y:.5f}",
                    "lon": f"{point.x:.5f}",
                    "aliases": "",
                    "point_source": f"Derived: a point inside its polygon ({path.name})",
                    "notes": f"Boundary: {source}",
                }
            )
            known.add(normalise_name(name))
    collection = {"type": "FeatureCollection", "features": out_features}
    return _replace(region, place_rows=rows, place_shapes=collection)


def _with_region_shapes(region: Region, path: Path) -> Region:
    """Real shapes for the region's areas, by area id (property "id")."""
    problems: list[str] = []
    features = read_geojson(path, problems)
    if problems or not features:
        reason = "; ".join(p.removesuffix("; file ignored") for p in problems) or "no features"
        raise ValueError(f"{path} can't be used ({reason}); nothing written")
    ids = {row["id"] for row in region.area_rows}
    unknown = sorted({str((f.get("properties") or {}).get("id")) for f in features} - ids)
    if unknown:
        raise ValueError(
            f"{path.name}: unknown area id(s) {', '.join(unknown)}; this region's areas are "
            + ", ".join(sorted(ids))
        )
    for feature in features:
        props = feature.setdefault("properties", {})
        props.setdefault("source", f"{path.name}, given to directory new-region")
    return _replace(region, region_shapes={"type": "FeatureCollection", "features": features})


def _replace(region: Region, **changes: Any) -> Region:
    from dataclasses import replace

    return replace(region, **changes)


def write_region(region: Region, folder: Path) -> list[Path]:
    """Write the region's geo files into folder; returns the paths written."""
    folder = Path(folder)
    written = [
        folder / "county_outline.geojson",
        folder / "zip_points.csv",
        folder / "places.csv",
        folder / "regions.csv",
    ]
    write_outline(written[0], region.outline_geojson)
    write_zip_points(written[1], region.zip_rows)
    write_rows(written[2], PLACE_COLUMNS, region.place_rows)
    write_rows(written[3], REGION_COLUMNS, region.area_rows)
    for name, collection in (
        ("places.geojson", region.place_shapes),
        ("regions.geojson", region.region_shapes),
    ):
        if collection is not None:
            path = folder / name
            path.write_text(json.dumps(collection) + "\n", encoding="utf-8")
            written.append(path)
    return written


def write_rows(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> None:
    with Path(path).open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


def zip_centroid(records_by_zip: Mapping[str, Mapping], code: str) -> tuple[float, float] | None:
    """(lat, lon) of a ZIP's centroid in the zipcodes package, or None."""
    record = records_by_zip.get(code)
    if record is None:
        return None
    lat, lon = _float(record.get("lat")), _float(record.get("long"))
    return None if lat is None or lon is None else (lat, lon)


def points_inside(outline: BaseGeometry, lat: float, lon: float) -> bool:
    return outline.covers(Point(lon, lat))


def _float(text: object) -> float | None:
    try:
        return float(str(text).strip())
    except (TypeError, ValueError):
        return None
