"""needs.csv: the need vocabulary."""

from __future__ import annotations

from pathlib import Path

from ..records import LoadProblem, Need
from .fields import required, slug
from .rows import Row, RowProblem, parse_rows

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


def load_needs(path: Path, problems: list[LoadProblem]) -> list[Need]:
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
