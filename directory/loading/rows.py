"""Reading the rows of one CSV data file, with every problem named by file, line and column.

A row that cannot be read is skipped and reported; the rest of the file still loads. Problems
that make the whole file untrustworthy are file-level (`is_fatal`): a missing or repeated
header column, a quote that is never closed (it would swallow the lines after it), a header
with no rows, or a file that ends in the middle of a row (cut short or still being saved).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..records import LoadProblem

Record = TypeVar("Record")
MAX_FIELD_CHARS = 20_000
REFUSED = "data version refused; save the whole file again"
# surrogateescape's range, where bytes that aren't UTF-8 end up
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_LINE_BREAKS = ("\n", "\r")


class RowProblem(ValueError):
    """A reason to skip one row, raised by a field parser and caught per row."""

    def __init__(self, column: str, value: str, reason: str):
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


@dataclass(frozen=True, slots=True)
class Row:
    path: Path
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()

    def items(self, column: str) -> list[str]:
        """Semicolon-separated list, blanks dropped."""
        return [item.strip() for item in self.get(column).split(";") if item.strip()]


def fatal(
    path: Path, reason: str, action: str, line: int | None = None, column=None
) -> LoadProblem:
    return LoadProblem(path, line, column, "", reason, action, is_fatal=True)


def read_rows(path: Path, columns: dict, problems: list[LoadProblem]) -> Iterator[Row]:
    """Yield rows of a CSV file (UTF-8 with or without BOM, CRLF or LF), reporting problems.

    A missing or repeated required column is fatal for the file; an unknown column is ignored
    with a warning; a line that is not UTF-8 or has too many fields is skipped.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.append(fatal(path, "file not found", "nothing loaded from it"))
        return
    except OSError as error:
        problems.append(fatal(path, f"cannot read the file ({error.strerror})", "nothing loaded"))
        return
    # Physical lines, split where the csv module splits them, so a reader can restart at any.
    lines = list(io.StringIO(_decode(raw), newline=""))
    if not lines:
        problems.append(fatal(path, "the file is empty; expected a header row", "nothing loaded"))
        return
    try:
        header = [name.strip() for name in next(csv.reader(lines[:1], strict=False))]
    except csv.Error as error:
        problems.append(fatal(path, f"unreadable header ({error})", "nothing loaded"))
        return
    if not _header_is_usable(path, header, columns, problems):
        return
    yield from _records(
        path, lines, header, problems, ends_cleanly=raw.endswith(b"\n") or raw.endswith(b"\r")
    )


def _header_is_usable(path: Path, header: list[str], columns: dict, problems: list) -> bool:
    missing = [name for name in columns["required"] if name not in header]
    if missing:
        problems.append(
            LoadProblem(
                path,
                1,
                None,
                ",".join(header)[:200],
                f"header is missing required column(s) {', '.join(missing)}; expected "
                f"{','.join(columns['required'] + columns['optional'])}",
                "nothing loaded from this file",
                is_fatal=True,
            )
        )
        return False
    known = set(columns["required"]) | set(columns["optional"])
    first: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in known and name in first:
            # dict(zip(header, fields)) would let the later column silently replace the first.
            problems.append(
                LoadProblem(
                    path,
                    1,
                    name,
                    name,
                    f'column "{name}" appears twice in the header (columns {first[name]} and '
                    f"{position}); which one holds the values is unclear",
                    "data version refused; remove or rename one of them (the first is read)",
                    is_fatal=True,
                )
            )
        elif name not in known:
            problems.append(LoadProblem(path, 1, name, name, "unknown column", "column ignored"))
        first.setdefault(name, position)
    return True


def _records(
    path: Path, lines: list[str], header: list[str], problems: list, ends_cleanly: bool
) -> Iterator[Row]:
    """Rows after the header. A record that a quote never closed is reported (file-level) and
    reading restarts on the line after the one where the quote opened, so no line is lost."""
    width = len(header)
    base = 1  # index into lines where the current reader started
    rows = 0
    pending: tuple[Row, int] | None = None
    while base < len(lines):
        reader = csv.reader(iter(lines[base:]), strict=False)
        restart = None
        for before, fields in _safe(reader, path, base, problems):
            first_line = base + before + 1  # 1-based line where this record starts
            consumed = reader.line_num - before
            at_end = base + reader.line_num >= len(lines)
            open_quote = _unclosed_quote(fields, consumed, width, at_end)
            if open_quote is not None:
                problems.append(_runaway_quote(path, header, open_quote, first_line, consumed))
                if consumed > 1:
                    restart = first_line  # index of the line after the one the quote opened on
                    break
                continue
            if not any(field.strip() for field in fields):
                continue
            rows += 1
            if consumed == 1 and len(fields) < width and lines[first_line - 1].count('"') % 2:
                problems.append(_shifted_by_quote(path, first_line))
                continue
            row = _row(path, first_line, fields, header, problems)
            if row is None:
                continue
            if pending is not None:
                yield pending[0]
            pending = (row, len(fields))
        if restart is None:
            break
        base = restart
    if pending is not None:
        row, count = pending
        if count < width and not ends_cleanly:
            problems.append(
                fatal(
                    path,
                    f"the file ends in the middle of line {row.line} ({count} of {width} "
                    "fields): it looks cut short or still being saved",
                    REFUSED,
                    row.line,
                )
            )
            return
        yield row
    elif not rows:
        problems.append(
            fatal(
                path,
                "the file has a header but no rows: it looks cut short or still being saved",
                REFUSED,
            )
        )


