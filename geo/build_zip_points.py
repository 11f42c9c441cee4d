"""Copy the ZIP centroids a region needs from the `zipcodes` package into zip_points.csv.

Why a copy: loading the package's whole US table takes most of a second, and a shipped file keeps
the region's data folder self-contained. It holds every ZIP listed in regions.csv plus every ZIP
whose centroid lies within --radius-km of the outline (neighbours, so typed ZIPs just over the
line answer instantly as "outside"). Corrections stay in zip_corrections.csv, never in this file.
`directory new-region` writes the file the same way; on its own, this rebuilds the bundled one:

    python -m geo.build_zip_points data/regions.csv data/county_outline.geojson data/zip_points.csv
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import numpy as np
import shapely
import zipcodes
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from .zips import package_zips as package_records

KM_PER_DEGREE = 111.0
RADIUS_KM = 40.0
COLUMNS = ["zip", "city", "county", "state", "kind", "lat", "lon", "source"]
SOURCE = f"zipcodes {getattr(zipcodes, '__version__', '3.0.0')} (PyPI)"


def zip_point_rows(
    records: Sequence[Mapping],
    listed: Collection[str],
    outline: BaseGeometry,
    radius_km: float = RADIUS_KM,
) -> list[dict[str, str]]:
    """Rows of zip_points.csv: the listed ZIPs and every ZIP within radius_km of the outline."""
    reach = outline.buffer(radius_km / KM_PER_DEGREE)
    lats = np.array([float(record["lat"]) for record in records])
    lons = np.array([float(record["long"]) for record in records])
    near = shapely.contains_xy(reach, lons, lats)  # vectorised: 40,000 points in milliseconds
    rows = []
    for record, is_near in zip(records, near):
        if record["zip_code"] in listed or is_near:
            rows.append(
                {
                    "zip": record["zip_code"],
                    "city": record["city"],
                    "county": record["county"],
                    "state": record["state"],
                    "kind": record["zip_code_type"],
                    "lat": record["lat"],
                    "lon": record["long"],
                    "source": SOURCE,
                }
            )
    rows.sort(key=lambda row: row["zip"])
    return rows


def write_zip_points(path: Path, rows: Sequence[Mapping[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> None:
    """Write zip_points.csv from the installed zipcodes package."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("regions", type=Path)
    parser.add_argument("outline", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--radius-km", type=float, default=RADIUS_KM)
    args = parser.parse_args(argv)
    with args.regions.open(encoding="utf-8-sig", newline="") as file:
        listed = {z for row in csv.DictReader(file) for z in row["zips"].split(";") if z}
    features = json.loads(args.outline.read_text(encoding="utf-8"))["features"]
    outline = unary_union([shape(f["geometry"]) for f in features])
    rows = zip_point_rows(package_records(), listed, outline, args.radius_km)
    write_zip_points(args.output, rows)
    missing = listed - {row["zip"] for row in rows}
    print(
        f"Wrote {len(rows)} ZIPs to {args.output}; not in the package: {sorted(missing) or 'none'}"
    )


if __name__ == "__main__":
    main()
