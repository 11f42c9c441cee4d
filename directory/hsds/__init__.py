"""Open Referral HSDS 3.0: export, import and the /hsds API view of the directory.

What the rest of the product may use is named here. Inside the package:

    schema.py      the tables, their columns, the id minting and the one nesting map
    taxonomy.py    our classifications as HSDS taxonomies and terms
    tables.py      records -> HSDS tables (feeds the CSV export, JSON export and API)
    view.py        HsdsView: tables indexed by id and nested as the JSON schemas nest them
    export.py      writing the files, swapped in whole
    importing/     HSDS source -> data folder: reading, flattening, converting, writing
    api.py         the /hsds Flask blueprint (imported by create_app only)

No Flask outside api.py, and nothing from ../shared.
"""

from __future__ import annotations

from .export import area_extents, export_hsds, write_folder
from .importing import MAX_FILE_BYTES, ImportProblem, ImportReport, import_hsds
from .schema import HSDS_VERSION, JSON_FILE, OPENAPI_URL, SERVICES_FILE, SPEC_URL, TABLES, hsds_id
from .tables import hsds_tables, join_address, split_address
from .view import HsdsView

__all__ = [
    "HSDS_VERSION",
    "JSON_FILE",
    "MAX_FILE_BYTES",
    "OPENAPI_URL",
    "SERVICES_FILE",
    "SPEC_URL",
    "TABLES",
    "HsdsView",
    "ImportProblem",
    "ImportReport",
    "area_extents",
    "export_hsds",
    "hsds_id",
    "hsds_tables",
    "import_hsds",
    "join_address",
    "split_address",
    "write_folder",
]
