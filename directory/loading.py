"""Read a data folder (agencies.csv, regions.csv, needs.csv) into records, reporting problems.

All validation lives here. A bad row is reported as `FILE:LINE: column "X": what is wrong;
what was done` and skipped; every good row loads. A missing file, an unreadable file or a
header without the required columns is fatal for that file, never a traceback.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from geo.areas import AreaTree
from geo.zips import normalise_zip

from .records import (
    AgeGroup,
    Agency,
    Area,
    DataSet,
    Kind,
    Level,
    LoadProblem,
    Need,
    format_phone,
)

# The order agencies.csv is written in (the bundled file, exports and imports).
AGENCY_HEADER = (
    "id",
    "name",
    "kind",
    "levels",
    "age_groups",
    "min_age",
    "max_age",
    "areas",
    "needs",
    "phones",
    "address",
    "latitude",
    "longitude",
    "website",
    "how_to_refer",
    "eligibility",
    "languages",
    "description",
    "source",
    "verified_on",
    "reconstructed",
    "notes",
)
AGENCY_REQUIRED = ("id", "name", "kind", "areas", "source")
AGENCY_COLUMNS = {
    "required": AGENCY_REQUIRED,
    "optional": tuple(column for column in AGENCY_HEADER if column not in AGENCY_REQUIRED),
}
REGION_COLUMNS = {
    "required": ("id", "name", "parent", "zips"),
    "optional": ("straddling_zips", "source", "notes"),
}
NEED_COLUMNS = {
    "required": ("code", "label", "description"),
    "optional": ("synonyms", "open_eligibility"),
}
# Open Eligibility's top-level categories, so a need maps onto a shared taxonomy.
OPEN_ELIGIBILITY = (
    "Emergency",
    "Food",
    "Housing",
    "Goods",
    "Transit",
    "Health",
    "Money",
    "Care",
    "Education",
    "Work",
    "Legal",
)
MAX_FIELD_CHARS = 20_000
MAX_AGE = 120
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATA_FILES = ("needs.csv", "regions.csv", "agencies.csv")


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


def load_data(folder: str | Path) -> DataSet:
    """Load a whole data folder; never raises for bad content, only reports it."""
    folder = Path(folder)
    problems: list[LoadProblem] = []
    needs = _load_needs(folder / "needs.csv", problems)
    areas = _load_regions(folder / "regions.csv", problems)
    agencies = _load_agencies(
        folder / "agencies.csv",
        {need.code for need in needs},
        {area.id for area in areas},
        problems,
    )
    return DataSet(
        folder=folder,
        agencies=tuple(agencies),
        areas=tuple(areas),
        needs=tuple(needs),
        problems=tuple(problems),
        fingerprint=fingerprint(folder),
    )


def fingerprint(folder: str | Path) -> str:
    """Content hash of every data file, so an edited file triggers a rebuild and nothing else."""
    digest = hashlib.sha256()
    folder = Path(folder)
    for path in sorted(folder.glob("*")):
        if path.is_file() and path.suffix in {".csv", ".geojson", ".json"}:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# -- reading rows -----------------------------------------------------------------------


def read_rows(path: Path, columns: dict, problems: list[LoadProblem]) -> Iterator[Row]:
    """Yield rows of a CSV file (UTF-8 with or without BOM, CRLF or LF), reporting problems.

    A missing required column is fatal for the file; an unknown column is ignored with a
    warning; a line that is not UTF-8 or has too many fields is skipped.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.append(_fatal(path, "file not found", "nothing loaded from it"))
        return
    except OSError as error:
        problems.append(_fatal(path, f"cannot read the file ({error.strerror})", "nothing loaded"))
        return
    text = _decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        problems.append(_fatal(path, "the file is empty; expected a header row", "nothing loaded"))
        return
    except csv.Error as error:
        problems.append(_fatal(path, f"unreadable header ({error})", "nothing loaded"))
        return
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
        return
    known = set(columns["required"]) | set(columns["optional"])
    for name in header:
        if name not in known:
            problems.append(LoadProblem(path, 1, name, name, "unknown column", "column ignored"))
    pending: Row | None = None
    pending_fields = 0
    rows = 0
    while True:
        line = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(LoadProblem(path, line, None, "", f"unreadable row ({error})"))
            continue
        if not any(field.strip() for field in fields):
            continue
        rows += 1
        if _is_undecodable(fields):
            problems.append(
                LoadProblem(path, line, None, "", "line is not valid UTF-8; save the file as UTF-8")
            )
            continue
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
            continue
        too_long = next((i for i, f in enumerate(fields) if len(f) > MAX_FIELD_CHARS), None)
        if too_long is not None:
            problems.append(
                LoadProblem(
                    path,
                    line,
                    header[too_long],
                    fields[too_long][:40] + "...",
                    f"field has {len(fields[too_long])} characters; at most "
                    f"{MAX_FIELD_CHARS} allowed",
                )
            )
            continue
        if pending is not None:
            yield pending
        pending = Row(path, line, dict(zip(header, fields)))
        pending_fields = len(fields)
    if pending is not None:
        if pending_fields < len(header) and not raw.endswith((b"\n", b"\r")):
            problems.append(
                LoadProblem(
                    path,
                    pending.line,
                    None,
                    "",
                    f"the file ends in the middle of line {pending.line} ({pending_fields} of "
                    f"{len(header)} fields): it looks cut short or still being saved",
                    "data version refused; save the whole file again",
                    is_fatal=True,
                )
            )
            return
        yield pending
    elif not rows:
        problems.append(
            _fatal(
                path,
                "the file has a header but no rows: it looks cut short or still being saved",
                "data version refused; save the whole file again",
            )
        )


