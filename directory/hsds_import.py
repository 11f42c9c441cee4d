"""Open Referral HSDS 3.0 -> a data folder this service loads (agencies, regions, needs).

Reads a CSV data package folder, an HSDS JSON file (tabular, a list, a paged list or one
fully nested object) or a folder of them. Maps what maps onto our records, keeps every other
non-empty field in the agency's notes, and reports each record or field it could not use as
an `ImportProblem` (file, record, field, reason, what was done).

All or nothing: the folder is written beside the target, loaded back with `load_data`, and
swapped in only when it loads with zero problems; a fatal problem (missing table, unreadable
or oversized file, no usable service) writes nothing at all.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .config import DEFAULT_DATA_DIR
from .hsds import (
    AGE_GROUP,
    AREA,
    CATEGORY_PREFIX,
    KIND,
    LEVEL,
    NEED,
    NUMBER_FIELDS,
    RECORD,
    TABLES,
    TAXONOMY_BY_URI,
    join_address,
    write_folder,
)
from .loading import (
    AGENCY_HEADER,
    DATA_FILES,
    MAX_AGE,
    MAX_FIELD_CHARS,
    NEED_COLUMNS,
    OPEN_ELIGIBILITY,
    REGION_COLUMNS,
    SLUG,
    Row,
    RowProblem,
    load_data,
    website,
)
from .records import AgeGroup, Kind, Level, Need, format_phone

MAX_FILE_BYTES = 32 * 1024 * 1024  # per source file; a county's whole feed is far smaller
REQUIRED_TABLES = ("service", "organization")
REGION_HEADER = REGION_COLUMNS["required"] + REGION_COLUMNS["optional"]
NEED_HEADER = NEED_COLUMNS["required"] + NEED_COLUMNS["optional"]
SKIPPED_STATUSES = ("inactive", "defunct")

# Which table a foreign-key column points at.
LINKS = {
    "organization_id": "organization",
    "service_id": "service",
    "location_id": "location",
    "program_id": "program",
    "contact_id": "contact",
    "phone_id": "phone",
    "service_at_location_id": "service_at_location",
    "taxonomy_term_id": "taxonomy_term",
    "taxonomy_id": "taxonomy",
    "parent_organization_id": "organization",
}
# Nested keys of HSDS JSON objects: key -> child table.
NESTED = {
    "phones": "phone",
    "schedules": "schedule",
    "service_areas": "service_area",
    "service_at_locations": "service_at_location",
    "languages": "language",
    "funding": "funding",
    "fundings": "funding",
    "cost_options": "cost_option",
    "required_documents": "required_document",
    "contacts": "contact",
    "attributes": "attribute",
    "metadata": "metadata",
    "addresses": "address",
    "accessibility": "accessibility",
    "locations": "location",
    "programs": "program",
    "services": "service",
    "organization_identifiers": "organization_identifier",
    "organization": "organization",
    "program": "program",
    "location": "location",
    "service": "service",
    "taxonomy_term": "taxonomy_term",
    "taxonomy_detail": "taxonomy",
}
# Names a JSON file or tabular key may use for a table: "services", "services.csv", "service".
TABLE_NAMES = (
    {name: name for name in TABLES}
    | {filename[: -len(".csv")]: table for table, (filename, _) in TABLES.items()}
    | {filename: table for table, (filename, _) in TABLES.items()}
    | {
        "service_at_locations": "service_at_location",
        "taxonomy_terms": "taxonomy_term",
    }
)


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One thing in the HSDS source we could not use, and what we did about it."""

    file: str
    record: str  # "line 7" for CSV, "services[2].phones[0]" for JSON, "" for the whole file
    field: str | None
    value: str
    reason: str
    action: str
    is_fatal: bool = False

    def __str__(self) -> str:
        where = f"{self.file} {self.record}".strip()
        column = f' field "{self.field}":' if self.field else ""
        return f"{where}:{column} {self.reason}; {self.action}"

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "record": self.record,
            "field": self.field,
            "value": self.value,
            "reason": self.reason,
            "action": self.action,
            "fatal": self.is_fatal,
            "message": str(self),
        }