def _runaway_quote(path: Path, header: list[str], position: int, line: int, consumed: int):
    swallowed = ""
    if consumed == 2:
        swallowed = f"; line {line + 1} was read into it"
    elif consumed > 2:
        swallowed = f"; lines {line + 1}-{line + consumed - 1} were read into it"
    return fatal(
        path,
        f"a quote opens in this field and is never closed{swallowed}",
        "line skipped, the lines after it read again; data version refused; close the quote "
        '(a quote inside a value is written "")',
        line,
        header[position] if position < len(header) else None,
    )


def _shifted_by_quote(path: Path, line: int) -> LoadProblem:
    """A quote opened and closed in the wrong place on one line: its values are shifted, so
    the column a field parser would name is not the one to fix."""
    return LoadProblem(
        path,
        line,
        None,
        "",
        "the line has an odd number of quotes: a quote is not closed where its value ends, "
        'so the values after it are in the wrong columns (a quote inside a value is written "")',
    )


def _safe(reader, path: Path, offset: int, problems: list) -> Iterator[tuple[int, list[str]]]:
    """(lines read before this record, its fields) for each record the reader can read."""
    while True:
        before = reader.line_num
        try:
            yield before, next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # e.g. a NUL byte; the reader goes on with the next line
            problems.append(
                LoadProblem(path, offset + reader.line_num, None, "", f"unreadable row ({error})")
            )


def _unclosed_quote(fields: list[str], consumed: int, width: int, at_end: bool) -> int | None:
    """The position of a field whose opening quote was never closed, else None.

    A quoted value may hold line breaks (a spreadsheet's Alt+Enter), so spanning lines alone
    is fine; it is a runaway quote when the record then has the wrong number of fields, when
    a line inside the value looks like a whole row, or when the value runs to the file's end.
    """
    if consumed == 1 and not at_end:
        return None  # a value can only hold a line break when its record spans lines
    spanning = [i for i, field in enumerate(fields) if any(b in field for b in _LINE_BREAKS)]
    if not spanning:
        return None
    position = spanning[0]
    if consumed > 1 and len(fields) != width:
        return position
    inner = fields[position].splitlines()[1:]
    if width > 2 and any(line.count(",") >= width - 1 for line in inner):
        return position
    if at_end and fields[-1].endswith(_LINE_BREAKS):
        return len(fields) - 1
    return None


def _row(path: Path, line: int, fields: list[str], header: list[str], problems: list) -> Row | None:
    if any(_UNDECODABLE.search(field) for field in fields):
        problems.append(
            LoadProblem(path, line, None, "", "line is not valid UTF-8; save the file as UTF-8")
        )
        return None
    if len(fields) > len(header):
        problems.append(
            LoadProblem(
                path,
                line,
                None,
                "",
                f"row has {len(fields)} fields but the header has {len(header)} "
                "(an unquoted comma?)",
            )
        )
        return None
    too_long = next((i for i, f in enumerate(fields) if len(f) > MAX_FIELD_CHARS), None)
    if too_long is not None:
        problems.append(
            LoadProblem(
                path,
                line,
                header[too_long],
                fields[too_long][:40] + "...",
                f"field has {len(fields[too_long])} characters; at most {MAX_FIELD_CHARS} allowed",
            )
        )
        return None
    values: dict[str, str] = {}
    for name, field in zip(header, fields):
        values.setdefault(name, field)  # a repeated column is reported above; the first is read
    return Row(path, line, values)


def _decode(raw: bytes) -> str:
    """Decode UTF-8 (BOM optional); undecodable bytes mark their line for skipping."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # surrogateescape keeps line numbers right; rows holding escapes are reported.
        return raw.decode("utf-8", errors="surrogateescape")


def parse_rows(
    path: Path,
    columns: dict,
    problems: list[LoadProblem],
    parse: Callable[[Row], Record],
    key: Callable[[Record], str],
    rejected: list[Row] | None = None,
) -> list[Record]:
    """Parse each row with `parse`; skip and report rows that raise RowProblem or repeat a key
    (rows skipped for a RowProblem are appended to `rejected` when given)."""
    records: list[Record] = []
    seen: dict[str, int] = {}
    for row in read_rows(path, columns, problems):
        try:
            record = parse(row)
        except RowProblem as problem:
            problems.append(
                LoadProblem(path, row.line, problem.column, problem.value, problem.reason)
            )
            if rejected is not None:
                rejected.append(row)
            continue
        record_key = key(record)
        if record_key in seen:
            problems.append(
                LoadProblem(
                    path,
                    row.line,
                    columns["required"][0],
                    record_key,
                    f'duplicate id "{record_key}" (first on line {seen[record_key]})',
                )
            )
            continue
        seen[record_key] = row.line
        records.append(record)
    return records
