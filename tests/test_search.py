"""Search over the bundled data, the same for both index backends (no Flask)."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from directory.catalog import Directory
from directory.config import DEFAULT_DATA_DIR
from directory.errors import BadInput
from directory.loading import load_data
from directory.search import SearchQuery, search

BACKENDS = ["whoosh", "tantivy"]
WPIC = "western-psychiatric-institute-and-clinic"  # the one agency listing Oakland


@pytest.fixture(scope="module", params=BACKENDS)
def directory(request, tmp_path_factory) -> Directory:
    """The bundled data with its own index folder, once per backend."""
    settings = {
        "SEARCH_BACKEND": request.param,
        "INDEX_DIR": str(tmp_path_factory.mktemp(f"index-{request.param}")),
        "GEOCODER": "offline",
    }
    return Directory.from_data(load_data(DEFAULT_DATA_DIR), settings)


def ids(results) -> list[str]:
    return [hit.agency.id for hit in results.hits]


def run(directory: Directory, **fields) -> object:
    fields.setdefault("page_size", 100)
    return search(directory, SearchQuery(**fields))


# -- relevance -------------------------------------------------------------------------


def test_psychiatrist_for_my_daughter_near_oakland_puts_child_mental_health_serving_oakland_first(
    directory,
):
    results = run(directory, q="psychiatrist for my daughter", near="Oakland")
    first = results.hits[0].agency
    assert first.id == WPIC
    assert "mental-health" in first.needs and "child" in {g.value for g in first.age_groups}
    assert "oakland" in first.area_ids
    assert results.hits[0].covers_place is True
    assert {"mental-health", "family-support"} <= set(results.needs_named)


def test_area_filter_ranks_the_agency_listing_that_area_above_region_wide_ones(directory):
    results = run(directory, q="psychiatrist for my daughter", areas=("oakland",))
    assert ids(results)[0] == WPIC


def test_psychiatrist_for_my_daughter_prefers_agencies_serving_children_over_adults_only(
    directory,
):
    order = ids(run(directory, q="psychiatrist for my daughter", near="Oakland"))
    assert order.index("allegheny-childrens-initiative") < order.index("hsao")  # hsao: adults


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("rent", "housing"),
        ("SSI appeal", "benefits"),
        ("psychiatrist", "mental-health"),
        ("bus pass", "transportation"),
        ("my son needs a GED", "education"),
    ],
)
def test_synonyms_from_needs_csv_find_every_agency_serving_the_need(directory, text, need):
    results = run(directory, q=text)
    assert need in results.needs_named
    serving = {a.id for a in directory.agencies if need in a.needs}
    assert serving <= set(ids(results))
    assert need in results.hits[0].agency.needs


def test_bus_pass_finds_the_bus_pass_support_first(directory):
    assert ids(run(directory, q="bus pass"))[0] == "public-transit-bus-pass"


def test_name_words_find_the_agency(directory):
    assert ids(run(directory, q="Pressley Ridge"))[0] == "pressley-ridge"


# -- typos -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant", "need"),
    [
        ("psychiatist", "psychiatrist", "mental-health"),
        ("benfits", "benefits", "benefits"),
        ("housnig", "housing", "housing"),
        ("psychiatirst for my dauhgter", "psychiatrist for my daughter", "mental-health"),
    ],
)
def test_typos_are_tolerated_and_offered_as_did_you_mean(directory, typed, meant, need):
    results = run(directory, q=typed)
    assert results.did_you_mean == meant
    assert results.total > 0
    assert need in results.hits[0].agency.needs


@pytest.mark.parametrize("text", ["housing", "psychiatrists", "rent help", "Pressley"])
def test_words_the_directory_knows_get_no_did_you_mean(directory, text):
    assert run(directory, q=text).did_you_mean is None


def test_words_nobody_uses_find_nothing_rather_than_everything(directory):
    results = run(directory, q="zxqvw kjhgf")
    assert results.total == 0 and results.hits == ()


# -- hostile input ---------------------------------------------------------------------

HOSTILE = [
    '"',
    "'",
    '"unbalanced',
    "AND(",
    "AND( ((",
    "OR",
    "NOT rent",
    "*",
    "rent*",
    "?",
    "~2",
    "((((",
    "))))",
    "[",
    "]",
    "{",
    "}",
    "[1 TO 5]",
    "name:rent",
    "+rent -help",
    "rent^10",
    "\\",
    "/regex/",
    "x" * 10_000,
    "rent " * 3_000,
    "🙂",
    "🙂🙂 housing 🏠",
    "\x00",
    "rent\x00help",
    "\x1b[31mrent",
    "\u202erent",
    "\ud800",
    "\u0000\u0007\u007f",
    "ｒｅｎｔ",
    "",
    " ",
    "\t\n",
    "a" * 41,
    "ĉu loĝejo",
    "住房",
    "-",
    "&&",
    "||",
    "!",
    ":",
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda text: repr(text[:12]))
def test_hostile_text_returns_results_or_nothing_never_an_exception(directory, text):
    results = run(directory, q=text)
    assert results.total >= len(results.hits) >= 0
    query = SearchQuery.from_args({"q": text, "need": "housing"}, directory)
    assert search(directory, query).total >= 0


def test_query_syntax_is_just_words(directory):
    assert ids(run(directory, q='rent AND( (("')) == ids(run(directory, q="rent"))
    assert ids(run(directory, q="rent*")) == ids(run(directory, q="rent"))


def test_overlong_text_is_cut_not_rejected(directory):
    query = SearchQuery.from_args({"q": "rent " + "x" * 10_000}, directory)
    assert len(query.text) <= directory.settings.max_query_chars
    assert "housing" in search(directory, query).needs_named


# -- filters and facets ----------------------------------------------------------------


def test_empty_text_with_filters_lists_every_match_by_name(directory):
    results = run(directory, levels=("blended",), age_groups=("child",))
    expected = sorted(
        (
            a
            for a in directory.agencies
            if any(lv.value == "blended" for lv in a.levels)
            and any(g.value == "child" for g in a.age_groups)
        ),
        key=lambda a: a.name.casefold(),
    )
    assert ids(results) == [a.id for a in expected]
    assert results.total == len(expected)


def test_level_filter_leaves_out_supports_without_coordination(directory):
    results = run(directory, q="mental health", levels=("administrative",))
    assert results.total and all(hit.agency.is_formal for hit in results.hits)


def test_kind_filter_lists_only_informal_supports(directory):
    results = run(directory, kinds=("informal",))
    assert results.total == len(directory.informal_supports)


def test_area_filter_includes_agencies_serving_the_area_its_ancestors_and_its_parts(directory):
    found = set(ids(run(directory, areas=("pittsburgh",))))
    assert WPIC in found  # lists Oakland, part of Pittsburgh
    assert "mercy-behavioral-health" in found  # lists Northside and Southside
    assert "family-links" in found  # lists the whole county
    assert "chartiers-mh-mr" not in found  # South Hills and Bridgeville only


def test_area_filter_on_a_small_area_excludes_neighbouring_small_areas(directory):
    found = set(ids(run(directory, areas=("bridgeville",))))
    assert "chartiers-mh-mr" in found and "family-links" in found
    assert WPIC not in found and "staunton-clinic" not in found


def test_values_within_one_filter_combine_with_or(directory):
    both = run(directory, areas=("oakland", "bridgeville")).total
    assert (
        both
        > max(
            run(directory, areas=("oakland",)).total, run(directory, areas=("bridgeville",)).total
        )
        - 1
    )
    assert WPIC in ids(run(directory, areas=("oakland", "bridgeville")))


@pytest.mark.parametrize(
    "chosen",
    [
        {},
        {"levels": ("blended",)},
        {"q": "housing", "age_groups": ("child",)},
        {"areas": ("mon-valley",), "kinds": ("formal",)},
        {"needs": ("transportation",)},
    ],
)
def test_each_facet_count_is_the_total_that_choosing_it_would_give(directory, chosen):
    results = run(directory, **chosen)
    field_of = {
        "kind": "kinds",
        "level": "levels",
        "age_group": "age_groups",
        "area": "areas",
        "need": "needs",
    }
    for facet, counts in results.facets.items():
        for value, count in counts.items():
            narrowed = dict(chosen, **{field_of[facet]: (value,)})
            assert run(directory, **narrowed).total == count, (facet, value)


def test_facets_count_every_value_including_zeros(directory):
    results = run(directory, kinds=("informal",))
    assert set(results.facets) == {"kind", "level", "age_group", "need", "area"}
    assert results.facets["level"] == {"blended": 0, "administrative": 0}
    assert results.facets["kind"]["formal"] == len(directory.formal_agencies)  # own facet open


# -- pagination and sorting ------------------------------------------------------------


def test_pages_cover_every_match_once_in_a_stable_order(directory):
    everything = ids(run(directory, q="help with mental health", page_size=100))
    pages = []
    for page in range(1, 7):
        results = run(directory, q="help with mental health", page=page, page_size=4)
        assert results.total == len(everything)
        pages.extend(ids(results))
    assert pages == everything
    assert run(directory, q="help with mental health", page=50, page_size=4).hits == ()


def test_sort_by_distance_puts_agencies_covering_the_place_first_nearest_next(directory):
    results = run(directory, q="mental health", near="15017", sort="distance")
    distances = [hit.distance_km for hit in results.hits]
    assert distances == sorted(distances)
    covering = [hit for hit in results.hits if hit.covers_place]
    assert covering and all(hit.distance_km == 0 for hit in covering)
    assert "chartiers-mh-mr" in {hit.agency.id for hit in covering}  # serves Bridgeville


def test_sort_by_name_is_alphabetical(directory):
    names = [hit.agency.name.casefold() for hit in run(directory, q="rent", sort="name").hits]
    assert names == sorted(names)


def test_a_place_that_cannot_be_found_is_a_value_error_with_words(directory):
    with pytest.raises(ValueError):
        run(directory, q="rent", near="Sprngfield Atlantis 00000")


# -- arguments -------------------------------------------------------------------------


def test_from_args_reads_repeated_and_comma_separated_filters(directory):
    args = MultiDict(
        [
            ("q", "rent"),
            ("need", "housing"),
            ("need", "benefits,food"),
            ("level", "Blended"),
            ("page", "2"),
            ("page_size", "5"),
        ]
    )
    query = SearchQuery.from_args(args, directory)
    assert query.needs == ("housing", "benefits", "food")
    assert query.levels == ("blended",) and query.page == 2 and query.page_size == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"level": "intensive"}, 'Unknown level "intensive". Choose blended or administrative.'),
        ({"age_group": "teen"}, 'Unknown age group "teen". Choose adult or child.'),
        ({"kind": "other"}, 'Unknown kind "other"'),
        ({"area": "atlantis"}, 'Unknown area "atlantis"'),
        ({"need": "unicorns"}, 'Unknown need "unicorns"'),
        ({"area": "'; DROP"}, "is not a area code"),
        ({"page": "two"}, 'page must be a whole number, not "two"'),
        ({"page": "0"}, "page must be between 1 and"),
        ({"page_size": "100000"}, "page size must be between 1 and 100"),
        ({"sort": "random"}, 'Unknown sort "random"'),
        ({"sort": "distance"}, "Sorting by distance needs a place"),
    ],
)
def test_bad_filter_values_are_bad_input_saying_what_to_do(directory, args, message):
    with pytest.raises(BadInput) as caught:
        SearchQuery.from_args(args, directory)
    assert message in caught.value.message


def test_an_unknown_code_is_refused_with_every_known_code_in_full(directory):
    with pytest.raises(BadInput) as caught:
        SearchQuery.read({"need": "rnet"}, directory)
    assert caught.value.code == "bad_need"
    for code in directory.needs_by_code:
        assert code in caught.value.message


def test_query_round_trips_through_its_args(directory):
    query = SearchQuery(q="rent", levels=("blended",), areas=("oakland",), page=2, page_size=5)
    assert SearchQuery.from_args(query.to_args(), directory) == query


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_word_in_more_agencies_than_the_text_limit_ranks_within_the_best_and_says_so(backend):
    settings = {"INDEX_DIR": ":memory:", "SEARCH_TEXT_LIMIT": 3, "SEARCH_BACKEND": backend}
    small = Directory.from_data(load_data(DEFAULT_DATA_DIR), settings)
    everyone = search(small, SearchQuery(q="allegheny", page_size=100))
    assert everyone.is_total_exact is False
    assert len(everyone.hits) == everyone.total == 3
    assert search(small, SearchQuery(q="pressley")).is_total_exact is True


# -- outside taxonomy terms of an imported feed ----------------------------------------


def feed_tagged_with_an_outside_term() -> dict:
    """Two services; one tagged only with a 211/AIRS term that maps onto none of our needs
    (no crosswalk row for the "Y" prefix), whose words appear nowhere else in the feed."""
    airs = "211 LA County Taxonomy (AIRS)"
    term = {
        "id": "airs-yz",
        "code": "YZ-4500.0750",
        "name": "Whittling Instruction",
        "description": "x",
        "taxonomy_id": "airs",
    }

    def service(sid: str, name: str, **more) -> dict:
        return {
            "id": sid,
            "organization_id": "org-1",
            "name": name,
            "description": "Sample data.",
            "status": "active",
        } | more

    return {
        "organizations": [{"id": "org-1", "name": "Example Org", "description": "Sample."}],
        "taxonomies": [{"id": "airs", "name": airs, "description": "211/AIRS codes"}],
        "taxonomy_terms": [term],
        "services": [
            service(
                "s1",
                "Example Craft Club",
                attributes=[{"id": "a1", "taxonomy_term_id": term["id"]}],
            ),
            service("s2", "Example Reading Room"),
        ],
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_feed_service_is_found_by_its_outside_taxonomy_term(tmp_path, backend):
    import json

    from directory.hsds import import_hsds

    (tmp_path / "feed.json").write_text(
        json.dumps(feed_tagged_with_an_outside_term()), encoding="utf-8"
    )
    report = import_hsds(tmp_path / "feed.json", tmp_path / "data")
    assert report.written, [str(p) for p in report.problems]
    settings = {"SEARCH_BACKEND": backend, "INDEX_DIR": ":memory:", "GEOCODER": "offline"}
    directory = Directory.load(tmp_path / "data", settings)
    for words in ("whittling instruction", "Whittling", "YZ-4500.0750", "whitling"):
        found = search(directory, SearchQuery(q=words))
        assert [hit.agency.name for hit in found.hits] == ["Example Craft Club"], words
    assert search(directory, SearchQuery(q="whitling")).did_you_mean == "whittling"
