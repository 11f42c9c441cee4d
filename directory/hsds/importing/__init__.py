"""Open Referral HSDS 3.0 -> a data folder this service loads (agencies, regions, needs).

Reads a CSV data package folder, an HSDS JSON file (tabular, a list, a paged list or one
fully nested object) or a folder of them. Maps what maps onto our records (one agency per
service), keeps every other non-empty field in the agency's notes, keeps the feed's own
records whole, ids included, as an HSDS 3.0 package in the folder's `hsds/` (keeping.py;
export and API emit them unchanged) with `hsds_ids.csv` (agency -> feed service), and
reports each record or field it could not use as an `ImportProblem` (file, record, field,
reason, what was done).

All or nothing: the folder is written beside the target, loaded back with `load_data`, and
swapped in only when it loads with zero problems; a fatal problem (missing table, unreadable
or oversized file, no usable service) writes nothing at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..crosswalk import CROSSWALK_FILE
from .converting import Converter
from .reading import MAX_FILE_BYTES, read_source
from .region import describe_region, place_region
from .report import Fatal, ImportProblem, ImportReport, Problems
from .writing import write_data_folder

__all__ = ["MAX_FILE_BYTES", "ImportProblem", "ImportReport", "import_hsds"]


def import_hsds(
    src: str | Path,
    out_dir: str | Path,
    *,
    region_name: str = "All areas",
    max_file_bytes: int = MAX_FILE_BYTES,
    vocabulary: str | Path | None = None,
    counties: Sequence[str] = (),
    boundaries: str | Path | None = None,
    region_shapes: str | Path | None = None,
) -> ImportReport:
    """Convert an HSDS dataset into a data folder at out_dir, all or nothing.

    `region_name` names the root service area made for datasets that don't carry our area
    tree; `vocabulary` is a data folder whose needs.csv is used when the dataset has no need
    taxonomy of ours (default: the bundled data), and whose taxonomy_crosswalk.csv, if it has
    one, maps outside taxonomies onto needs (else out_dir's existing one, else the bundled
    one; a county's own file is copied into out_dir, and its problems are reported); `counties` (FIPS codes) gives the region's
    counties, else they are derived from the feed's addresses; `boundaries` and `region_shapes`
    are optional GeoJSON files of places and of the feed's areas (importing.region).
    """
    src, out_dir = Path(src), Path(out_dir)
    problems = Problems()
    try:
        if vocabulary is not None and not (Path(vocabulary) / "needs.csv").is_file():
            raise Fatal.about(vocabulary, "the vocabulary folder has no needs.csv")
        tables = read_source(src, problems, max_file_bytes)
        crosswalk = crosswalk_folder(vocabulary, out_dir)
        converted = Converter(tables, problems, src, region_name, vocabulary, crosswalk).convert()
        counts = write_data_folder(converted, out_dir)
        place_region(out_dir, src, counties, problems, boundaries, region_shapes)  # issue 15
    except Fatal as stop:
        problems.append(stop.problem)
        return ImportReport(src, out_dir, written=False, problems=tuple(problems))
    return ImportReport(
        src,
        out_dir,
        written=True,
        agencies=counts[0],
        areas=counts[1],
        needs=counts[2],
        skipped_services=converted.skipped,
        problems=tuple(problems),
        kept_in_notes=dict(sorted(converted.kept_in_notes.items())),
        region=describe_region(out_dir),
    )


def crosswalk_folder(vocabulary: str | Path | None, out_dir: Path) -> Path | None:
    """Where the crosswalk comes from: the vocabulary folder's taxonomy_crosswalk.csv, else
    the one already in out_dir (a county's own, kept from an earlier import or put there by
    hand), else None (the bundled one)."""
    for folder in (Path(vocabulary) if vocabulary else None, out_dir):
        if folder is not None and (folder / CROSSWALK_FILE).is_file():
            return folder
    return None


# -- reading --------------------------------------------------------------------------------
