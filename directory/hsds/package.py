"""The HSDS 3.0 CSV data package: one file per table, written by the export and by the import.

Besides the 3.0 tables it holds HSDS 3.1's service_capacity, unit and url (`PACKAGE_TABLES`),
each a resource of our descriptor; the official 3.0 descriptor names only its own files.

An import keeps the feed's own records, ids included, as such a package in the `hsds/`
folder of the data folder it writes (`FEED_FOLDER`); the export and the /hsds API read them
back with `read_kept_tables`, so what a feed said leaves the directory as it came in.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from .schema import (
    HSDS_VERSION,
    NUMBER_FIELDS,
    PACKAGE_TABLES,
    TABLES,
    Tables,
    csv_value,
    empty_tables,
)

FEED_FOLDER = "hsds"  # inside a data folder: the imported feed's own tables
# Beside it, at the top of the data folder: each kept file's digest and row count. The data
# folder's fingerprint (and its snapshots) cover top-level files only, so this is what makes
# a change to the kept tables alone (a location's phone) a new data version.
FEED_MANIFEST = "hsds_package.json"

log = logging.getLogger(__name__)


def write_csv_tables(tables: Tables, folder: Path) -> None:
    """Every table of the data package as CSV, headers exactly as the datapackage lists them:
    the 3.0 tables, then the 3.1 ones (service_capacity, unit, url)."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, (filename, columns) in PACKAGE_TABLES.items():
        with (folder / filename).open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(columns)
            for row in tables.get(table, ()):
                writer.writerow([csv_value(row.get(column)) for column in columns])
    (folder / "datapackage.json").write_text(
        json.dumps(datapackage_descriptor(), indent=2) + "\n", encoding="utf-8"
    )


def write_kept_tables(tables: Tables, data_folder: Path) -> None:
    """A feed's own records as `data_folder/hsds/` plus the manifest `FEED_MANIFEST`."""
    folder = data_folder / FEED_FOLDER
    write_csv_tables(tables, folder)
    files = {}
    for path in sorted(folder.iterdir()):
        table = next((t for t, (name, _) in PACKAGE_TABLES.items() if name == path.name), None)
        files[path.name] = {
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "rows": len(tables.get(table, ())) if table else None,
        }
    manifest = {"folder": FEED_FOLDER, "hsds_version": HSDS_VERSION, "files": files}
    (data_folder / FEED_MANIFEST).write_text(
        json.dumps(manifest, indent=1) + "\n", encoding="utf-8"
    )


def datapackage_descriptor() -> dict:
    """A minimal Frictionless descriptor naming each HSDS table, its file and columns."""

    def field_type(table: str, column: str) -> str:
        return "number" if column in NUMBER_FIELDS.get(table, ()) else "string"

    return {
        "profile": "tabular-data-package",
        "name": "human_services_data",
        "title": "Human Services Data Specification 3.0 export of a service directory "
        "(with the HSDS 3.1 tables service_capacity, unit and url)",
        "resources": [
            {
                "name": table,
                "path": filename,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "primaryKey": "id",
                    "fields": [
                        {"name": column, "type": field_type(table, column)} for column in columns
                    ],
                },
            }
            for table, (filename, columns) in PACKAGE_TABLES.items()
        ],
    }


def read_kept_tables(data_folder: str | Path | None) -> Tables | None:
    """The feed tables an import kept in `data_folder/hsds/`, typed; None when there are none.

    Written by our own importer, so a table we cannot read is treated as absent (the export
    then falls back to rows made from agencies.csv) rather than failing the whole directory;
    the log says which. No size cap: the import bounded what it read.
    """
    if data_folder is None:
        return None
    folder = Path(data_folder) / FEED_FOLDER
    if not (folder / TABLES["service"][0]).is_file():
        return None
    tables = empty_tables()
    for table, (filename, columns) in PACKAGE_TABLES.items():
        path = folder / filename
        if not path.is_file():
            continue
        try:
            with path.open(encoding="utf-8", newline="") as file:
                tables[table] = [
                    _typed(table, row, columns) for row in csv.DictReader(file) if row.get("id")
                ]
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            log.warning("kept feed table %s/%s unreadable (%s)", FEED_FOLDER, filename, error)
            tables[table] = []
    return tables


def _typed(table: str, row: dict[str, str | None], columns: tuple[str, ...]) -> dict[str, Any]:
    """A CSV row with absent values as None and number columns as numbers."""
    numbers = NUMBER_FIELDS.get(table, frozenset())
    out: dict[str, Any] = {}
    for column in columns:
        text = row.get(column)
        if text is None or text == "":
            out[column] = None
        elif column in numbers:
            out[column] = _number(text)
        else:
            out[column] = text
    return out


def _number(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text  # not a number after all: kept as written rather than lost
