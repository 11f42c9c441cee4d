"""Reading an HSDS source into records by table, refusing what could hang or exhaust us.

A source is a file or a folder, walked recursively. CSV files say their table by name
(HSDS 1.x/2.0 names too); JSON and NDJSON files are read by content: a tabular document
({"services": [...], ...}), a paged list ({"contents": [...]}), a list, or one object, each
object's table said by its shape (`shapes.table_for_shape`), with the file or folder name
("services/<id>.json", "organization_<id>.json") as the tie-breaker.

Every file is checked before it is read: only regular files (never a FIFO, device or
socket, whatever a symlink points at), at most `max_file_bytes` read whatever the file
system says its size is, JSON nested at most `MAX_JSON_DEPTH` deep. Each file, table, record
or column that cannot be used is reported (file, line or record, reason).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from collections import defaultdict
from itertools import accumulate
from pathlib import Path
from typing import Any

from .flattening import Normaliser, flatten
from .report import Fatal, ImportProblem, Problems, Rec
from .shapes import table_for_name, table_for_shape

MAX_FILE_BYTES = 32 * 1024 * 1024  # per source file; a county's whole feed is far smaller
MAX_JSON_DEPTH = 64  # HSDS nests about 8 deep; Python's own parser stops near 1,000
MAX_FILES = 20_000  # files in one source folder
REQUIRED_TABLES = ("service", "organization")
DESCRIPTORS = frozenset({"datapackage.json"})  # describe a package; hold no records
JSON_SUFFIXES = (".json", ".geojson")
NDJSON_SUFFIXES = (".ndjson", ".jsonl")
CORE_TABLES = frozenset({"service", "organization", "location"})  # their CSVs need an id column


def read_source(src: Path, problems: Problems, max_file_bytes: int) -> dict[str, list[Rec]]:
    """Every HSDS record in src, table by table, named in 3.0 terms, duplicates resolved."""
    if not src.exists():
        raise Fatal.about(
            src, "not found", "nothing written; give a CSV data package folder or a JSON file"
        )
    reader = _Reader(src, problems, max_file_bytes)
    paths = reader.walk(src) if src.is_dir() else [src]
    if not paths:
        raise Fatal.about(
            src,
            "no CSV, JSON or NDJSON files",
            "nothing written; give a CSV data package folder or a JSON file",
        )
    for path in paths:
        reader.read(path)
    tables = reader.normaliser.finish()
    missing = [
        (f"{_csv_name(table)}" if reader.read_csv else f"{table} records")
        for table in REQUIRED_TABLES
        if not tables.get(table)
    ]
    if missing:
        raise Fatal.about(
            src,
            f"missing table(s): {', '.join(missing)}",
            "nothing written; an HSDS dataset needs at least services and organizations",
        )
    return tables


def read_capped(path: Path, max_bytes: int, name: str | None = None) -> bytes:
    """The bytes of a regular file, at most max_bytes of them; anything else is Fatal.

    Never trusts st_size (a symlink to /dev/zero says 0): reads at most max_bytes + 1.
    Opens without blocking, so a FIFO swapped in after the check cannot hang the read.
    """
    shown = name or str(path)
    try:
        kind = _kind(os.stat(path).st_mode)
        if kind:
            raise Fatal.about(
                shown,
                f"not a regular file ({kind})",
                "nothing written; only regular files are read",
            )
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as file:
            kind = _kind(os.fstat(file.fileno()).st_mode)
            if kind:
                raise Fatal.about(
                    shown,
                    f"not a regular file ({kind})",
                    "nothing written; only regular files are read",
                )
            data = file.read(max_bytes + 1)
    except OSError as error:
        raise Fatal.about(shown, f"unreadable ({error.strerror or error})") from None
    if len(data) > max_bytes:
        raise Fatal.about(
            shown,
            f"the file holds more than {_size(max_bytes)}; at most {_size(max_bytes)} per file "
            "is read",
            "nothing written; split the feed or raise the limit (--max-file-mb)",
        )
    return data


def _size(n: int) -> str:
    return (
        f"{n / 2**20:.0f} MB"
        if n >= 2**20
        else f"{n / 2**10:.0f} KB"
        if n >= 2**10
        else f"{n} bytes"
    )


def json_depth(raw: str) -> int:
    """How deep the arrays and objects of a JSON text nest (strings don't count)."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", raw))
    return max(accumulate(1 if c in "[{" else -1 for c in brackets), default=0)


_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')  # linear: no two ways to match a char
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return ""
    for test, name in (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "not a file"


def _csv_name(table: str) -> str:
    from ..schema import TABLES

    return TABLES[table][0]


class _Reader:
    def __init__(self, src: Path, problems: Problems, max_file_bytes: int):
        self.src = src
        self.problems = problems
        self.max_file_bytes = max_file_bytes
        self.normaliser = Normaliser(problems)
        self.read_csv = False

    def name(self, path: Path) -> str:
        """How a file is named in the report: its path inside the source folder."""
        if path == self.src or not self.src.is_dir():
            return path.name
        return path.relative_to(self.src).as_posix()

    # walking

    def walk(self, folder: Path) -> list[Path]:
        """Data files under folder, recursively, in name order; others reported."""
        found: list[Path] = []

        def unreadable(error: OSError) -> None:
            self.problems.add(
                None,
                None,
                "",
                f"folder unreadable ({error.strerror or error})",
                "folder skipped",
                file=self.name(Path(error.filename)) if error.filename else str(folder),
            )

        for root, dirs, files in os.walk(folder, onerror=unreadable):
            here = Path(root)
            for name in sorted(dirs):
                path = here / name
                if name.startswith("."):
                    self._skip(path, "a hidden folder", "not read")
                elif path.is_symlink():
                    self._skip(path, "a symbolic link to a folder", "folder skipped")
            dirs[:] = sorted(
                d for d in dirs if not d.startswith(".") and not (here / d).is_symlink()
            )
            for name in sorted(files):
                path = here / name
                lower = name.lower()
                if name in DESCRIPTORS:
                    continue
                if name.startswith("."):
                    self._skip(path, "a hidden file", "not read")
                elif lower.endswith((".csv", *JSON_SUFFIXES, *NDJSON_SUFFIXES)):
                    found.append(path)
                    if len(found) > MAX_FILES:
                        raise Fatal.about(
                            folder,
                            f"more than {MAX_FILES} data files",
                            "nothing written; give the folder of one feed",
                        )
                else:
                    self._skip(path, "not a CSV, JSON or NDJSON file", "not read")
        return found

    def _skip(self, path: Path, reason: str, action: str) -> None:
        self.problems.add(None, None, "", reason, action, file=self.name(path))

    def read(self, path: Path) -> None:
        lower = path.name.lower()
        if lower.endswith(".csv"):
            self._csv(path)
        elif lower.endswith(NDJSON_SUFFIXES):
            self._ndjson(path, self._text(path))
        else:
            self._json(path)

    def _text(self, path: Path) -> str:
        name = self.name(path)
        raw = read_capped(path, self.max_file_bytes, name)
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise Fatal.about(
                name,
                f"not UTF-8 text (byte {error.start}); not valid JSON or CSV",
                "nothing written; save the file as UTF-8",
            ) from None

    # CSV

    def _csv(self, path: Path) -> None:
        name = self.name(path)
        table = table_for_name(path.name, loose=False)
        text = self._text(path)
        self.read_csv = True
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            header = reader.fieldnames or []
        except csv.Error as error:
            raise Fatal(
                ImportProblem(
                    name,
                    "line 1",
                    None,
                    "",
                    f"unreadable header ({error})",
                    "nothing written",
                    True,
                )
            ) from None
        if table == "taxonomy" and path.name.lower() == "taxonomy.csv":
            if {"vocabulary", "parent_id", "parent_name"} & set(header):
                table = "taxonomy_1x"  # HSDS 1.x: taxonomy.csv held the terms
        if table is None:
            self.problems.add(
                None,
                None,
                ",".join(header)[:80],
                "not an HSDS table (the file name names none)",
                "file ignored",
                file=name,
            )
            return
        if "id" not in header and table in CORE_TABLES:
            raise Fatal(
                ImportProblem(
                    name,
                    "line 1",
                    None,
                    ",".join(header)[:80],
                    'header has no "id" column',
                    "nothing written",
                    True,
                )
            )
        duplicated = sorted({c for c in header if c and header.count(c) > 1})
        if duplicated:
            raise Fatal(
                ImportProblem(
                    name,
                    "line 1",
                    duplicated[0],
                    ",".join(duplicated),
                    "the header names a column twice",
                    "nothing written; rename or remove one of them",
                    True,
                )
            )
        line = 2
        try:
            for values in reader:
                extra = values.pop(None, None)
                rec = Rec(table, name, f"line {line}", {k: v for k, v in values.items() if k})
                if extra:
                    self.problems.add(
                        rec,
                        None,
                        ",".join(extra),
                        "row has more fields than the header",
                        "extra fields ignored",
                    )
                self.normaliser.add(rec, raw=True)
                line = reader.line_num + 1
        except csv.Error as error:
            raise Fatal(
                ImportProblem(
                    name,
                    f"line {line}",
                    None,
                    "",
                    f"unreadable CSV ({error})",
                    "nothing written",
                    True,
                )
            ) from None

    # JSON

    def _parse(self, path: Path, text: str) -> Any:
        name = self.name(path)
        depth = json_depth(text)
        if depth > MAX_JSON_DEPTH:
            raise Fatal.about(
                name,
                f"not usable JSON: nested {depth} deep; at most {MAX_JSON_DEPTH} levels are read",
                "nothing written",
            )
        try:
            return json.loads(text)
        except RecursionError:
            raise Fatal.about(name, "not usable JSON: nested too deep", "nothing written") from None

    def _json(self, path: Path) -> None:
        name = self.name(path)
        text = self._text(path)
        try:
            document = self._parse(path, text)
        except json.JSONDecodeError as error:
            if error.msg == "Extra data" and text.lstrip().startswith("{"):
                self._ndjson(path, text)  # one object per line, named .json
                return
            raise Fatal.about(name, f"not valid JSON ({error})") from None
        hint = self._hint(path)
        if isinstance(document, dict) and isinstance(document.get("contents"), list):
            items = document["contents"]  # a paged list, as the HSDS API answers
            self._objects(items, name, hint, lambda i: f"contents[{i}]")
            return
        if isinstance(document, dict) and document:
            tabular = {
                key: table
                for key, value in document.items()
                if isinstance(value, list) and (table := table_for_name(key))
            }
            if tabular and "id" not in document:  # {"services": [...], "version": "3.0"}
                for key, value in document.items():
                    if key not in tabular:
                        lost = value not in (None, "", [], {}) and isinstance(value, (list, dict))
                        self.problems.add(
                            None,
                            key,
                            json.dumps(value)[:80],
                            "not an HSDS table",
                            "ignored" if lost else "not read",
                            file=name,
                        )
                        continue
                    for index, obj in enumerate(value):
                        self._object(obj, name, tabular[key], f"{key}[{index}]")
                return
            table = table_for_shape(document, hint)
            if table is None:
                self.problems.add(
                    None,
                    None,
                    ",".join(document)[:80],
                    "no HSDS record here: the object's fields match no table",
                    "file ignored",
                    file=name,
                )
                return
            self._object(document, name, table, table)
            return
        if isinstance(document, list):
            self._objects(document, name, hint, lambda i: f"[{i}]")
            return
        self.problems.add(
            None,
            None,
            type(document).__name__,
            "expected an object or a list of objects",
            "file ignored",
            file=name,
        )

    def _ndjson(self, path: Path, text: str) -> None:
        name = self.name(path)
        hint = self._hint(path)
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"line {number}"
            try:
                obj = self._parse(path, line)
            except json.JSONDecodeError as error:
                self.problems.add(
                    Rec(hint or "", name, where, {}),
                    None,
                    line,
                    f"not valid JSON ({error.msg}, column {error.colno})",
                    "record skipped",
                )
                continue
            self._objects([obj], name, hint, lambda _i, where=where: where)

    def _objects(self, items: list, name: str, hint: str | None, where) -> None:
        for index, obj in enumerate(items):
            table = table_for_shape(obj, hint) if isinstance(obj, dict) else hint
            if table is None:
                self.problems.add(
                    Rec("", name, where(index), {}),
                    None,
                    json.dumps(obj)[:80] if not isinstance(obj, dict) else ",".join(obj)[:80],
                    "no HSDS record: the object's fields match no table"
                    if isinstance(obj, dict)
                    else "expected an object",
                    "record skipped",
                )
                continue
            self._object(obj, name, table, where(index))

    def _object(self, obj: Any, name: str, table: str, where: str) -> None:
        out: dict[str, list[Rec]] = defaultdict(list)
        flatten(table, obj, name, where, out, self.problems)
        for recs in out.values():
            for rec in recs:
                self.normaliser.add(rec)

    def _hint(self, path: Path) -> str | None:
        """The table a file's name, or its folder's, names ("services/12.json")."""
        table = table_for_name(path.name)
        if table is None and path != self.src:
            table = table_for_name(path.parent.name)
        return table