_UNDECODABLE = "\udcff"


def _decode(raw: bytes) -> str:
    """Decode UTF-8 (BOM optional); undecodable bytes mark their line for skipping."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # surrogateescape keeps line numbers right; rows holding escapes are reported.
        return raw.decode("utf-8", errors="surrogateescape")


def _is_undecodable(fields: list[str]) -> bool:
    return any(any("\udc80" <= ch <= _UNDECODABLE for ch in field) for field in fields)


def _fatal(path: Path, reason: str, action: str) -> LoadProblem:
    return LoadProblem(path, None, None, "", reason, action, is_fatal=True)


def parse_rows(
    path: Path,
    columns: dict,
    problems: list[LoadProblem],
    parse: Callable[[Row], object],
    key: Callable[[object], str],
) -> list:
    """Parse each row with `parse`; skip and report rows that raise RowProblem or repeat a key."""
    records: list = []
    seen: dict[str, int] = {}
    for row in read_rows(path, columns, problems):
        try:
            record = parse(row)
        except RowProblem as problem:
            problems.append(
                LoadProblem(path, row.line, problem.column, problem.value, problem.reason)
            )
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


# -- field parsers: each raises RowProblem with the words a maintainer needs ------------


def required(row: Row, column: str) -> str:
    value = row.get(column)
    if not value:
        raise RowProblem(column, "", "required value is missing")
    return value


def slug(row: Row, column: str) -> str:
    value = required(row, column)
    if not SLUG.match(value):
        raise RowProblem(
            column,
            value,
            f'"{value}" is not a valid id; use lowercase letters, digits and hyphens '
            '(e.g. "south-hills")',
        )
    return value


def choices(row: Row, column: str, enum_type: type, *, allow_empty: bool = True) -> frozenset:
    values = row.items(column)
    if not values and not allow_empty:
        raise RowProblem(column, "", "required value is missing")
    allowed = ", ".join(member.value for member in enum_type)
    parsed = set()
    for value in values:
        try:
            parsed.add(enum_type(value.lower()))
        except ValueError:
            raise RowProblem(
                column, value, f'unknown value "{value}"; expected {allowed}'
            ) from None
    return frozenset(parsed)


def codes(row: Row, column: str, known: set[str], what: str, listed_in: str) -> tuple[str, ...]:
    values = row.items(column)
    for value in values:
        if value not in known:
            raise RowProblem(
                column, value, f'unknown {what} "{value}"; use an id listed in {listed_in}'
            )
    return tuple(dict.fromkeys(values))


def optional_int(row: Row, column: str, low: int, high: int) -> int | None:
    return _optional_number(row, column, low, high, int, "a whole number")


def optional_float(row: Row, column: str, low: float, high: float) -> float | None:
    return _optional_number(row, column, low, high, float, "a number")


def _optional_number(row: Row, column: str, low, high, kind: type, what: str):
    value = row.get(column)
    if not value:
        return None
    try:
        number = kind(value)
    except ValueError:
        raise RowProblem(column, value, f'"{value}" is not {what}') from None
    if not low <= number <= high:  # also refuses nan
        raise RowProblem(column, value, f"{number} is outside {low}..{high}")
    return number


def optional_date(row: Row, column: str, today: date | None = None) -> date | None:
    value = row.get(column)
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise RowProblem(column, value, f'"{value}" is not a date; use YYYY-MM-DD') from None
    if parsed > (today or date.today()):
        raise RowProblem(column, value, f"{value} is in the future")
    return parsed


def phones(row: Row, column: str) -> tuple[str, ...]:
    parsed = []
    for value in row.items(column):
        try:
            parsed.append(format_phone(value))
        except ValueError as error:
            raise RowProblem(column, value, str(error)) from None
    return tuple(parsed)


def zips(row: Row, column: str) -> tuple[str, ...]:
    parsed = []
    for value in row.items(column):
        zip_code = normalise_zip(value)
        if zip_code is None:
            raise RowProblem(column, value, f'"{value}" is not a 5-digit ZIP code')
        parsed.append(zip_code)
    return tuple(dict.fromkeys(parsed))


def website(row: Row, column: str) -> str:
    value = row.get(column)
    if not value:
        return ""
    if " " in value or "." not in value or value.lower().startswith(("javascript:", "data:")):
        raise RowProblem(column, value, f'"{value}" is not a web address')
    if not value.lower().startswith(("http://", "https://")):
        value = "http://" + value
    return value


# -- the three files ----------------------------------------------------------------------


def _load_needs(path: Path, problems: list[LoadProblem]) -> list[Need]:
    def parse(row: Row) -> Need:
        category = row.get("open_eligibility")
        if category and category not in OPEN_ELIGIBILITY:
            raise RowProblem(
                "open_eligibility",
                category,
                f'unknown Open Eligibility category "{category}"; expected one of '
                + ", ".join(OPEN_ELIGIBILITY),
            )
        return Need(
            code=slug(row, "code"),
            label=required(row, "label"),
            description=required(row, "description"),
            synonyms=tuple(s.lower() for s in row.items("synonyms")),
            open_eligibility=category,
        )

    return parse_rows(path, NEED_COLUMNS, problems, parse, key=lambda need: need.code)


def _load_regions(path: Path, problems: list[LoadProblem]) -> list[Area]:
    lines: dict[str, int] = {}

    def parse(row: Row) -> Area:
        area_id = slug(row, "id")
        parent = row.get("parent") or None
        if parent is not None and not SLUG.match(parent):
            raise RowProblem("parent", parent, f'"{parent}" is not a valid area id')
        area_zips = zips(row, "zips")
        straddling = zips(row, "straddling_zips")
        stray = [z for z in straddling if z not in area_zips]
        if stray:
            raise RowProblem(
                "straddling_zips",
                ";".join(stray),
                f"{', '.join(stray)} listed as straddling but not among the area's zips",
            )
        lines[area_id] = row.line
        return Area(
            id=area_id,
            name=required(row, "name"),
            parent=parent,
            zips=area_zips,
            straddling_zips=straddling,
            source=row.get("source"),
            notes=row.get("notes"),
        )

    areas = parse_rows(path, REGION_COLUMNS, problems, parse, key=lambda area: area.id)
    return _drop_orphans(path, areas, lines, problems)


def _drop_orphans(
    path: Path, areas: list[Area], lines: dict[str, int], problems: list[LoadProblem]
) -> list[Area]:
    """Drop areas whose parent chain doesn't reach a root (unknown parent or a cycle)."""
    unrooted = AreaTree.build(areas).unrooted  # the one area tree says which, and why
    kept = []
    for area in areas:
        reason = unrooted.get(area.id)
        if reason is None:
            kept.append(area)
        else:
            problems.append(LoadProblem(path, lines[area.id], "parent", area.parent or "", reason))
    if areas and not any(area.parent is None for area in kept):
        problems.append(
            _fatal(
                path,
                "no area without a parent; one root area (the whole region) is needed",
                "areas unusable",
            )
        )
    return kept


