"""What an import found: problems (file, record, field, reason, action) and the report.

A problem whose action loses something (a record, link, value or file: "skipped",
"dropped", "ignored", "not used", "not kept", "cut short", "nothing written") is a loss;
others ("kept in the agency's notes", "read as text", "given derived ids", "not read" for a
file that is not CSV, JSON or NDJSON, such as a README) say what was done and lose nothing. The report counts problems by reason, and its exit status says
0 (imported whole), 2 (imported with losses) or 1 (nothing written).
"""

from __future__ import annotations

import re
from collections import Counter
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
    table: str = ""  # the HSDS table of the record, when there is one

    @property
    def is_loss(self) -> bool:
        """Whether something in the source did not make it into the data folder."""
        return self.is_fatal or bool(LOSS.search(self.action))

    @property
    def kind(self) -> str:
        """The reason without this record's values: what the totals count by."""
        where = f"{self.table}.{self.field}: " if self.table and self.field else ""
        if not where and self.field:
            where = f"{self.field}: "
        reason = ASIDE.sub("", QUOTED.sub('"…"', self.reason))  # "(first on line 3)" out
        reason = NUMBER.sub("N", reason)
        return f"{where}{reason}; {NUMBER.sub('N', self.action)}"

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
            "lost": self.is_loss,
            "table": self.table,
            "message": str(self),
        }


LOSS = re.compile(r"skipped|dropped|ignored|not used|not kept|cut short|nothing written")
QUOTED = re.compile(r'"[^"]*"')
ASIDE = re.compile(r"\s*\([^()]*\)")
NUMBER = re.compile(r"(?<![A-Za-z_])\d+(?:\.\d+)?(?![A-Za-z_])")


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
    region: str = ""  # the derived-region line ("Region: ..., N ZIP codes (derived...)")

    @property
    def has_fatal_problem(self) -> bool:
        return any(problem.is_fatal for problem in self.problems)

    @property
    def losses(self) -> int:
        """How many problems lost a record, link, value or file."""
        return sum(1 for problem in self.problems if problem.is_loss)

    @property
    def exit_status(self) -> int:
        """0: imported whole; 2: imported with losses; 1: nothing written."""
        if not self.written:
            return 1
        return 2 if self.losses or self.skipped_services else 0

    def totals_by_reason(self) -> list[tuple[str, int, bool]]:
        """(reason, how many, whether it loses something), most frequent first."""
        counts = Counter(problem.kind for problem in self.problems)
        lost = {problem.kind for problem in self.problems if problem.is_loss}
        return [(kind, n, kind in lost) for kind, n in counts.most_common()]

    def totals_text(self) -> str:
        """The totals by reason as lines for a person, losses marked."""
        lines = [
            f"{n:>7}  {'LOST ' if is_lost else '     '}{kind}"
            for kind, n, is_lost in self.totals_by_reason()
        ]
        return "\n".join(["Totals by reason:", *lines]) if lines else ""

    def summary(self) -> str:
        if not self.written:
            fatal = sum(1 for p in self.problems if p.is_fatal)
            return (
                f"Nothing written to {self.out_dir}: {fatal} fatal problem"
                f"{'s' if fatal != 1 else ''} in {self.source}."
            )
        losses = self.losses
        return (
            f"Wrote {self.out_dir}: {self.agencies} agencies, {self.areas} areas, "
            f"{self.needs} needs; {self.skipped_services} service"
            f"{'s' if self.skipped_services != 1 else ''} skipped; {len(self.problems)} problem"
            f"{'s' if len(self.problems) != 1 else ''} reported"
            + (
                f", {losses} of them losses (imported with losses)."
                if losses
                else ", nothing lost."
            )
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
            "region": self.region or None,
            "exit_status": self.exit_status,
            "losses": self.losses,
            "totals_by_reason": [
                {"reason": kind, "count": n, "lost": is_lost}
                for kind, n, is_lost in self.totals_by_reason()
            ],
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
    nested: bool = False  # read inside another record (JSON), not from a list or file

    def text(self, name: str) -> str:
        value = self.values.get(name)
        if value.__class__ is str:  # most values: the converter asks ~250 times a service
            return value.strip()
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
                table=rec.table if rec else "",
            )
        )


def _short(value: Any, limit: int = 80) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- public entry point ---------------------------------------------------------------------
