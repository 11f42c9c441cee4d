"""Reading an HSDS source (CSV package folder, JSON file or folder) into records by table."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..schema import TABLE_NAMES, TABLES
from .flattening import flatten, merge_duplicates
from .report import Fatal, ImportProblem, Problems, Rec

MAX_FILE_BYTES = 32 * 1024 * 1024  # per source file; a county's whole feed is far smaller
REQUIRED_TABLES = ("service", "organization")


def read_source(src: Path, problems: Problems, max_file_bytes: int) -> dict[str, list[Rec]]:
    """Every HSDS record in src, table by table, duplicates by id merged."""
    if not src.exists():
        raise Fatal.about(
            src, "not found", "nothing written; give a CSV data package folder or a JSON file"
        )
    tables: dict[str, list[Rec]] = defaultdict(list)
    if src.is_dir() and (src / TABLES["service"][0]).exists():
        for table, (filename, _) in TABLES.items():
            path = src / filename
            if path.exists():
                tables[table].extend(_read_csv(path, table, problems, max_file_bytes))
        missing = [TABLES[t][0] for t in REQUIRED_TABLES if not (src / TABLES[t][0]).exists()]
    else:
        paths = sorted(src.glob("*.json")) if src.is_dir() else [src]
        paths = [p for p in paths if p.name != "datapackage.json"]
        if not paths:
            raise Fatal.about(
                src,
                "no services.csv and no .json files",
                "nothing written; give a CSV data package folder or a JSON file",
            )
        for path in paths:
            for table, recs in _read_json(path, problems, max_file_bytes).items():
                tables[table].extend(recs)
        missing = [t + " records" for t in REQUIRED_TABLES if not tables.get(t)]
    if missing:
        raise Fatal.about(
            src,
            f"missing table(s): {', '.join(missing)}",
            "nothing written; an HSDS dataset needs at least services and organizations",
        )
    return {table: merge_duplicates(recs, problems) for table, recs in tables.items()}


def _check_size(path: Path, max_file_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_file_bytes:
        raise Fatal.about(
            path,
            f"the file is {size / 2**20:.1f} MB; at most {max_file_bytes / 2**20:.0f} MB per file "
            "is read",
            "nothing written; split the feed or raise the limit (--max-file-mb)",
        )
    return path.read_bytes()


def _read_csv(path: Path, table: str, problems: Problems, max_file_bytes: int) -> list[Rec]:
    raw = _check_size(path, max_file_bytes)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Fatal.about(
            path, f"not UTF-8 text (byte {error.start})", "nothing written; save the file as UTF-8"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as error:
        raise Fatal(
            ImportProblem(
                str(path),
                "line 1",
                None,
                "",
                f"unreadable header ({error})",
                "nothing written",
                True,
            )
        ) from None
    if "id" not in header:
        raise Fatal(
            ImportProblem(
                str(path),
                "line 1",
                None,
                ",".join(header)[:80],
                'header has no "id" column',
                "nothing written",
                True,
            )
        )
    recs = []
    line = 2
    try:
        for values in reader:
            extra = values.pop(None, None)
            rec = Rec(table, path.name, f"line {line}", {k: v for k, v in values.items() if k})
            if extra:
                problems.add(
                    rec,
                    None,
                    ",".join(extra),
                    "row has more fields than the header",
                    "extra fields ignored",
                )
            recs.append(rec)
            line = reader.line_num + 1
    except csv.Error as error:
        raise Fatal(
            ImportProblem(
                str(path),
                f"line {line}",
                None,
                "",
                f"unreadable CSV ({error})",
                "nothing written",
                True,
            )
        ) from None
    return recs


def _read_json(path: Path, problems: Problems, max_file_bytes: int) -> dict[str, list[Rec]]:
    raw = _check_size(path, max_file_bytes)
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Fatal.about(path, f"not valid JSON ({error})") from None
    out: dict[str, list[Rec]] = defaultdict(list)
    name = path.name
    if (
        isinstance(document, dict)
        and document
        and all(key in TABLE_NAMES and isinstance(value, list) for key, value in document.items())
    ):  # tabular: {"services.csv": [...], ...} or {"service": [...], ...}
        for key, rows in document.items():
            for index, obj in enumerate(rows):
                flatten(TABLE_NAMES[key], obj, name, f"{key}[{index}]", out, problems)
        return out
    table = _table_for_file(path.stem, document)
    if table is None:
        problems.add(
            None, None, "", "not an HSDS table, list or dataset", "file ignored", file=name
        )
        return out
    items = (
        document.get("contents")
        if isinstance(document, dict) and "contents" in document
        else document
    )
    if isinstance(items, dict):
        flatten(table, items, name, table, out, problems)
    elif isinstance(items, list):
        for index, obj in enumerate(items):
            flatten(table, obj, name, f"{table}[{index}]", out, problems)
    else:
        problems.add(
            None,
            None,
            type(items).__name__,
            "expected an object or a list of objects",
            "file ignored",
            file=name,
        )
    return out


def _table_for_file(stem: str, document: Any) -> str | None:
    for suffix in ("_full", "_list"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    if stem in TABLE_NAMES:
        return TABLE_NAMES[stem]
    sample = document.get("contents", document) if isinstance(document, dict) else document
    if isinstance(sample, list):
        sample = sample[0] if sample else {}
    if isinstance(sample, dict) and {"name", "status"} <= sample.keys():
        return "service"
    return None