def _load_agencies(
    path: Path, need_codes: set[str], area_ids: set[str], problems: list[LoadProblem]
) -> list[Agency]:
    def parse(row: Row) -> Agency:
        agency_id = slug(row, "id")
        name = required(row, "name")
        kind_text = required(row, "kind")
        try:
            kind = Kind(kind_text.lower())
        except ValueError:
            raise RowProblem(
                "kind", kind_text, f'unknown kind "{kind_text}"; expected formal or informal'
            ) from None
        areas = codes(row, "areas", area_ids, "area", "regions.csv")
        if not areas:
            raise RowProblem("areas", "", "required value is missing; list at least one area id")
        min_age = optional_int(row, "min_age", 0, MAX_AGE)
        max_age = optional_int(row, "max_age", 0, MAX_AGE)
        if min_age is not None and max_age is not None and min_age > max_age:
            raise RowProblem(
                "max_age", str(max_age), f"max_age {max_age} is below min_age {min_age}"
            )
        latitude = optional_float(row, "latitude", -90, 90)
        longitude = optional_float(row, "longitude", -180, 180)
        if (latitude is None) != (longitude is None):
            column = "longitude" if longitude is None else "latitude"
            raise RowProblem(column, "", "latitude and longitude go together; one is missing")
        reconstructed = tuple(row.items("reconstructed"))
        unknown = [
            c
            for c in reconstructed
            if c not in AGENCY_COLUMNS["optional"] + AGENCY_COLUMNS["required"]
        ]
        if unknown:
            raise RowProblem(
                "reconstructed", ";".join(unknown), f"names unknown column(s) {', '.join(unknown)}"
            )
        age_groups = choices(row, "age_groups", AgeGroup)
        return Agency(
            id=agency_id,
            name=name,
            kind=kind,
            levels=choices(row, "levels", Level),
            # No age group listed means the support is open to every age.
            age_groups=age_groups or frozenset(AgeGroup),
            area_ids=areas,
            needs=frozenset(codes(row, "needs", need_codes, "need", "needs.csv")),
            phones=phones(row, "phones"),
            source=required(row, "source"),
            verified_on=optional_date(row, "verified_on"),
            min_age=min_age,
            max_age=max_age,
            description=row.get("description"),
            address=row.get("address"),
            latitude=latitude,
            longitude=longitude,
            website=website(row, "website"),
            how_to_refer=row.get("how_to_refer"),
            eligibility=row.get("eligibility"),
            languages=tuple(row.items("languages")),
            reconstructed=reconstructed,
            notes=row.get("notes"),
        )

    return parse_rows(path, AGENCY_COLUMNS, problems, parse, key=lambda agency: agency.id)


def summary(data: DataSet) -> str:
    """'12 agencies, 3 supports loaded; 1 row rejected' for the CLI and status page."""
    formal = sum(1 for a in data.agencies if a.kind is Kind.FORMAL)
    informal = len(data.agencies) - formal
    rejected = data.rejected_rows
    fatal = sum(1 for p in data.problems if p.is_fatal)
    text = (
        f"{formal} agencies, {informal} supports, {len(data.areas)} areas, "
        f"{len(data.needs)} needs loaded; {rejected} row{'s' if rejected != 1 else ''} rejected"
    )
    if fatal:
        text += f"; {fatal} file{'s' if fatal != 1 else ''} unusable"
    return text