@dataclass(frozen=True)
class ImportReport:
    """What an import did: counts, every problem, and whether the data folder was written."""

    source: Path
    out_dir: Path
    written: bool
    agencies: int = 0
    areas: int = 0
    needs: int = 0
    skipped_services: int = 0
    problems: tuple[ImportProblem, ...] = ()
    kept_in_notes: Mapping[str, int] = field(default_factory=dict)  # "service.email" -> count

    @property
    def has_fatal_problem(self) -> bool:
        return any(problem.is_fatal for problem in self.problems)

    def summary(self) -> str:
        if not self.written:
            fatal = sum(1 for p in self.problems if p.is_fatal)
            return (
                f"Nothing written to {self.out_dir}: {fatal} fatal problem"
                f"{'s' if fatal != 1 else ''} in {self.source}."
            )
        return (
            f"Wrote {self.out_dir}: {self.agencies} agencies, {self.areas} areas, "
            f"{self.needs} needs; {self.skipped_services} service"
            f"{'s' if self.skipped_services != 1 else ''} skipped; {len(self.problems)} problem"
            f"{'s' if len(self.problems) != 1 else ''} reported."
        )

    def to_json(self) -> dict:
        return {
            "source": str(self.source),
            "out_dir": str(self.out_dir),
            "written": self.written,
            "agencies": self.agencies,
            "areas": self.areas,
            "needs": self.needs,
            "skipped_services": self.skipped_services,
            "kept_in_notes": dict(self.kept_in_notes),
            "summary": self.summary(),
            "problems": [problem.to_json() for problem in self.problems],
        }


class Fatal(Exception):
    """Stops an import: nothing is written. Carries the problem to report."""

    def __init__(self, problem: ImportProblem):
        super().__init__(str(problem))
        self.problem = problem

    @classmethod
    def about(cls, file: object, reason: str, action: str = "nothing written") -> Fatal:
        """A problem with a whole file or folder (no record, field or value to point at)."""
        return cls(ImportProblem(str(file), "", None, "", reason, action, True))


@dataclass
class Rec:
    """One HSDS record as read: where it came from and its field values."""

    table: str
    file: str
    where: str
    values: dict[str, Any]

    def text(self, name: str) -> str:
        value = self.values.get(name)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    @property
    def id(self) -> str:
        return self.text("id")


class Problems(list):
    def add(
        self,
        rec: Rec | None,
        field_name: str | None,
        value: Any,
        reason: str,
        action: str,
        *,
        file: str = "",
        fatal: bool = False,
    ) -> None:
        self.append(
            ImportProblem(
                file=rec.file if rec else file,
                record=rec.where if rec else "",
                field=field_name,
                value=_short(value),
                reason=reason,
                action=action,
                is_fatal=fatal,
            )
        )


def _short(value: Any, limit: int = 80) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- public entry point ---------------------------------------------------------------------


def import_hsds(
    src: str | Path,
    out_dir: str | Path,
    *,
    region_name: str = "All areas",
    max_file_bytes: int = MAX_FILE_BYTES,
    vocabulary: str | Path | None = None,
) -> ImportReport:
    """Convert an HSDS dataset into a data folder at out_dir, all or nothing.

    `region_name` names the root service area made for datasets that don't carry our area
    tree; `vocabulary` is a data folder whose needs.csv is used when the dataset has no need
    taxonomy of ours (default: the bundled data).
    """
    src, out_dir = Path(src), Path(out_dir)
    problems = Problems()
    try:
        tables = read_source(src, problems, max_file_bytes)
        converted = _Converter(tables, problems, src, region_name, vocabulary).convert()
        counts = _write(converted, out_dir)
    except Fatal as stop:
        problems.append(stop.problem)
        return ImportReport(src, out_dir, written=False, problems=tuple(problems))
    return ImportReport(
        src,
        out_dir,
        written=True,
        agencies=counts[0],
        areas=counts[1],
        needs=counts[2],
        skipped_services=converted.skipped,
        problems=tuple(problems),
        kept_in_notes=dict(sorted(converted.kept_in_notes.items())),
    )


# -- reading --------------------------------------------------------------------------------


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
    return {table: _merge_duplicates(recs, problems) for table, recs in tables.items()}


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
                _flatten(TABLE_NAMES[key], obj, name, f"{key}[{index}]", out, problems)
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
        _flatten(table, items, name, table, out, problems)
    elif isinstance(items, list):
        for index, obj in enumerate(items):
            _flatten(table, obj, name, f"{table}[{index}]", out, problems)
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


