"""Coverage that answers planners' questions: places, local scope, honest needs, filters
everywhere, provenance and named downloads (issue 13)."""

from __future__ import annotations

import csv
import io

from directory.coverage import By, Scope, coverage
from directory.records import AgeGroup, Level


def test_by_place_has_a_row_per_municipality_and_neighbourhood(bundled_directory):
    result = coverage(bundled_directory, by=By.PLACE)
    assert len(result.areas) >= 200
    kinds = {area.kind for area in result.areas}
    assert {"neighbourhood", "borough", "township", "city"} <= kinds
    assert all(area.parent in bundled_directory.areas_by_id for area in result.areas)


def test_local_scope_leaves_out_region_wide_agencies_and_shows_city_gaps(bundled_directory):
    local = coverage(bundled_directory, scope=Scope.LOCAL, by=By.PLACE)
    city = [a for a in local.areas if a.kind == "neighbourhood" and a.parent == "pittsburgh"]
    assert city and all(a.flag == "gap" for a in city)
    everyone = coverage(bundled_directory).by_area()
    assert "hsao" in everyone["pittsburgh"].providers
    assert (
        "hsao"
        not in coverage(bundled_directory, scope=Scope.LOCAL).by_area()["bridgeville"].providers
    )


def test_needs_count_community_supports_separately(bundled_directory):
    body = coverage(bundled_directory).to_json()
    root = body["areas"][0]
    food = root["by_need"]["food"]
    assert food["count"] == 0 and food["informal"] >= 1  # PA 211 helps with food
    assert "pa-211" in bundled_directory.agencies_by_id
    assert food["flag"] != "gap"


def test_need_filter_applies_to_level_and_age_counts(bundled_directory):
    plain = coverage(bundled_directory).by_area()["mon-valley"]
    food = coverage(bundled_directory, need="food").by_area()["mon-valley"]
    assert any(plain.by_combo.values())
    assert all(n == 0 for n in food.by_combo.values())  # no coordination agency lists food
    assert list(food.by_need) == ["food"]


def test_default_picture_is_not_overlap_everywhere(bundled_directory):
    flags = {area.flag for area in coverage(bundled_directory).areas}
    assert len(flags) > 1


def test_csv_carries_provenance_and_guards_cells(bundled_directory):
    result = coverage(bundled_directory, Level.BLENDED, AgeGroup.CHILD)
    assert result.file_name("csv") == "coverage-blended-child.csv"
    rows = list(csv.DictReader(io.StringIO(result.to_csv())))
    assert "2011" in rows[0]["provenance"]


def test_coverage_is_memoised_on_the_directory(bundled_directory):
    assert coverage(bundled_directory, need="food") is coverage(bundled_directory, need="food")


def test_download_is_named_for_its_filter_and_carries_the_date(client):
    response = client.get("/coverage.csv?level=blended&age=child")
    assert 'filename="coverage-blended-child.csv"' in response.headers["Content-Disposition"]
    assert "September 2011" in response.get_data(as_text=True)
    again = client.get(
        "/coverage.csv?level=blended&age=child", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_api_by_place_and_local_scope(client):
    body = client.get("/api/v1/coverage?by=place").get_json()
    assert len(body["areas"]) >= 200
    local = client.get("/api/v1/coverage?by=place&scope=local").get_json()
    assert any(a["flag"] == "gap" and a["parent"] == "pittsburgh" for a in local["areas"])
    food = client.get("/api/v1/coverage?need=food").get_json()
    assert food["areas"][0]["by_need"]["food"]["informal"] >= 1
    assert client.get("/api/v1/coverage?scope=wide").status_code == 400


def test_page_explains_overlap_and_says_where_numbers_come_from(client):
    page = client.get("/coverage?by=place&scope=local").get_data(as_text=True)
    assert "Why " in page and "OVERLAP_AT" in page
    assert "September 2011" in page
    assert "Bloomfield, Pittsburgh" in page
    assert "coverage-place-local.csv" in page


def test_area_name_that_looks_like_a_formula_is_text_in_the_csv(data_copy):
    from directory.catalog import Directory

    regions = data_copy / "regions.csv"
    text = regions.read_text(encoding="utf-8").replace(",Bridgeville,", ",=cmd|' /C calc'!A0,", 1)
    regions.write_text(text, encoding="utf-8")
    directory = Directory.load(data_copy, {"GEOCODER": "offline"}, search_index=False)
    out = coverage(directory).to_csv()
    assert "'=cmd|" in out
    assert ",=cmd" not in out


def test_map_key_numbers_every_area_with_circles_apart(bundled_directory):
    import math

    from directory.svg import key_markers, map_picture

    picture = map_picture(bundled_directory.atlas.areas_drawing())
    wanted = [a.area_id for a in picture.areas if a.depth > 0]
    markers = key_markers(picture, wanted)
    assert [m.area.area_id for m in markers] == wanted
    assert [m.number for m in markers] == list(range(1, len(wanted) + 1))
    for m in markers:
        x0, y0, x1, y1 = m.area.bounds
        r = m.radius  # the circle touches its own area's box
        assert x0 - r <= m.x <= x1 + r and y0 - r <= m.y <= y1 + r
    crowded = [
        (a.area.area_id, b.area.area_id)
        for n, a in enumerate(markers)
        for b in markers[n + 1 :]
        if math.hypot(a.x - b.x, a.y - b.y) < 2 * a.radius * 0.95
    ]
    assert crowded == []  # no circle covers another's number


def test_coverage_page_key_names_each_numbered_area_and_tables_scroll_in_a_box(client):
    page = client.get("/coverage").get_data(as_text=True)
    key = page.split('<ol class="map-key"', 1)[1].split("</ol>", 1)[0]
    assert '<li value="1">' in key and 'href="#row-oakland">Oakland</a>' in key
    assert page.count('class="key-dot') == key.count("<li ")
    assert "map-label" not in page  # no 7 px names on a phone
    assert page.count('class="table-wrap" role="region"') == 2
    assert 'class="coverage-page"' in page
