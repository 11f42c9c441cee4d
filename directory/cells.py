"""The one CSV-cell guard: every CSV the product writes passes its text cells through here.

A spreadsheet runs a cell that starts with = + - @ (or a tab or return) as a formula, and some
also after invisible or full-width look-alikes (U+200B, U+FEFF, U+FF1D "＝" ...). A guarded
cell gets a leading apostrophe, which spreadsheets show as text and never run. Pure.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# Characters a spreadsheet may skip before deciding a cell is a formula.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00a0 "
# Formula starters, ASCII and their full-width forms (＝ ＋ － ＠).
_STARTERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
BOM = "\ufeff"


def safe_cell(value: object) -> object:
    """The value, or text that a spreadsheet cannot run as a formula; numbers pass unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in _STARTERS or value.lstrip(_INVISIBLE)[:1] in _STARTERS:
        return "'" + value
    return value


def csv_text(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    bom: bool = False,
    lineterminator: str = "\r\n",
) -> str:
    """A whole CSV file as text, every cell guarded; `bom` for files meant for Excel."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return (BOM if bom else "") + out.getvalue()
