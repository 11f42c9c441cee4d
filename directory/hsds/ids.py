"""The ids a feed gave its records, kept beside an imported data folder (hsds_ids.csv).

agencies.csv holds one row per agency with our own slug as id. An imported feed's service,
organization and location ids are written here by the importer and read back by the export
and the /hsds API, so a record keeps its source id through import, reload and export. Our
own records have no row: their ids are uuid5 of the agency's `id` column (`hsds_id`), which
does not change when a name does.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

log = logging.getLogger(__name__)

IDS_FILE = "hsds_ids.csv"
IDS_HEADER = ("agency_id", "service_id", "organization_id", "organization_name", "location_id")

FeedIds = Mapping[str, Mapping[str, str]]  # agency id -> column -> feed id


def read_feed_ids(folder: str | Path | None) -> dict[str, dict[str, str]]:
    """agency id -> {service_id, organization_id, organization_name, location_id}; {} if none."""
    if folder is None:
        return {}
    path = Path(folder) / IDS_FILE
    if not path.is_file():
        return {}
    out: dict[str, dict[str, str]] = {}
    try:
        with path.open(encoding="utf-8", newline="") as file:
            for row in csv.DictReader(file):
                agency_id = (row.get("agency_id") or "").strip()
                if agency_id and agency_id not in out:
                    out[agency_id] = {
                        column: (row.get(column) or "").strip() for column in IDS_HEADER[1:]
                    }
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        log.warning("%s unreadable (%s); exported with our own ids", IDS_FILE, error)
        return {}
    return out


def write_feed_ids(path: Path, rows: Iterable[Mapping[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(IDS_HEADER)
        for row in rows:
            writer.writerow([row.get(column, "") for column in IDS_HEADER])
