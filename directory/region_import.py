"""`directory new-region`: a data folder for one or more US counties, offline.

The geography comes from geo.region (the vendored us-atlas counties and the zipcodes
package); this adds an empty agencies.csv and the bundled need vocabulary, and writes the
folder all or nothing. An HSDS import derives its region the same way
(directory/hsds/importing/region.py).
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Sequence
from pathlib import Path

from geo.counties import UnknownCounty
from geo.region import Region, plan_region, write_region, write_rows

from .config import DEFAULT_DATA_DIR
from .hsds.export import write_folder
from .hsds.importing.region import RegionError, check_folder, describe_region
from .loading import AGENCY_HEADER, DATA_FILES

# Bundled rows and files that hold for every US region: national lines, urgent words.
NATIONAL_AGENCIES = ("988-suicide-and-crisis-lifeline",)
NATIONAL_FILES = ("urgent.csv", "urgent_lines.csv")

__all__ = ["RegionError", "describe_region", "new_region"]

REGION_FILES = (
    "county_outline.geojson",
    "zip_points.csv",
    "places.csv",
    "places.geojson",
    "regions.geojson",
)


def starter_rows(vocabulary: Path, root_id: str) -> list[dict[str, str]]:
    """The national lines every US region has, serving the whole region: the bundled 988 row
    as it is, and 211 (the bundled row is Pennsylvania's, so a national one is written)."""
    rows = []
    path = vocabulary / "agencies.csv"
    if path.exists():
        with path.open(encoding="utf-8-sig", newline="") as file:
            rows = [dict(r) for r in csv.DictReader(file) if r.get("id") in NATIONAL_AGENCIES]
    rows.append(
        {
            "id": "211",
            "name": "211",
            "kind": "informal",
            "needs": "housing;food;benefits;transportation",
            "phones": "211",
            "how_to_refer": "Dial 211.",
            "description": "Dial 2-1-1 for free, confidential help finding local services such "
            "as housing, food and utilities.",
            "source": "United Way 2-1-1 service; general public knowledge (a starter row written "
            "by directory new-region)",
            "notes": "Answers in most of the United States; check that 211 answers in this "
            "region before relying on it.",
        }
    )
    return [{**row, "areas": root_id} for row in rows]


def new_region(
    counties: Sequence[str],
    out_dir: str | Path,
    *,
    name: str | None = None,
    boundaries: str | Path | None = None,
    regions: str | Path | None = None,
    vocabulary: str | Path | None = None,
) -> Region:
    """Write a data folder for these counties at out_dir (new or empty), offline; returns what
    was planned. Raises RegionError with an actionable message."""
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise RegionError(f"{out} is not empty; choose a new or empty folder")
    try:
        region = plan_region(
            counties,
            name,
            boundaries=Path(boundaries) if boundaries else None,
            region_shapes=Path(regions) if regions else None,
        )
    except (UnknownCounty, ValueError) as error:
        raise RegionError(str(error)) from None

    vocabulary = Path(vocabulary or DEFAULT_DATA_DIR)
    starters = starter_rows(vocabulary, region.root_id)

    def fill(folder: Path) -> None:
        write_region(region, folder)
        write_rows(folder / "agencies.csv", AGENCY_HEADER, starters)
        for name in ("needs.csv", *NATIONAL_FILES):
            if (vocabulary / name).exists():
                shutil.copyfile(vocabulary / name, folder / name)
        check_folder(folder)

    try:
        write_folder(out, fill, set(DATA_FILES) | set(REGION_FILES))
    except (FileExistsError, OSError) as error:
        raise RegionError(str(error)) from None
    return region