def _flatten(
    table: str,
    obj: Any,
    file: str,
    where: str,
    out: dict[str, list[Rec]],
    problems: Problems,
    parent: Rec | None = None,
) -> None:
    """One nested HSDS object -> flat records, each child linked to its parent by id."""
    if not isinstance(obj, dict):
        problems.add(
            Rec(table, file, where, {}),
            None,
            _short(obj),
            f"expected a {table} object",
            "record skipped",
        )
        return
    columns = TABLES[table][1]
    numbers = NUMBER_FIELDS.get(table, frozenset())
    rec = Rec(table, file, where, {})
    nested: list[tuple[str, Any]] = []
    for key, value in obj.items():
        if key in NESTED and (isinstance(value, (list, dict)) or key not in columns):
            nested.append((key, value))
        elif value is None:
            continue
        elif isinstance(value, (dict, list)):
            problems.add(
                rec,
                key,
                json.dumps(value)[:80],
                "expected a single value, not a "
                + ("list" if isinstance(value, list) else "object"),
                "value dropped",
            )
        elif isinstance(value, bool):
            problems.add(
                rec,
                key,
                value,
                f"expected text or a number, got {json.dumps(value)}",
                "value dropped",
            )
        elif key not in numbers and isinstance(value, (int, float)) and key in columns:
            problems.add(rec, key, value, f"expected text, got the number {value}", "read as text")
            rec.values[key] = str(value)
        else:
            rec.values[key] = value
    if parent is not None:
        _link_to_parent(rec, parent)
    out[table].append(rec)
    for key, value in nested:
        child_table = NESTED[key]
        if isinstance(value, dict):
            _flatten(child_table, value, file, f"{where}.{key}", out, problems, rec)
            if key in ("organization", "program", "location"):
                rec.values.setdefault(f"{key}_id", value.get("id"))
            elif key == "taxonomy_term":
                rec.values.setdefault("taxonomy_term_id", value.get("id"))
            elif key == "taxonomy_detail":
                rec.values.setdefault("taxonomy_id", value.get("id"))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                _flatten(child_table, child, file, f"{where}.{key}[{index}]", out, problems, rec)
        else:
            problems.add(
                rec, key, value, f"expected a list of {child_table} objects", "value dropped"
            )


def _link_to_parent(rec: Rec, parent: Rec) -> None:
    if rec.table == "attribute":
        rec.values.setdefault("link_id", parent.values.get("id"))
        rec.values.setdefault("link_entity", parent.table)
    elif rec.table == "metadata":
        rec.values.setdefault("resource_id", parent.values.get("id"))
        rec.values.setdefault("resource_type", parent.table)
    elif rec.table not in ("organization", "program", "location", "taxonomy_term", "taxonomy"):
        column = f"{parent.table}_id"
        if column in TABLES[rec.table][1]:
            rec.values.setdefault(column, parent.values.get("id"))
    elif rec.table in ("location", "program") and parent.table == "organization":
        rec.values.setdefault("organization_id", parent.values.get("id"))
    elif rec.table == "service" and parent.table == "organization":
        rec.values.setdefault("organization_id", parent.values.get("id"))


def _merge_duplicates(recs: list[Rec], problems: Problems) -> list[Rec]:
    """Records without an id are skipped; the same id twice is merged, the first value winning."""
    by_id: dict[str, Rec] = {}
    for rec in recs:
        if not rec.id:
            problems.add(rec, "id", "", "required value is missing", "record skipped")
            continue
        first = by_id.get(rec.id)
        if first is None:
            by_id[rec.id] = rec
            continue
        if first.file == rec.file and rec.file.endswith(".csv"):
            problems.add(
                rec, "id", rec.id, f"duplicate id (first on {first.where})", "record skipped"
            )
            continue
        for key, value in rec.values.items():
            if first.values.get(key) in (None, ""):
                first.values[key] = value
    return list(by_id.values())


# -- converting -----------------------------------------------------------------------------


@dataclass
class Converted:
    agencies: list[dict[str, str]]
    areas: list[dict[str, str]]
    needs: list[dict[str, str]]
    skipped: int
    kept_in_notes: dict[str, int]
    extents: dict[str, dict]


