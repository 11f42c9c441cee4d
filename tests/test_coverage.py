"""Coverage by area for planners (no Flask)."""

from __future__ import annotations

import csv
import io

from directory.coverage import coverage
from directory.records import AgeGroup, Level


def test_every_area_is_listed_with_flags(bundled_directory):
    result = coverage(bundled_directory)
    assert {a.area_id for a in result.areas} == set(bundled_directory.areas_by_id)
    assert result.areas[0].area_id == "allegheny-county"  # root first, then broad, then small
    for area in result.areas:
        assert area.flag in {"gap", "fragile", "covered", "overlap"}


def test_county_wide_agencies_cover_every_area_and_local_ones_only_theirs(bundled_directory):
    by_area = coverage(bundled_directory).by_area()
    for area in by_area.values():
        assert "hsao" in area.providers
    assert "chartiers-mh-mr" in by_area["bridgeville"].providers
    assert "chartiers-mh-mr" in by_area["south-hills"].providers
    assert "chartiers-mh-mr" not in by_area["mon-valley"].providers
    # Serving only part of an area (Oakland) does not count as covering Pittsburgh.
    assert "western-psychiatric-institute-and-clinic" not in by_area["pittsburgh"].providers
    assert "western-psychiatric-institute-and-clinic" in by_area["oakland"].providers


def test_flags_follow_counts_for_a_level_and_age_group(bundled_directory):
    result = coverage(bundled_directory, Level.BLENDED, AgeGroup.ADULT)
    for area in result.areas:
        expected = (
            "gap"
            if area.count == 0
            else "fragile"
            if area.count == 1
            else "overlap"
            if area.count >= result.overlap_at
            else "covered"
        )
        assert area.flag == expected
    northside = result.by_area()["northside"]
    assert northside.by_combo["blended-adult"] == northside.count


def test_need_without_any_formal_provider_is_a_gap_everywhere(bundled_directory):
    result = coverage(bundled_directory, need="substance-use")
    assert all(area.flag == "gap" for area in result.areas)
    assert all(area.by_need["substance-use"] == 0 for area in result.areas)


def test_csv_has_one_row_per_area_with_combo_and_need_columns(bundled_directory):
    text = coverage(bundled_directory).to_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(bundled_directory.areas_by_id)
    assert {
        "blended-adult",
        "blended-child",
        "administrative-adult",
        "administrative-child",
        "housing",
    } <= set(rows[0])
