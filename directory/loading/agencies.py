"""agencies.csv: agencies and informal supports."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..records import AgeGroup, Agency, Kind, Level, LoadProblem
from .fields import (
    MAX_AGE,
    choices,
    codes,
    optional_date,
    optional_float,
    optional_int,
    phones,
    required,
    slug,
    website,
)
from .rows import Row, RowProblem, parse_rows

# The order agencies.csv is written in (the bundled file, exports and imports).
AGENCY_HEADER = (
    "id",
    "name",
    "kind",
    "levels",
    "age_groups",
    "min_age",
    "max_age",
    "areas",
    "needs",
    "phones",
    "address",
    "latitude",
    "longitude",
    "website",
    "how_to_refer",
    "eligibility",
    "languages",
    "description",
    "source",
    "verified_on",
    "reconstructed",
    "notes",
)
AGENCY_REQUIRED = ("id", "name", "kind", "areas", "source")
AGENCY_COLUMNS = {
    "required": AGENCY_REQUIRED,
    "optional": tuple(column for column in AGENCY_HEADER if column not in AGENCY_REQUIRED),
}


def load_agencies(
    path: Path,
    need_codes: set[str],
    area_ids: set[str],
    problems: list[LoadProblem],
    rejected_areas: Mapping[str, int] | None = None,
) -> list[Agency]:
    """Agencies and supports. An area whose regions.csv row was rejected (`rejected_areas`:
    id -> line) is left out of an agency's areas and reported; the agency still loads."""
    rejected_areas = rejected_areas or {}

    def parse(row: Row) -> Agency:
        agency_id = slug(row, "id")
        name = required(row, "name")
        kind_text = required(row, "kind")
        try:
            kind = Kind(kind_text.lower())
        except ValueError:
            raise RowProblem(
                "kind", kind_text, f'unknown kind "{kind_text}"; expected formal or informal'
            ) from None
        listed = row.items("areas")
        missing = [a for a in dict.fromkeys(listed) if a in rejected_areas]
        kept = Row(row.path, row.line, {"areas": ";".join(a for a in listed if a not in missing)})
        areas = codes(kept, "areas", area_ids, "area", "regions.csv")
        if not areas and not missing:
            raise RowProblem("areas", "", "required value is missing; list at least one area id")
        min_age = optional_int(row, "min_age", 0, MAX_AGE)
        max_age = optional_int(row, "max_age", 0, MAX_AGE)
        if min_age is not None and max_age is not None and min_age > max_age:
            raise RowProblem(
                "max_age", str(max_age), f"max_age {max_age} is below min_age {min_age}"
            )
        latitude = optional_float(row, "latitude", -90, 90)
        longitude = optional_float(row, "longitude", -180, 180)
        if (latitude is None) != (longitude is None):
            column = "longitude" if longitude is None else "latitude"
            raise RowProblem(column, "", "latitude and longitude go together; one is missing")
        reconstructed = tuple(row.items("reconstructed"))
        unknown = [c for c in reconstructed if c not in AGENCY_HEADER]
        if unknown:
            raise RowProblem(
                "reconstructed", ";".join(unknown), f"names unknown column(s) {', '.join(unknown)}"
            )
        age_groups = choices(row, "age_groups", AgeGroup)
        agency = Agency(
            id=agency_id,
            name=name,
            kind=kind,
            levels=choices(row, "levels", Level),
            # No age group listed means the support is open to every age.
            age_groups=age_groups or frozenset(AgeGroup),
            area_ids=areas,
            needs=frozenset(codes(row, "needs", need_codes, "need", "needs.csv")),
            phones=phones(row, "phones"),
            source=required(row, "source"),
            verified_on=optional_date(row, "verified_on"),
            min_age=min_age,
            max_age=max_age,
            description=row.get("description"),
            address=row.get("address"),
            latitude=latitude,
            longitude=longitude,
            website=website(row, "website"),
            how_to_refer=row.get("how_to_refer"),
            eligibility=row.get("eligibility"),
            languages=tuple(row.items("languages")),
            reconstructed=reconstructed,
            notes=row.get("notes"),
        )
        for area_id in missing:  # only once the row is known to load
            problems.append(
                LoadProblem(
                    path,
                    row.line,
                    "areas",
                    area_id,
                    f'area "{area_id}" was rejected in regions.csv (line {rejected_areas[area_id]})',
                    "agency loaded without that area"
                    + ("" if areas else "; it serves no place until regions.csv is fixed"),
                )
            )
        return agency

    return parse_rows(path, AGENCY_COLUMNS, problems, parse, key=lambda agency: agency.id)