class _Converter:
    """HSDS records -> rows of agencies.csv, regions.csv and needs.csv."""

    def __init__(
        self,
        tables: dict[str, list[Rec]],
        problems: Problems,
        src: Path,
        region_name: str,
        vocabulary: str | Path | None,
    ):
        self.tables = {table: tables.get(table, []) for table in TABLES}
        self.by_id = {t: {rec.id: rec for rec in recs} for t, recs in self.tables.items()}
        self.problems = problems
        self.src = src
        self.region_name = region_name.strip() or "All areas"
        self.vocabulary = Path(vocabulary) if vocabulary else DEFAULT_DATA_DIR
        self.kept: dict[str, int] = defaultdict(int)
        self.attributes: dict[str, list[tuple[str, str, str, Rec]]] = defaultdict(list)
        self.our_terms: dict[str, tuple[str, str]] = {}  # term id -> (taxonomy key, code)
        self._by_column: dict[tuple[str, str], dict[str, list[Rec]]] = {}

    def convert(self) -> Converted:
        self._check_links()
        self._index()
        needs = self._needs()
        areas, area_zips = self._areas()
        agencies, skipped = self._agencies(needs, areas)
        if not agencies:
            raise Fatal.about(self.src, "no usable service")
        area_rows = [self._area_row(area, area_zips) for area in areas.values()]
        extents = {a["id"]: self.extents[a["id"]] for a in area_rows if a["id"] in self.extents}
        return Converted(
            agencies,
            area_rows,
            [self._need_row(n) for n in needs.values()],
            skipped,
            dict(self.kept),
            extents,
        )

    # links and indexes

    def _check_links(self) -> None:
        every_id = {rec_id for ids in self.by_id.values() for rec_id in ids}
        for table, recs in self.tables.items():
            for rec in recs:
                for column, target in LINKS.items():
                    value = rec.text(column)
                    if column == "parent_id":
                        continue
                    if value and value not in self.by_id[target]:
                        self.problems.add(
                            rec, column, value, f"matches no {target} record", "link ignored"
                        )
                        rec.values[column] = None
                parent = rec.text("parent_id")
                if (
                    table == "taxonomy_term"
                    and parent
                    and parent not in self.by_id["taxonomy_term"]
                ):
                    self.problems.add(
                        rec, "parent_id", parent, "matches no taxonomy_term record", "link ignored"
                    )
                    rec.values["parent_id"] = None
                link = rec.text("link_id") if table == "attribute" else rec.text("resource_id")
                if table in ("attribute", "metadata") and link and link not in every_id:
                    column = "link_id" if table == "attribute" else "resource_id"
                    self.problems.add(
                        rec, column, link, "matches no record in the dataset", "record ignored"
                    )
                    rec.values[column] = None

    def _index(self) -> None:
        ours = {
            rec.id: TAXONOMY_BY_URI[rec.text("uri")].key
            for rec in self.tables["taxonomy"]
            if rec.text("uri") in TAXONOMY_BY_URI
        }
        for term in self.tables["taxonomy_term"]:
            key = ours.get(term.text("taxonomy_id"))
            if key and term.text("code"):
                self.our_terms[term.id] = (key, term.text("code"))
        for attribute in self.tables["attribute"]:
            term_id, link = attribute.text("taxonomy_term_id"), attribute.text("link_id")
            if not link:
                continue
            if not term_id:
                self.problems.add(
                    attribute, "taxonomy_term_id", "", "required value is missing", "record ignored"
                )
                continue
            key, code = self.our_terms.get(term_id, ("", term_id))
            self.attributes[link].append((key, code, attribute.text("value"), attribute))

    def _rows(self, table: str, column: str, value: str) -> list[Rec]:
        """Records of a table whose column holds value, from an index built on first use."""
        key = (table, column)
        if key not in self._by_column:
            index: dict[str, list[Rec]] = defaultdict(list)
            for rec in self.tables[table]:
                if rec.text(column):
                    index[rec.text(column)].append(rec)
            self._by_column[key] = index
        return self._by_column[key].get(value, [])

    def _values(self, link_id: str, taxonomy_key: str, code: str | None = None) -> list[str]:
        """Codes (or values, when `code` is given) of our attributes on one record."""
        found = []
        for key, term_code, value, _ in self.attributes.get(link_id, []):
            if key != taxonomy_key:
                continue
            if code is None:
                found.append(term_code)
            elif term_code == code:
                found.append(value)
        return found

    # needs

    def _needs(self) -> dict[str, Need]:
        terms = [
            t
            for t in self.tables["taxonomy_term"]
            if self.our_terms.get(t.id, ("",))[0] == NEED.key
        ]
        if not terms:
            return {need.code: need for need in vocabulary_needs(self.vocabulary)}
        needs: dict[str, Need] = {}
        for term in terms:
            code = term.text("code")
            if code.startswith(CATEGORY_PREFIX):
                continue
            if not SLUG.match(code):
                self.problems.add(term, "code", code, "not a valid need code", "need skipped")
                continue
            parent = self.our_terms.get(term.text("parent_id"), ("", ""))[1]
            category = parent[len(CATEGORY_PREFIX) :] if parent.startswith(CATEGORY_PREFIX) else ""
            if category and category not in OPEN_ELIGIBILITY:
                self.problems.add(
                    term,
                    "parent_id",
                    category,
                    "unknown Open Eligibility category",
                    "category dropped",
                )
                category = ""
            label = term.text("name") or code
            needs[code] = Need(
                code=code,
                label=label,
                description=term.text("description") or label,
                synonyms=tuple(self._values(term.id, RECORD.key, "synonym")),
                open_eligibility=category,
            )
        return needs

    def _need_row(self, need: Need) -> dict[str, str]:
        return {
            "code": need.code,
            "label": need.label,
            "description": need.description,
            "synonyms": ";".join(need.synonyms),
            "open_eligibility": need.open_eligibility,
        }

    # areas

    def _areas(self) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
        """Our area tree when the dataset carries it, plus one area per other service area."""
        areas: dict[str, dict[str, str]] = {}
        for term in self.tables["taxonomy_term"]:
            key, code = self.our_terms.get(term.id, ("", ""))
            if key != AREA.key:
                continue
            if not SLUG.match(code):
                self.problems.add(term, "code", code, "not a valid area id", "area skipped")
                continue
            parent = self.our_terms.get(term.text("parent_id"), ("", ""))
            areas[code] = {
                "id": code,
                "name": term.text("name") or code,
                "parent": parent[1] if parent[0] == AREA.key else "",
                "notes": term.text("description"),
                "source": "",
            }
        zips: dict[str, dict[str, str]] = defaultdict(dict)
        self.area_of: dict[str, str] = {}  # service_area id -> area id
        self.extents: dict[str, dict] = {}  # area id -> GeoJSON geometry, for regions.geojson
        self.root = next((a["id"] for a in areas.values() if not a["parent"]), None)
        for sa in self.tables["service_area"]:
            codes = self._values(sa.id, AREA.key)
            if codes and codes[0] in areas:
                area_id = codes[0]
                for column, code in (
                    ("zips", "zip-codes"),
                    ("straddling_zips", "straddling-zip-codes"),
                    ("source", "source"),
                ):
                    for value in self._values(sa.id, RECORD.key, code):
                        zips[area_id].setdefault(column, value)
                self.area_of[sa.id] = area_id
                self._extent(sa, area_id)
                continue
            name = sa.text("name") or sa.text("description")
            if not name:
                self.problems.add(
                    sa,
                    "name",
                    "",
                    "service area has no name or description",
                    "service area not used",
                )
                continue
            root = self._root(areas)
            area_id = _unique_slug(name, areas, key=lambda a: a["name"] == name)
            if area_id not in areas:
                notes = [sa.text("description")] if sa.text("description") != name else []
                if sa.text("uri"):
                    notes.append(f"HSDS uri: {sa.text('uri')}")
                areas[area_id] = {
                    "id": area_id,
                    "name": name[:200],
                    "parent": root,
                    "notes": " ".join(n for n in notes if n),
                    "source": f"HSDS import of {self.src.name}: service_area {sa.id}",
                }
            self._extent(sa, area_id)
            self.area_of[sa.id] = area_id
        self._root(areas)
        return areas, zips

    def _extent(self, sa: Rec, area_id: str) -> None:
        """Keep a GeoJSON extent as the area's real shape (the atlas reads regions.geojson)."""
        text = sa.text("extent")
        if not text or area_id in self.extents:
            return
        kind = sa.text("extent_type").lower() or "geojson"
        geometry = None
        if kind == "geojson":
            try:
                geometry = _geometry(json.loads(text))
            except ValueError:
                geometry = None
        if geometry is None:
            self.problems.add(
                sa,
                "extent",
                text,
                f"not a GeoJSON geometry (extent_type {kind})",
                "extent not used; the area's shape comes from its ZIP codes",
            )
            return
        self.extents[area_id] = geometry

    def _root(self, areas: dict[str, dict[str, str]]) -> str:
        if self.root is None:
            root_id = _unique_slug(self.region_name, areas)
            areas[root_id] = {
                "id": root_id,
                "name": self.region_name,
                "parent": "",
                "notes": "The whole area this imported dataset covers; made by the "
                "importer because the dataset has no area tree.",
                "source": f"HSDS import of {self.src.name}",
            }
            self.root = root_id
        return self.root

    def _area_row(self, area: dict[str, str], zips: dict[str, dict[str, str]]) -> dict[str, str]:
        extra = zips.get(area["id"], {})
        return {
            "id": area["id"],
            "name": area["name"],
            "parent": area["parent"],
            "zips": extra.get("zips", ""),
            "straddling_zips": extra.get("straddling_zips", ""),
            "source": extra.get("source") or area["source"],
            "notes": area["notes"],
        }

    # agencies

    def _agencies(
        self, needs: dict[str, Need], areas: dict[str, dict[str, str]]
    ) -> tuple[list[dict[str, str]], int]:
        agencies: list[dict[str, str]] = []
        used_ids: set[str] = set()
        skipped = 0
        need_words = _need_words(needs.values())
        for service in self.tables["service"]:
            row = self._agency(service, needs, need_words, used_ids)
            if row is None:
                skipped += 1
                continue
            used_ids.add(row["id"])
            agencies.append(row)
        return agencies, skipped

    def _agency(
        self, service: Rec, needs: dict[str, Need], need_words: dict[str, str], used_ids: set[str]
    ) -> dict[str, str] | None:
        name = service.text("name")
        if not name:
            self.problems.add(service, "name", "", "required value is missing", "service skipped")
            return None
        status = service.text("status").lower()
        if status in SKIPPED_STATUSES:
            self.problems.add(
                service, "status", status, f"the service is {status}", "service skipped"
            )
            return None
        notes: list[str] = []
        organization = self.by_id["organization"].get(service.text("organization_id"))
        row = {column: "" for column in AGENCY_HEADER}
        row["name"] = name
        row["id"] = self._agency_id(service, name, used_ids)
        kinds = self._values(service.id, KIND.key)
        row["kind"] = (
            kinds[0] if kinds and kinds[0] in {k.value for k in Kind} else Kind.FORMAL.value
        )
        row["levels"] = ";".join(
            v for v in self._values(service.id, LEVEL.key) if v in {level.value for level in Level}
        )
        row["age_groups"] = ";".join(
            v
            for v in self._values(service.id, AGE_GROUP.key)
            if v in {group.value for group in AgeGroup}
        )
        row["min_age"] = self._age(service, "minimum_age")
        row["max_age"] = self._age(service, "maximum_age")
        if row["min_age"] and row["max_age"] and int(row["min_age"]) > int(row["max_age"]):
            self.problems.add(
                service,
                "maximum_age",
                row["max_age"],
                f"maximum_age is below minimum_age {row['min_age']}",
                "both ages dropped",
            )
            row["min_age"] = row["max_age"] = ""
        row["areas"] = ";".join(self._service_areas(service))
        row["needs"] = ";".join(self._service_needs(service, needs, need_words, notes))
        row["phones"] = ";".join(self._phones(service, organization, notes))
        row["description"] = service.text("description") or (
            organization.text("description") if organization else ""
        )
        row["website"] = self._website(service, organization, notes)
        row["how_to_refer"] = service.text("application_process")
        row["eligibility"] = service.text("eligibility_description")
        row["languages"] = ";".join(self._languages(service, notes))
        row["verified_on"] = self._verified_on(service)
        self._location(service, row, notes)
        sources = self._values(service.id, RECORD.key, "source")
        row["source"] = (
            sources[0]
            if sources
            else (f"Open Referral HSDS import of {self.src.name}, service {service.id}")
        )
        reconstructed = [
            c for c in self._values(service.id, RECORD.key, "reconstructed") if c in AGENCY_HEADER
        ]
        row["reconstructed"] = ";".join(reconstructed)
        own_notes = self._values(service.id, RECORD.key, "notes")
        self._unmapped(service, organization, notes)
        row["notes"] = self._notes(service, own_notes[:1] + notes)
        for column, value in row.items():
            row[column] = (
                _one_line(value)
                if column not in ("notes", "description", "how_to_refer", "eligibility")
                else value
            )
        return row

    def _agency_id(self, service: Rec, name: str, used: set[str]) -> str:
        for value in self._values(service.id, RECORD.key, "id"):
            if SLUG.match(value) and value not in used:
                return value
        return _unique_slug(name, used)

    def _age(self, service: Rec, column: str) -> str:
        text = service.text(column)
        if not text:
            return ""
        try:
            number = float(text)
        except ValueError:
            self.problems.add(service, column, text, f'"{text}" is not a number', "value dropped")
            return ""
        if not math.isfinite(number) or not number.is_integer() or not 0 <= number <= MAX_AGE:
            self.problems.add(
                service, column, text, f"{text} is not a whole age in 0..{MAX_AGE}", "value dropped"
            )
            return ""
        return str(int(number))

    def _service_areas(self, service: Rec) -> list[str]:
        ids = [
            self.area_of[sa.id]
            for sa in self._rows("service_area", "service_id", service.id)
            if sa.id in self.area_of
        ]
        ids = list(dict.fromkeys(ids))
        if not ids:
            self.problems.add(
                service,
                "service_areas",
                "",
                "the service names no service area",
                f'listed under the whole region ("{self.root}")',
            )
            ids = [self.root or ""]
        return ids

    def _service_needs(
        self,
        service: Rec,
        needs: Mapping[str, Need],
        need_words: Mapping[str, str],
        notes: list[str],
    ) -> list[str]:
        codes = [c for c in self._values(service.id, NEED.key) if c in needs]
        others = []
        for key, term_id, _, _attribute in self.attributes.get(service.id, []):
            if key:
                continue
            term = self.by_id["taxonomy_term"].get(term_id)
            if term is None:
                continue
            words = {_words(term.text("name")), _words(term.text("code"))}
            matched = next((need_words[w] for w in words if w in need_words), None)
            if matched:
                codes.append(matched)
            else:
                others.append(term.text("name") or term.text("code"))
        if others:
            notes.append("Taxonomy terms: " + "; ".join(dict.fromkeys(others)))
            self.kept["attribute (other taxonomies)"] += 1
        return list(dict.fromkeys(codes))

    def _phones(self, service: Rec, organization: Rec | None, notes: list[str]) -> list[str]:
        phones = list(self._rows("phone", "service_id", service.id))
        for sal in self._rows("service_at_location", "service_id", service.id):
            phones.extend(
                p for p in self._rows("phone", "service_at_location_id", sal.id) if p not in phones
            )
        if not phones and organization is not None:
            phones = [
                p
                for p in self._rows("phone", "organization_id", organization.id)
                if not p.text("service_id")
            ]
        numbers: list[str] = []
        for phone in phones:
            raw = phone.text("number").strip("\"' ")
            if not raw:
                self.problems.add(phone, "number", "", "required value is missing", "phone skipped")
                continue
            try:
                number = format_phone(raw)
            except ValueError as error:
                self.problems.add(phone, "number", raw, str(error), "kept in the agency's notes")
                notes.append(f"Phone: {raw}" + _phone_extra(phone))
                self.kept["phone.number (not North American)"] += 1
                continue
            if number not in numbers:
                numbers.append(number)
            extra = _phone_extra(phone)
            if extra:
                notes.append(f"Phone {number}{extra}")
                self.kept["phone.extension/description"] += 1
        return numbers

    def _website(self, service: Rec, organization: Rec | None, notes: list[str]) -> str:
        candidates = [("url", service, service.text("url"))]
        if organization is not None:
            candidates.append(("website", organization, organization.text("website")))
        chosen = ""
        for column, rec, value in candidates:
            if not value:
                continue
            try:
                checked = website(Row(Path(rec.file), 0, {"website": value}), "website")
            except RowProblem as problem:
                self.problems.add(rec, column, value, problem.reason, "value dropped")
                continue
            if not chosen:
                chosen = checked
            elif checked != chosen:
                notes.append(f"Organization website: {value}")
                self.kept["organization.website"] += 1
        return chosen

    def _languages(self, service: Rec, notes: list[str]) -> list[str]:
        names = []
        for language in self._rows("language", "service_id", service.id):
            name = language.text("name") or language.text("code")
            if name:
                names.append(name.replace(";", ","))
            if language.text("note"):
                notes.append(f"Language {name}: {language.text('note')}")
                self.kept["language.note"] += 1
        return list(dict.fromkeys(names))

    def _verified_on(self, service: Rec) -> str:
        text = service.text("assured_date")
        if not text:
            return ""
        try:
            verified = date.fromisoformat(text[:10])
        except ValueError:
            self.problems.add(
                service,
                "assured_date",
                text,
                f'"{text}" is not a date (YYYY-MM-DD)',
                "value dropped",
            )
            return ""
        if verified > date.today():
            self.problems.add(
                service, "assured_date", text, f"{text} is in the future", "value dropped"
            )
            return ""
        return verified.isoformat()

    def _location(self, service: Rec, row: dict[str, str], notes: list[str]) -> None:
        places = [
            sal
            for sal in self._rows("service_at_location", "service_id", service.id)
            if sal.text("location_id")
        ]
        for index, sal in enumerate(places):
            location = self.by_id["location"].get(sal.text("location_id"))
            if location is None:
                continue
            address = self._address(location)
            if index > 0 or row["address"] or row["latitude"]:
                notes.append("Also at: " + (address or location.text("name") or location.id))
                self.kept["location (second and later)"] += 1
                continue
            row["address"] = address
            lat, lon = location.text("latitude"), location.text("longitude")
            if lat or lon:
                try:
                    lat_f, lon_f = float(lat), float(lon)
                    if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
                        raise ValueError(f"{lat}, {lon} is outside -90..90, -180..180")
                except ValueError as error:
                    reason = (
                        str(error)
                        if "outside" in str(error)
                        else f'"{lat}", "{lon}" is not a point'
                    )
                    self.problems.add(
                        location, "latitude", f"{lat},{lon}", reason, "coordinates dropped"
                    )
                else:
                    row["latitude"], row["longitude"] = repr(lat_f), repr(lon_f)
            for column in ("description", "transportation", "alternate_name", "url"):
                if location.text(column):
                    notes.append(f"Location {column.replace('_', ' ')}: {location.text(column)}")
                    self.kept[f"location.{column}"] += 1
            if location.text("name") and location.text("name") != row["name"]:
                notes.append(f"Location: {location.text('name')}")
                self.kept["location.name"] += 1
            for child in ("accessibility", "schedule"):
                for rec in self._rows(child, "location_id", location.id):
                    if not rec.text("service_id"):
                        notes.extend(self._describe(rec))

    def _address(self, location: Rec) -> str:
        addresses = list(self._rows("address", "location_id", location.id))
        addresses.sort(key=lambda a: a.text("address_type") != "physical")
        if not addresses:
            return ""
        a = addresses[0]
        return join_address(
            a.text("address_1"),
            a.text("address_2"),
            a.text("city"),
            a.text("state_province"),
            a.text("postal_code"),
        )

    def _unmapped(self, service: Rec, organization: Rec | None, notes: list[str]) -> None:
        """Every non-empty HSDS field we have no column for, as 'Label: value' note lines."""
        mapped = {
            "id",
            "organization_id",
            "program_id",
            "name",
            "description",
            "url",
            "status",
            "application_process",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "assured_date",
        }
        for column in service.values:
            if column not in mapped and service.text(column):
                notes.append(f"{_label(column)}: {service.text(column)}")
                self.kept[f"service.{column}"] += 1
        program = self.by_id["program"].get(service.text("program_id"))
        if program is not None:
            notes.append(f"Program: {program.text('name')}")
            self.kept["program"] += 1
        if organization is not None:
            if organization.text("name") != service.text("name"):
                notes.append(f"Organization: {organization.text('name')}")
                self.kept["organization.name"] += 1
            for column in organization.values:
                if column in {"id", "name", "description", "website", "parent_organization_id"}:
                    continue
                if organization.text(column):
                    notes.append(
                        f"Organization {_label(column).lower()}: {organization.text(column)}"
                    )
                    self.kept[f"organization.{column}"] += 1
            description = organization.text("description")
            if description and description != (service.text("description") or description):
                notes.append(f"About the organization: {description}")
                self.kept["organization.description"] += 1
        for table in ("schedule", "cost_option", "required_document", "funding", "contact"):
            for rec in self._rows(table, "service_id", service.id):
                notes.extend(self._describe(rec))
        if organization is not None:
            for table in ("organization_identifier", "funding"):
                for rec in self._rows(table, "organization_id", organization.id):
                    if not rec.text("service_id"):
                        notes.extend(self._describe(rec))

    def _describe(self, rec: Rec) -> list[str]:
        links = set(LINKS) | {"id"}
        parts = [
            f"{_label(c).lower()} {rec.text(c)}"
            for c in rec.values
            if c not in links and rec.text(c)
        ]
        if not parts:
            return []
        self.kept[rec.table] += 1
        return [f"{_label(rec.table)}: " + "; ".join(parts)]

    def _notes(self, service: Rec, lines: list[str]) -> str:
        lines = [line for line in lines if line]
        if len(lines) > 1 or (lines and not self._values(service.id, RECORD.key, "notes")):
            if not self._values(service.id, RECORD.key, "notes"):
                lines.insert(0, "From the HSDS record:")
        text = "\n".join(lines)
        if len(text) > MAX_FIELD_CHARS:
            self.problems.add(
                service,
                "notes",
                "",
                f"unmapped fields add up to {len(text)} characters; at most {MAX_FIELD_CHARS} fit",
                "notes cut short",
            )
            text = text[: MAX_FIELD_CHARS - 20].rstrip() + " [cut]"
        return text


