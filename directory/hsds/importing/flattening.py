"""Nested HSDS JSON objects -> flat records linked by id; duplicate ids merged or reported."""

from __future__ import annotations

import json
from typing import Any

from ..schema import NESTED, NUMBER_FIELDS, TABLES
from .report import Problems, Rec, _short


def flatten(
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
            flatten(child_table, value, file, f"{where}.{key}", out, problems, rec)
            if key in ("organization", "program", "location"):
                rec.values.setdefault(f"{key}_id", value.get("id"))
            elif key == "taxonomy_term":
                rec.values.setdefault("taxonomy_term_id", value.get("id"))
            elif key == "taxonomy_detail":
                rec.values.setdefault("taxonomy_id", value.get("id"))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                flatten(child_table, child, file, f"{where}.{key}[{index}]", out, problems, rec)
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


def merge_duplicates(recs: list[Rec], problems: Problems) -> list[Rec]:
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
