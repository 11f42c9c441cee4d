"""ZIP codes: the one place ZIP normalising lives, plus the region's ZIP centroids and corrections."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from .files import read_csv_rows

ZIP_PATTERN = re.compile(r"^([0-9]{5})(?:[-\s]?([0-9]{4}))?$")
# A ZIP inside free text: five digits, optionally +4, not part of a longer number.
ZIP_IN_TEXT = re.compile(r"(?<![0-9.,-])([0-9]{5})(?:-[0-9]{4})?(?![0-9.])")

# Kinds the USPS (and the zipcodes package) give ZIP codes; only STANDARD ones cover ground.
STANDARD = "STANDARD"
CORRECTION_ACTIONS = ("move", "drop", "no-shape")


def normalise_zip(text: object) -> str | None:
    """The 5-digit ZIP `text` is ("15213", " 15213-3890 ", "152133890"), or None if it is not one."""
    if not isinstance(text, str):
        return None
    match = ZIP_PATTERN.match(unicodedata.normalize("NFKC", text).strip())  # full-width digits too
    return match.group(1) if match else None


def zips_in_text(text: str) -> list[str]:
    """Every 5-digit ZIP-looking token in free text, in order (the last is usually the ZIP)."""
    return [match.group(1) for match in ZIP_IN_TEXT.finditer(text)]


@dataclass(frozen=True, slots=True)
class ZipPoint:
    """A ZIP code's representative point and what the USPS calls it; lat/lon None when unknown."""

    zip: str
    city: str
    county: str
    state: str
    kind: str  # STANDARD, PO BOX or UNIQUE (one organisation)
    lat: float | None
    lon: float | None
    draws_shape: bool  # False for PO box, single-organisation and corrected-away ZIPs
    note: str = ""

    @property
    def label(self) -> str:
        """ "15001 (Aliquippa, Beaver County, PA)", for telling a person what we understood."""
        where = ", ".join(part for part in (self.city.title(), self.county, self.state) if part)
        return f"{self.zip} ({where})" if where else self.zip


@dataclass(frozen=True, slots=True)
class ZipCorrection:
    """One reviewed fix to a package centroid: move it, drop it, or keep it but draw no shape."""

    zip: str
    action: str
    lat: float | None
    lon: float | None
    note: str


def read_zip_points(path: Path, problems: list[str] | None = None) -> dict[str, ZipPoint]:
    """ZIP centroids copied from the zipcodes package by geo.build_zip_points; a file that
    can't be read (not UTF-8, empty, header only) is reported in `problems` and ignored."""
    points: dict[str, ZipPoint] = {}
    rows = read_csv_rows(path, [] if problems is None else problems, ("zip",))
    for row in rows or []:
        code = normalise_zip(row.get("zip") or "")
        if code is None:
            continue
        lat, lon = _float(row.get("lat")), _float(row.get("lon"))
        kind = (row.get("kind") or STANDARD).strip().upper()
        points[code] = ZipPoint(
            code,
            (row.get("city") or "").strip(),
            (row.get("county") or "").strip(),
            (row.get("state") or "").strip(),
            kind,
            lat,
            lon,
            draws_shape=kind == STANDARD and lat is not None,
        )
    return points


def read_zip_corrections(path: Path, problems: list[str]) -> dict[str, ZipCorrection]:
    """Reviewed centroid fixes; a malformed row is reported in `problems` and skipped."""
    corrections: dict[str, ZipCorrection] = {}
    rows = read_csv_rows(path, problems, ("zip", "action"), may_be_empty=True)
    for line, row in enumerate(rows or [], start=2):
        code = normalise_zip(row.get("zip") or "")
        action = (row.get("action") or "").strip().lower()
        lat, lon = _float(row.get("lat")), _float(row.get("lon"))
        if code is None or action not in CORRECTION_ACTIONS:
            problems.append(
                f'{path.name}:{line}: zip "{row.get("zip")}" or action '
                f'"{row.get("action")}" is not valid; row skipped'
            )
            continue
        if action == "move" and (lat is None or lon is None):
            problems.append(f"{path.name}:{line}: move for {code} needs lat and lon; row skipped")
            continue
        corrections[code] = ZipCorrection(code, action, lat, lon, (row.get("note") or "").strip())
    return corrections


def apply_corrections(
    points: dict[str, ZipPoint], corrections: dict[str, ZipCorrection]
) -> dict[str, ZipPoint]:
    """Centroids with the reviewed corrections applied (the package data stays untouched)."""
    fixed = dict(points)
    for code, fix in corrections.items():
        base = points.get(code) or ZipPoint(code, "", "", "", STANDARD, None, None, False)
        if fix.action == "move":
            fixed[code] = replace(
                base, lat=fix.lat, lon=fix.lon, draws_shape=base.kind == STANDARD, note=fix.note
            )
        elif fix.action == "drop":
            fixed[code] = replace(base, lat=None, lon=None, draws_shape=False, note=fix.note)
        else:
            fixed[code] = replace(base, draws_shape=False, note=fix.note)
    return fixed


def lookup_package_zip(code: str) -> ZipPoint | None:
    """Any US ZIP from the zipcodes package; loads its table on first use (most of a second)."""
    import zipcodes  # imported late: only ZIPs far outside the region need the whole table

    try:
        matches = zipcodes.matching(code)
    except (TypeError, ValueError):
        return None
    if not matches:
        return None
    return lookup_record(matches[0])


def package_zips() -> list[dict]:
    """Every ZIP record of the zipcodes package (most of a second to load the first time)."""
    import zipcodes

    return list(zipcodes.list_all())


def lookup_record(record: dict) -> ZipPoint:
    """A zipcodes package record as a ZipPoint (it draws no shape: it is not the region's)."""
    return ZipPoint(
        record.get("zip_code", ""),
        record.get("city", ""),
        record.get("county", ""),
        record.get("state", ""),
        record.get("zip_code_type", STANDARD),
        _float(record.get("lat")),
        _float(record.get("long")),
        draws_shape=False,
    )


def _float(text: object) -> float | None:
    try:
        return float(str(text).strip())
    except (TypeError, ValueError):
        return None
