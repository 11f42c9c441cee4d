"""Read a data folder (agencies.csv, regions.csv, needs.csv) into records, reporting problems.

All validation lives here, one module per file kind: `rows` reads a CSV file's rows (file-level
problems: missing or repeated columns, runaway quotes, cut files), `fields` parses one value,
`needs`, `regions` and `agencies` read their file, `folder` a whole data folder. A bad row is
reported as `FILE:LINE: column "X": what is wrong; what was done` and skipped; every good row
loads. A missing or unreadable file is fatal for that file, never a traceback.
"""

from .agencies import AGENCY_COLUMNS, AGENCY_HEADER, AGENCY_REQUIRED
from .fields import MAX_AGE, SLUG, website
from .folder import DATA_FILES, fingerprint, load_data, summary
from .needs import NEED_COLUMNS, OPEN_ELIGIBILITY
from .regions import REGION_COLUMNS
from .rows import MAX_FIELD_CHARS, Row, RowProblem, parse_rows, read_rows

__all__ = [
    "AGENCY_COLUMNS",
    "AGENCY_HEADER",
    "AGENCY_REQUIRED",
    "DATA_FILES",
    "MAX_AGE",
    "MAX_FIELD_CHARS",
    "NEED_COLUMNS",
    "OPEN_ELIGIBILITY",
    "REGION_COLUMNS",
    "SLUG",
    "Row",
    "RowProblem",
    "fingerprint",
    "load_data",
    "parse_rows",
    "read_rows",
    "summary",
    "website",
]
