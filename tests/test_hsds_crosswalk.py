"""Outside taxonomies (Open Eligibility, 211/AIRS, a county's own) become our needs through
the crosswalk, so need filters find an imported feed's services. Feeds are invented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from directory.catalog import Directory
from directory.config import DEFAULT_DATA_DIR
from directory.hsds import import_hsds
from directory.hsds.crosswalk import CROSSWALK_FILE, Crosswalk, Term, needs_for_terms
from directory.loading import load_data
from directory.search import search
from directory.search_engine import SearchQuery

OE = "Open Eligibility"
AIRS = "211 LA County Taxonomy (AIRS)"


@pytest.fixture(scope="module")
def crosswalk() -> Crosswalk:
    walk = Crosswalk.build(load_data(DEFAULT_DATA_DIR).needs)
    assert walk.problems == ()  # every row of the bundled file names a need we have
    return walk


@pytest.mark.parametrize(
    ("category", "need"),
    [
        ("Food", "food"),  # the only need filed under Food in needs.csv
        ("Health", "health"),  # several filed under Health: the namesake
        ("Housing", "housing"),
        ("Transit", "transportation"),
        ("Money", "benefits"),
        ("Emergency", "crisis"),
        ("Work", "employment"),  # several, no namesake: the crosswalk file's row
    ],
)
def test_open_eligibility_categories_map_from_needs_csv_then_the_file(crosswalk, category, need):
    assert crosswalk.needs_for(Term("", category, OE)) == (need,)


def test_a_category_too_broad_for_one_need_maps_to_none(crosswalk):
    assert crosswalk.needs_for(Term("", "Care", OE)) == ()
    assert crosswalk.needs_for(Term("", "Goods", OE)) == ()


def test_a_subcategory_is_read_itself_first_then_through_its_parents(crosswalk):
    food = Term("", "Food", OE)
    assert crosswalk.needs_for(Term("", "Food Delivery", OE, (food,))) == ("food",)
    assert crosswalk.needs_for(Term("", "Mental Health Care", OE, (Term("", "Health", OE),))) == (
        "mental-health",
    )
    assert crosswalk.needs_for(Term("", "Navigating the System", OE)) == ("service-coordination",)


@pytest.mark.parametrize(
    ("code", "needs"),
    [
        ("BD-1800.2000", ("food",)),
        ("BH-1800", ("housing",)),
        ("bd - 1800", ("food",)),
        ("RP-1400.8000", ("mental-health",)),
        ("YB-8000", ()),  # a code no row covers
    ],
)
def test_211_airs_codes_map_by_longest_prefix(crosswalk, code, needs):
    assert crosswalk.needs_for(Term(code, "", AIRS)) == needs


def test_a_term_of_an_unknown_taxonomy_is_not_guessed(crosswalk):
    assert crosswalk.needs_for(Term("F-1", "Food", "My county's own list")) == ()


def test_a_data_folders_own_crosswalk_is_read_and_its_bad_rows_reported(tmp_path):
    (tmp_path / CROSSWALK_FILE).write_text(
        "scheme,code,need,note\n"
        "airs,RX,substance-use,a county's licensed code\n"
        "airs,R,mental-health,\n"
        "my county's own list,Food,food,\n"
        "airs,LV,no-such-need,\n"
        ",missing scheme,food,\n",
        encoding="utf-8",
    )
    walk = Crosswalk.build(load_data(DEFAULT_DATA_DIR).needs, tmp_path)
    assert walk.needs_for(Term("RX-8450.1150", "", AIRS)) == ("substance-use",)
    assert walk.needs_for(Term("RP-1400", "", AIRS)) == ("mental-health",)
    assert walk.needs_for(Term("", "Food", "My county's own list")) == ("food",)
    assert walk.problems == (
        f"{CROSSWALK_FILE} line 5: need 'no-such-need' is not in the vocabulary; row not used",
        f"{CROSSWALK_FILE} line 6: needs a scheme and a code; row not used",
    )


def test_a_crosswalk_with_a_wrong_header_is_not_used_and_says_so(tmp_path):
    (tmp_path / CROSSWALK_FILE).write_text("code,need\nBD,food\n", encoding="utf-8")
    walk = Crosswalk.build(load_data(DEFAULT_DATA_DIR).needs, tmp_path)
    assert walk.problems == (
        f"{CROSSWALK_FILE} line 1: the header must be scheme,code,need,note; not used",
    )
    assert walk.needs_for(Term("BD-1800", "", AIRS)) == ()


def test_terms_from_hsds_records_follow_parents_and_survive_a_parent_loop(crosswalk):
    taxonomies = {"t1": {"id": "t1", "name": "Open Eligibility", "uri": ""}}
    terms = {
        "food": {"id": "food", "name": "Food", "taxonomy_id": "t1", "parent_id": "loop"},
        "loop": {"id": "loop", "name": "Loop", "taxonomy_id": "t1", "parent_id": "food"},
        "meals": {
            "id": "meals",
            "name": "Home Delivered Meals",
            "taxonomy_id": "t1",
            "parent_id": "food",
        },
    }
    term = Term.from_hsds(terms["meals"], taxonomies, terms)
    assert [parent.name for parent in term.parents] == ["Food", "Loop"]
    assert needs_for_terms([term, Term("BH-1800", "", AIRS)], crosswalk) == ("food", "housing")


def feed_with_outside_terms() -> dict:
    org = {"id": "org-1", "name": "Example Helpers", "description": "Sample data."}
    taxonomies = [
        {"id": "oe", "name": "Open Eligibility", "description": "Open Eligibility taxonomy"},
        {"id": "airs", "name": AIRS, "description": "211/AIRS codes"},
    ]
    terms = [
        {"id": "oe-food", "code": "", "name": "Food", "description": "Food", "taxonomy_id": "oe"},
        {
            "id": "oe-pantry",
            "code": "",
            "name": "Food Pantry Hours",
            "description": "x",
            "taxonomy_id": "oe",
            "parent_id": "oe-food",
        },
        {
            "id": "airs-bh",
            "code": "BH-1800.8500",
            "name": "Emergency Shelter Beds",
            "description": "x",
            "taxonomy_id": "airs",
        },
    ]

    def service(sid: str, name: str, term: str) -> dict:
        return {
            "id": sid,
            "organization_id": "org-1",
            "name": name,
            "status": "active",
            "attributes": [{"id": f"a-{sid}", "taxonomy_term_id": term}],
        }

    return {
        "organizations": [org],
        "taxonomies": taxonomies,
        "taxonomy_terms": terms,
        "services": [
            service("s1", "Example Pantry", "oe-pantry"),
            service("s2", "Example Night Shelter", "airs-bh"),
        ],
    }


def test_need_filters_find_services_tagged_with_outside_taxonomies(tmp_path):
    (tmp_path / "feed.json").write_text(json.dumps(feed_with_outside_terms()), encoding="utf-8")
    report = import_hsds(tmp_path / "feed.json", tmp_path / "data")
    assert report.written, [str(p) for p in report.problems]
    found = {agency.name: agency.needs for agency in load_data(tmp_path / "data").agencies}
    assert "food" in found["Example Pantry"] and "housing" in found["Example Night Shelter"]
    directory = Directory.load(tmp_path / "data", {"GEOCODER": "offline", "INDEX_DIR": ":memory:"})
    hits = search(directory, SearchQuery(needs=("food",))).hits
    assert [hit.agency.name for hit in hits] == ["Example Pantry"]
    hits = search(directory, SearchQuery(needs=("housing",))).hits
    assert [hit.agency.name for hit in hits] == ["Example Night Shelter"]


def test_the_bundled_crosswalk_file_is_in_the_data_folder():
    assert (Path(DEFAULT_DATA_DIR) / CROSSWALK_FILE).is_file()


def test_open_referral_uk_esd_vocabularies_are_one_scheme_a_county_can_map(tmp_path):
    assert Term("", "Lunch clubs", "esdServiceTypes").scheme == "esd"
    assert Term("", "Homelessness", "esdNeeds").scheme == "esd"
    (tmp_path / CROSSWALK_FILE).write_text(
        "scheme,code,need,note\nesd,Lunch clubs,food,\n", encoding="utf-8"
    )
    walk = Crosswalk.build(load_data(DEFAULT_DATA_DIR).needs, tmp_path)
    assert walk.needs_for(Term("", "Lunch clubs", "esdServiceTypes")) == ("food",)


def test_a_term_naming_its_taxonomy_in_text_is_kept_and_mapped(tmp_path):
    term = {
        "id": "t-meals",
        "name": "Free Meals",
        "description": "Open Eligibility subcategory",
        "taxonomy": "Open Eligibility",  # the 3.0 text column, no taxonomy record
    }
    feed = {
        "organizations": [{"id": "o1", "name": "Example Org", "description": "Sample."}],
        "services": [
            {
                "id": "s1",
                "organization_id": "o1",
                "name": "Example Soup Kitchen",
                "status": "active",
                "attributes": [{"id": "a1", "taxonomy_term": term}],
            }
        ],
    }
    (tmp_path / "feed.json").write_text(json.dumps(feed), encoding="utf-8")
    report = import_hsds(tmp_path / "feed.json", tmp_path / "data")
    assert report.written, [str(p) for p in report.problems]
    (agency,) = load_data(tmp_path / "data").agencies
    assert "food" in agency.needs  # "Free Meals" -> food, by the bundled crosswalk
    kept = (tmp_path / "data" / "hsds" / "taxonomy_terms.csv").read_text(encoding="utf-8")
    assert "Open Eligibility" in kept
