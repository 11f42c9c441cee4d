"""Open Referral HSDS 3.0: export, import and the /hsds API view of the directory.

What the rest of the product may use is named here. Inside the package:

    schema.py      the tables, their columns, the id minting and the one nesting map
    taxonomy.py    our classifications as HSDS taxonomies and terms
    crosswalk.py   outside taxonomies (Open Eligibility, 211/AIRS...) -> our needs
    package.py     the CSV data package: written by the export, and by the import as the
                   feed's own records kept in a data folder's hsds/ (read back here)
    ids.py         hsds_ids.csv: which agency came from which feed service
    tables.py      records + kept feed rows -> HSDS tables (CSV export, JSON export, API)
    view.py        HsdsView: tables indexed by id and nested as the JSON schemas nest them
    query.py       what a /hsds request asks for (HsdsQuery, its parameters per endpoint)
                   and which services pass it (dates, ages, opening hours, terms)
    openapi.py     our OpenAPI document of /hsds, written from query.py's tables
    details.py     what an agency page shows from the kept feed (address, hours, open now...)
    export.py      writing the files, swapped in whole
    importing/     HSDS source -> data folder: reading (files, hostile input), shapes (a
                   record's table by name or shape, 1.x/3.1 names), flattening, converting,
                   writing; report (problems, totals by reason, exit status)

Ids are forever: a feed's record keeps its id through import, reload and export; our own
records get uuid5 ids of their stable `id` column. No Flask here, and nothing from ../shared.
"""

from __future__ import annotations

from .details import AgencyDetails, agency_details
from .export import area_extents, export_hsds, write_folder
from .importing import MAX_FILE_BYTES, ImportProblem, ImportReport, import_hsds
from .package import FEED_FOLDER, read_kept_tables
from .schema import HSDS_VERSION, JSON_FILE, OPENAPI_URL, SERVICES_FILE, SPEC_URL, TABLES, hsds_id
from .tables import hsds_tables, join_address, split_address
from .view import HsdsView

__all__ = [
    "FEED_FOLDER",
    "HSDS_VERSION",
    "JSON_FILE",
    "MAX_FILE_BYTES",
    "OPENAPI_URL",
    "SERVICES_FILE",
    "SPEC_URL",
    "TABLES",
    "AgencyDetails",
    "HsdsView",
    "ImportProblem",
    "ImportReport",
    "agency_details",
    "area_extents",
    "export_hsds",
    "hsds_id",
    "hsds_tables",
    "import_hsds",
    "join_address",
    "read_kept_tables",
    "split_address",
    "write_folder",
]
