"""One-off: copy the ZIP centroids the region needs from the `zipcodes` package into data/zip_points.csv.

Why a copy: loading the package's whole US table takes most of a second, and a shipped file keeps
the region's data folder self-contained. It holds every ZIP listed in regions.csv plus every ZIP
whose centroid lies within --radius-km of the outline (neighbours, so typed ZIPs just over the
line answer instantly as "outside"). Corrections stay in zip_corrections.csv, never in this file.

    python -m geo.build_zip_points data/regions.csv data/county_outline.geojson data/zip_points.csv
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import zipcodes
from shapely.geometry import Point, shape

KM_PER_DEGREE = 111.0
COLUMNS = ["zip", "city", "county", "state", "kind", "lat", "lon", "source"]


def main(argv: list[str] | None = None) -> None:
    """Write zip_points.csv from the installed zipcodes package."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("regions", type=Path)
    parser.add_argument("outline", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--radius-km", type=float, default=40.0)
    args = parser.parse_args(argv)
    with args.regions.open(encoding="utf-8-sig", newline="") as file:
        listed = {z for row in csv.DictReader(file) for z in row["zips"].split(";") if z}
    outline = shape(json.loads(args.outline.read_text(encoding="utf-8"))["features"][0]["geometry"])
    reach = outline.buffer(args.radius_km / KM_PER_DEGREE)
    source = f"zipcodes {getattr(zipcodes, '__version__', '3.0.0')} (PyPI)"
    rows = []
    for record in zipcodes.list_all():
        lat, lon = float(record["lat"]), float(record["long"])
        if record["zip_code"] in listed or reach.contains(Point(lon, lat)):
            rows.append(
                {
                    "zip": record["zip_code"],
                    "city": record["city"],
                    "county": record["county"],
                    "state": record["state"],
                    "kind": record["zip_code_type"],
                    "lat": record["lat"],
                    "lon": record["long"],
                    "source": source,
                }
            )
    rows.sort(key=lambda row: row["zip"])
    with args.output.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    missing = listed - {row["zip"] for row in rows}
    print(
        f"Wrote {len(rows)} ZIPs to {args.output}; not in the package: {sorted(missing) or 'none'}"
    )


if __name__ == "__main__":
    main()
