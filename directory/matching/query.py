"""What a family asked for, read once at the request boundary (directory.params) (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import params
from ..catalog import Directory
from ..errors import BadInput
from ..records import AgeGroup, Level
from ..screening import QUESTIONS
from ..words import clean_text

MAX_PAGE = 1000  # the page shows pages 1..page, so a page this deep is a page of 20,000 cards
MAX_YEARS = 120


@dataclass(frozen=True, slots=True)
class MatchQuery:
    """What a family asked for, from a form, an API call or the command line."""

    near: str  # "" when only words or needs were given: the answer is for the whole region
    age_group: AgeGroup | None = None
    years: int | None = None
    needs: tuple[str, ...] = ()
    level: Level | None = None
    q: str = ""
    page: int = 1  # the page shows pages 1..page ("show more"); the API returns this page
    page_size: int = 20
    answers: frozenset[str] = frozenset()  # screener questions answered yes (QUESTIONS' keys)

    @classmethod
    def read(cls, args: Mapping[str, Any], directory: Directory) -> MatchQuery:
        """Read `near`, `age`, `years`, `need` (repeatable or comma-separated), `level`, `q`,
        `page`, `page_size` and the screener's answers; BadInput says what's wrong, in the
        same words as every other reader of directory.params."""
        settings = directory.settings
        near = clean_text(params.one(args, "near"), settings.max_query_chars).strip()
        q = clean_text(params.one(args, "q"), settings.max_query_chars).strip()
        # Words without a place answer for the whole region (and ask for one); ticked needs
        # alone, or nothing at all, need a place.
        if not near and not q:
            raise BadInput(
                f"Enter a ZIP code, town, neighbourhood or address in {directory.region_name}.",
                code="missing_place",
            )
        needs = params.codes(args, "need")
        params.known_codes("need", needs, directory.needs_by_code)
        has_years = bool(params.one(args, "years").strip())
        return cls(
            near=near,
            age_group=params.optional_enum(args, "age", AgeGroup),
            years=params.whole_number(args, "years", 0, minimum=0, maximum=MAX_YEARS)
            if has_years
            else None,
            needs=needs,
            level=params.optional_enum(args, "level", Level),
            q=q,
            page=params.whole_number(args, "page", 1, minimum=1, maximum=MAX_PAGE),
            page_size=params.whole_number(
                args,
                "page_size",
                settings.page_size,
                minimum=1,
                maximum=settings.max_page_size,
            ),
            answers=screener_answers(args),
        )


def screener_answers(args: Mapping[str, Any]) -> frozenset[str]:
    """The screener questions answered yes: any value but empty, 0, no or false."""
    return frozenset(
        key
        for key in QUESTIONS
        if params.one(args, key).strip().lower() not in ("", "0", "no", "false")
    )
