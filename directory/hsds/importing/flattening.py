"""Nested HSDS JSON objects -> flat records linked by id; every record put in 3.0 terms.

`flatten` turns one nested object into flat records, each child linked to its parent.
`Normaliser` takes every record read (CSV row or flattened object) and, once all are in:
renames HSDS 1.x/2.0 tables and fields to 3.0 (`shapes.to_v30`), reports columns no table
has (once per file, table and column), gives child records without an id a stable derived
id (uuid5 of parent link, table and position; reported once per table), folds 1.x
eligibility rows into their service, reports 3.1 records the product does not keep, and
resolves records that share an id: the same record seen twice (an organization nested
under each of its services) is merged; two different records with one id are reported and
the second skipped, as two rows with one id in one CSV file are.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from ..schema import NUMBER_FIELDS, hsds_id
from .report import ImportProblem, Problems, Rec, _short
from .shapes import (
    FOLDED,
    FOLDED_COLUMNS,
    NESTED_KEYS,
    V31_COLUMNS,
    columns,
    is_kept,
    known_keys,
    to_v30,
    value_keys,
)

# Tables whose records stand alone: without an id they are skipped, never given one.
NOT_DERIVED = frozenset(
    {"service", "organization", "location", "taxonomy", "taxonomy_term", "unit"}
)
# Columns that link a child to its parent, in the order a derived id prefers them.
PARENT_LINKS = (
    "service_at_location_id",
    "service_id",
    "location_id",
    "organization_id",
    "contact_id",
    "phone_id",
    "link_id",
    "resource_id",
    "program_id",
)


def flatten(
    table: str,
    obj: Any,
    file: str,
    where: str,
    out: dict[str, list[Rec]],
    problems: Problems,
    parent: Rec | None = None,
) -> None:
    """One nested HSDS object -> flat records, each child linked to its parent by id.

    `table` may be an HSDS 1.x/2.0 name; records come out under 3.0 tables and fields.
    """
    if not isinstance(obj, dict):
        problems.add(
            Rec(table, file, where, {}),
            None,
            _short(obj),
            f"expected a {table} object",
            "record skipped",
        )
        return
    own = known_keys(table)
    plain = value_keys(table)  # 1.x "service_area" is a column of service_area, not a list
    rec = Rec(table, file, where, {}, nested=parent is not None)
    values: dict[str, Any] = {}
    nested: list[tuple[str, Any]] = []
    for key, value in obj.items():
        if (
            key in NESTED_KEYS
            and key in own
            and value is not None
            and key not in plain
            # a 3.0 column with a plain value ("taxonomy": "Open Eligibility" on a term)
            and (isinstance(value, (list, dict)) or key not in columns(table))
        ):
            if isinstance(value, (list, dict)):
                nested.append((key, value))
            else:
                problems.add(
                    rec,
                    key,
                    value,
                    f"expected a list of {NESTED_KEYS[key]} objects",
                    "value dropped",
                )
        elif value is None:
            continue
        elif isinstance(value, (dict, list)) and key not in columns(table):
            values[key] = value  # a field no table has: reported once per file, as unknown
        elif isinstance(value, (dict, list)):
            problems.add(
                rec,
                key,
                json.dumps(value)[:80],
                "expected a single value, not a "
                + ("list" if isinstance(value, list) else "object"),
                "value dropped",
            )
        elif isinstance(value, bool) and key not in plain:
            problems.add(
                rec,
                key,
                value,
                f"expected text or a number, got {json.dumps(value)}",
                "value dropped",
            )
        else:
            values[key] = value
    table, values, notes = to_v30(table, values)
    rec.table, rec.values = table, values
    for note in notes:
        problems.add(rec, None, "", note, "read as HSDS 3.0")
    numbers = NUMBER_FIELDS.get(table, frozenset())
    for key, value in list(values.items()):
        if key not in numbers and isinstance(value, (int, float)) and key in columns(table):
            problems.add(rec, key, value, f"expected text, got the number {value}", "read as text")
            values[key] = str(value)
    if parent is not None:
        _link_to_parent(rec, parent)
    out[table].append(rec)
    for key, value in nested:
        child_table = NESTED_KEYS[key]
        if isinstance(value, dict):
            flatten(child_table, value, file, f"{where}.{key}", out, problems, rec)
            if key in ("organization", "program", "location", "service", "unit"):
                if f"{key}_id" in known_keys(table):
                    rec.values.setdefault(f"{key}_id", value.get("id"))
            elif key == "taxonomy_term" or (key == "taxonomy" and table == "attribute"):
                rec.values.setdefault("taxonomy_term_id", value.get("id"))
            elif key == "taxonomy_detail":
                rec.values.setdefault("taxonomy_id", value.get("id"))
        else:
            for index, child in enumerate(value):
                flatten(child_table, child, file, f"{where}.{key}[{index}]", out, problems, rec)


def _link_to_parent(rec: Rec, parent: Rec) -> None:
    parent_id = parent.values.get("id")
    if rec.table == "attribute":
        rec.values.setdefault("link_id", parent_id)
        rec.values.setdefault("link_entity", parent.table)
    elif rec.table == "metadata":
        rec.values.setdefault("resource_id", parent_id)
        rec.values.setdefault("resource_type", parent.table)
    elif rec.table in FOLDED:
        rec.values.setdefault(FOLDED[rec.table][1], parent_id)
    elif rec.table not in (
        "organization",
        "program",
        "location",
        "taxonomy_term",
        "taxonomy",
        "unit",
    ):
        column = f"{parent.table}_id"
        if column in columns(rec.table):
            rec.values.setdefault(column, parent_id)
    elif rec.table in ("location", "program") and parent.table == "organization":
        rec.values.setdefault("organization_id", parent_id)
    if rec.table == "service" and parent.table == "organization":
        rec.values.setdefault("organization_id", parent_id)


class Normaliser:
    """Collects every record read; `finish` gives them by 3.0 table, ready to convert."""

    def __init__(self, problems: Problems):
        self.problems = problems
        self.recs: dict[str, list[Rec]] = defaultdict(list)
        self.unknown: dict[tuple[str, str, str], list] = {}  # (file, table, col) -> [n, rec]
        self.derived: dict[str, set[str]] = defaultdict(set)
        self.derived_files: dict[str, set[str]] = defaultdict(set)
        self.positions: Counter[tuple[str, ...]] = Counter()

    def add(self, rec: Rec, *, raw: bool = False) -> None:
        """One record; `raw` when it was read as is (a CSV row), not through `flatten`."""
        if raw:
            rec.table, rec.values, notes = to_v30(rec.table, rec.values)
            for note in notes:
                self.problems.add(rec, None, "", note, "read as HSDS 3.0")
        allowed = set(columns(rec.table)) | (
            {*FOLDED[rec.table][1:3], *FOLDED_COLUMNS.get(rec.table, {}), "id"}
            if rec.table in FOLDED
            else set()
        )
        for key in [k for k in rec.values if k not in allowed]:
            value = rec.values.pop(key)
            if value in (None, ""):
                continue
            seen = self.unknown.setdefault((rec.file, rec.table, key), [0, rec])
            seen[0] += 1
        if not rec.id and rec.table not in NOT_DERIVED and rec.table not in FOLDED:
            self._derive_id(rec)
        self.recs[rec.table].append(rec)

    def _derive_id(self, rec: Rec) -> None:
        link = next((c for c in PARENT_LINKS if rec.text(c)), None)
        if link is None:
            return  # no parent to derive from: reported as missing when merged
        if rec.nested:
            position = rec.where.rsplit(".", 1)[-1]  # "phones[1]"
        else:
            key = (rec.file, rec.table, link, rec.text(link))
            position = str(self.positions[key])
            self.positions[key] += 1
        rec.values["id"] = hsds_id(rec.table, "derived", link, rec.text(link), position)
        self.derived[rec.table].add(rec.values["id"])
        self.derived_files[rec.table].add(rec.file)

    def finish(self) -> dict[str, list[Rec]]:
        """The records by 3.0 table, every change and loss reported."""
        for (file, table, column), (count, first) in self.unknown.items():
            v31 = column in V31_COLUMNS.get(table, ())
            self.problems.add(
                first,
                column,
                f"{count} record{'s' if count != 1 else ''}",
                (
                    f"HSDS 3.1 column, not kept by this directory ({count} in {file})"
                    if v31
                    else f"no HSDS 3.0 {table} field is called {column!r} ({count} in {file})"
                ),
                "values dropped",
            )
        for table, ids in sorted(self.derived.items()):
            files = sorted(self.derived_files[table])
            self.problems.append(
                ImportProblem(
                    file=", ".join(files[:3])
                    + (f" and {len(files) - 3} more" if len(files) > 3 else ""),
                    record="",
                    field="id",
                    value=str(len(ids)),
                    reason=f"{len(ids)} {table} record{'s' if len(ids) != 1 else ''} had no id",
                    action="given stable derived ids (uuid5 of the parent's id, table and position)",
                    table=table,
                )
            )
        self._fold()
        tables: dict[str, list[Rec]] = {}
        for table, recs in self.recs.items():
            if not is_kept(table):
                for rec in recs:
                    self.problems.add(
                        rec,
                        None,
                        rec.id,
                        f"a {table} record, a table this directory does not keep",
                        "record not kept",
                    )
                continue
            tables[table] = merge_duplicates(recs, self.problems)
        return tables

    def _fold(self) -> None:
        """HSDS 1.x eligibility rows -> their service's eligibility_description (and, from
        Open Referral UK's, minimum_age and maximum_age when the service has none)."""
        for table, (parent_table, link, column, target) in FOLDED.items():
            parents: dict[str, list[Rec]] = defaultdict(list)
            for rec in self.recs.get(parent_table, []):
                parents[rec.id].append(rec)
            for rec in self.recs.pop(table, []):
                text, owner = rec.text(column), rec.text(link)
                if owner not in parents:
                    self.problems.add(
                        rec, link, owner, f"matches no {parent_table} record", "record skipped"
                    )
                    continue
                for parent in parents[owner]:
                    current = parent.text(target)
                    if text and text not in current:
                        parent.values[target] = f"{current}\n{text}".strip()
                    for column, into in FOLDED_COLUMNS.get(table, {}).items():
                        value = rec.text(column)
                        if value and not parent.text(into):
                            parent.values[into] = value
                        elif value and parent.text(into) != value:
                            self.problems.add(
                                rec,
                                column,
                                value,
                                f"the {parent_table} already has {into} {parent.text(into)}",
                                "value dropped",
                            )


