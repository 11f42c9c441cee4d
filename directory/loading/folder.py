"""A whole data folder: its three directory files, their fingerprint and a one-line summary."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..records import DataSet, Kind, LoadProblem
from .agencies import load_agencies
from .needs import load_needs
from .regions import load_regions

DATA_FILES = ("needs.csv", "regions.csv", "agencies.csv")


def load_data(folder: str | Path) -> DataSet:
    """Load a whole data folder; never raises for bad content, only reports it."""
    folder = Path(folder)
    problems: list[LoadProblem] = []
    needs = load_needs(folder / "needs.csv", problems)
    areas, rejected_areas = load_regions(folder / "regions.csv", problems)
    agencies = load_agencies(
        folder / "agencies.csv",
        {need.code for need in needs},
        {area.id for area in areas},
        problems,
        rejected_areas,
    )
    return DataSet(
        folder=folder,
        agencies=tuple(agencies),
        areas=tuple(areas),
        needs=tuple(needs),
        problems=tuple(problems),
        fingerprint=fingerprint(folder),
    )


def fingerprint(folder: str | Path) -> str:
    """Content hash of every data file, so an edited file triggers a rebuild and nothing else."""
    digest = hashlib.sha256()
    folder = Path(folder)
    for path in sorted(folder.glob("*")):
        if path.is_file() and path.suffix in {".csv", ".geojson", ".json"}:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def summary(data: DataSet) -> str:
    """'12 agencies, 3 supports loaded; 1 row rejected' for the CLI and status page."""
    formal = sum(1 for a in data.agencies if a.kind is Kind.FORMAL)
    informal = len(data.agencies) - formal
    rejected = data.rejected_rows
    fatal = sum(1 for p in data.problems if p.is_fatal)
    text = (
        f"{formal} agencies, {informal} supports, {len(data.areas)} areas, "
        f"{len(data.needs)} needs loaded; {rejected} row{'s' if rejected != 1 else ''} rejected"
    )
    if fatal:
        text += f"; {fatal} file{'s' if fatal != 1 else ''} unusable"
    return text