def vocabulary_needs(folder: Path) -> list[Need]:
    """The need vocabulary of a data folder (the bundled one by default)."""
    return list(load_data(folder).needs)


GEOMETRY_TYPES = {"Polygon", "MultiPolygon"}


def _geometry(value: Any) -> dict | None:
    """A polygon geometry from a GeoJSON geometry, Feature or one-feature collection."""
    if isinstance(value, dict) and value.get("type") == "FeatureCollection":
        features = value.get("features") or []
        value = features[0] if len(features) == 1 else None
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if isinstance(value, dict) and value.get("type") in GEOMETRY_TYPES and value.get("coordinates"):
        try:
            from shapely.geometry import shape

            if shape(value).is_empty:
                return None
        except (ValueError, TypeError, AttributeError, IndexError):
            return None
        return value
    return None


def _phone_extra(phone: Rec) -> str:
    parts = []
    if phone.text("extension"):
        parts.append(f"extension {phone.text('extension')}")
    if phone.text("description"):
        parts.append(phone.text("description"))
    return (": " + "; ".join(parts)) if parts else ""


def _label(column: str) -> str:
    return column.replace("_", " ").capitalize()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _need_words(needs: Iterable[Need]) -> dict[str, str]:
    """Normalised label, code and synonyms -> need code, to match other taxonomies' terms."""
    words: dict[str, str] = {}
    for need in needs:
        for text in (need.code, need.label, *need.synonyms):
            words.setdefault(_words(text), need.code)
    return words


def _unique_slug(text: str, taken: Iterable[str] | Mapping[str, Any], key=None) -> str:
    """'Community Counselling' -> 'community-counselling', '-2', '-3'... when taken."""
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))
    base = "-".join(words[:8])[:60].strip("-") or "record"
    if isinstance(taken, Mapping) and key is not None:
        for existing_id, value in taken.items():
            if existing_id.startswith(base) and key(value):
                return existing_id
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


# -- writing --------------------------------------------------------------------------------


def _write(converted: Converted, out_dir: Path) -> tuple[int, int, int]:
    """Write the three files beside out_dir, load them back, and swap in only if clean."""
    counts: list[int] = []

    def fill(folder: Path) -> None:
        _write_csv(folder / "needs.csv", NEED_HEADER, converted.needs)
        _write_csv(folder / "regions.csv", REGION_HEADER, converted.areas)
        _write_csv(folder / "agencies.csv", AGENCY_HEADER, converted.agencies)
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
        write_folder(out_dir, fill, set(DATA_FILES), keep_others=True)
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