def merge_duplicates(recs: list[Rec], problems: Problems) -> list[Rec]:
    """One record per id: the same record seen twice merged, two different ones reported.

    Records without an id are skipped. Two top-level records with one id in one file, or
    two records with one id and different values anywhere, are reported and the second
    skipped. Otherwise (an object nested again under each of its parents, or a feed
    published as both a list and one file per record) the records are one: merged, each
    value taken from whichever has it.
    """
    by_id: dict[str, Rec] = {}
    for rec in recs:
        if not rec.id:
            problems.add(rec, "id", "", "required value is missing", "record skipped")
            continue
        first = by_id.get(rec.id)
        if first is None:
            by_id[rec.id] = rec
            continue
        if first.file == rec.file and not first.nested and not rec.nested:
            problems.add(
                rec,
                "id",
                rec.id,
                f"duplicate id (first on {first.where})",
                "record skipped; the first record kept",
            )
            continue
        differ = [
            key
            for key, value in rec.values.items()
            if rec.text(key) and first.text(key) and rec.text(key) != first.text(key)
        ]
        if differ:
            problems.add(
                rec,
                "id",
                rec.id,
                f"duplicate id with different {', '.join(differ[:3])} "
                f"(first in {first.file} {first.where})",
                "record skipped; the first record kept",
            )
            continue
        for key, value in rec.values.items():
            if first.values.get(key) in (None, ""):
                first.values[key] = value
    return list(by_id.values())
