"""What an import found: problems (file, record, field, reason, action) and the report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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
