"""Writing the converted rows as a data folder, loaded back and swapped in only when clean."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from ...loading import AGENCY_HEADER, DATA_FILES, NEED_COLUMNS, REGION_COLUMNS, load_data
from ..crosswalk import CROSSWALK_FILE
from ..export import write_folder
from ..ids import IDS_FILE, write_feed_ids
from ..package import FEED_FOLDER, FEED_MANIFEST, write_kept_tables
from .converting import Converted
from .report import Fatal

REGION_HEADER = REGION_COLUMNS["required"] + REGION_COLUMNS["optional"]
NEED_HEADER = NEED_COLUMNS["required"] + NEED_COLUMNS["optional"]


def write_data_folder(converted: Converted, out_dir: Path) -> tuple[int, int, int]:
    """Write the data folder beside out_dir, load it back, and swap it in only if clean.

    Besides the three directory files: `hsds/`, the feed's own records as an HSDS 3.0 CSV
    package (ids included) with its manifest `hsds_package.json`, and `hsds_ids.csv`, which
    agency came from which feed service.
    """
    counts: list[int] = []

    def fill(folder: Path) -> None:
        _write_csv(folder / "needs.csv", NEED_HEADER, converted.needs)
        _write_csv(folder / "regions.csv", REGION_HEADER, converted.areas)
        _write_csv(folder / "agencies.csv", AGENCY_HEADER, converted.agencies)
        write_kept_tables(converted.kept, folder)
        write_feed_ids(folder / IDS_FILE, converted.feed_ids)
        if converted.crosswalk_file is not None:  # the county's crosswalk goes with its data
            shutil.copyfile(converted.crosswalk_file, folder / CROSSWALK_FILE)
        if converted.extents:
            features = [
                {
                    "type": "Feature",
                    "properties": {"id": area_id, "source": "HSDS extent"},
                    "geometry": geometry,
                }
                for area_id, geometry in converted.extents.items()
            ]
            (folder / "regions.geojson").write_text(
                json.dumps(
                    {"type": "FeatureCollection", "features": features}, separators=(",", ":")
                )
                + "\n",
                encoding="utf-8",
            )
        data = load_data(folder)
        if data.problems or len(data.agencies) != len(converted.agencies):
            # A bug of ours, not of the source: say so, and write nothing.
            details = "; ".join(str(problem) for problem in data.problems[:5])
            raise Fatal.about(
                out_dir,
                f"the converted data did not load cleanly ({details})",
                "nothing written; please report this as a bug",
            )
        counts.extend((len(data.agencies), len(data.areas), len(data.needs)))

    try:
        # replaced by a new import (the crosswalk: by the one it used, if not the bundled one)
        ours = {*DATA_FILES, FEED_FOLDER, FEED_MANIFEST, IDS_FILE, CROSSWALK_FILE}
        write_folder(out_dir, fill, ours, keep_others=True)
    except (FileExistsError, OSError) as error:
        raise Fatal.about(out_dir, str(error)) from None
    return counts[0], counts[1], counts[2]


def _write_csv(path: Path, header: Iterable[str], rows: Iterable[Mapping[str, str]]) -> None:
    header = tuple(header)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(column, "") for column in header])
