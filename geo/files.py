"""Reading the geo data files so that a broken file is a reported problem, never an exception.

Each problem is one line, FILE[:LINE]: words, as check-data prints it.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry


def read_csv_rows(
    path: Path, problems: list[str], required: tuple[str, ...] = (), may_be_empty: bool = False
) -> list[dict[str, str]] | None:
    """Rows of a UTF-8 CSV file as dicts, or None (with a problem) when the whole file can't be
    used: not UTF-8, no header, a missing column, or a header with no rows (a cut file)."""
    if not path.exists():
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.append(f"{path.name}:{line}: not UTF-8 text (byte {error.start}); file ignored")
        return None
    if not text.strip():
        if may_be_empty:
            return []
        problems.append(f"{path.name}: the file is empty; file ignored")
        return None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in required if c not in header]
        if missing:
            problems.append(f'{path.name}:1: missing column "{", ".join(missing)}"; file ignored')
            return None
        rows = [
            {(k or "").strip(): (v if isinstance(v, str) else "") for k, v in row.items()}
            for row in reader
        ]
    except csv.Error as error:
        problems.append(f"{path.name}: unreadable CSV ({error}); file ignored")
        return None
    if not rows and not may_be_empty:
        problems.append(f"{path.name}: only a header, no rows (a cut file?); file ignored")
        return None
    return rows


def read_geojson(path: Path, problems: list[str]) -> list[dict[str, Any]] | None:
    """The features of a GeoJSON file, or None (with a problem) when it can't be used."""
    if not path.exists():
        return None
    try:
        collection = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        problems.append(f"{path.name}: not UTF-8 text (byte {error.start}); file ignored")
        return None
    except json.JSONDecodeError as error:
        problems.append(
            f"{path.name}: line {error.lineno}, column {error.colno}: not valid JSON; file ignored"
        )
        return None
    except RecursionError:
        problems.append(f"{path.name}: nested too deeply to be GeoJSON; file ignored")
        return None
    if not isinstance(collection, dict):
        problems.append(f"{path.name}: expected a GeoJSON object; file ignored")
        return None
    features = collection.get("features", [collection] if "geometry" in collection else None)
    if not isinstance(features, list) or not features:
        problems.append(f"{path.name}: no features; file ignored")
        return None
    return [f for f in features if isinstance(f, dict)]


def feature_shape(
    feature: dict[str, Any], path: Path, number: int, problems: list[str]
) -> BaseGeometry | None:
    """A feature's valid shapely shape, or None with a problem naming the feature."""
    try:
        geom = shape(feature["geometry"])
        if not geom.is_valid:
            geom = polygonal(shapely.make_valid(geom))
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as error:
        reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        problems.append(f"{path.name}: feature {number}: unusable geometry ({reason}); skipped")
        return None
    if geom.is_empty or geom.area == 0:
        problems.append(f"{path.name}: feature {number}: empty geometry; skipped")
        return None
    return geom


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygons of a shape: repairing a ring can leave stray lines and points."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()
