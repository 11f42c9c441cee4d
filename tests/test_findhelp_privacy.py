"""No cache of a data version holds a person's place or words (directory.memo after searches)."""

from __future__ import annotations

from directory import create_app
from directory.config import DEFAULT_DATA_DIR


def _everything_in(value, seen=None) -> str:
    """The text of a cached value, walking tuples, lists, sets and dicts (not objects' fields)."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return " ".join(_everything_in(item) for item in value)
    if isinstance(value, dict):
        return " ".join(_everything_in(k) + " " + _everything_in(v) for k, v in value.items())
    return str(value)


def test_find_help_caches_never_hold_the_persons_words_or_place():
    app = create_app({"TESTING": True, "DATA": str(DEFAULT_DATA_DIR), "RELOAD_SECONDS": 0})
    client = app.test_client()
    words = "my daughter zanzibarian quokka is suicidal and needs rent"
    place = "7 Zanzibarian Lane, Pittsburgh PA 15213"
    for ask in (
        {"near": place, "q": words, "need": "housing"},
        {"near": "40.4433,-79.9436", "q": words, "age": "child"},
        {"q": words},
    ):
        assert client.get("/", query_string=ask).status_code == 200
        assert client.get("/api/v1/match", query_string=ask).status_code == 200
    memo = app.extensions["directory"].current()._memo
    assert memo  # the card pieces and lookups were cached...
    cached = _everything_in(list(memo.keys())) + " " + _everything_in(list(memo.values()))
    for secret in ("anzibarian", "quokka", "40.4433", "-79.9436"):
        assert secret not in cached  # ...but never what the person typed


def _lists_kept(app) -> dict:
    return dict(app.extensions["directory"].current()._memo.get(("findhelp-lists",), {}))


def test_kept_agency_lists_are_keyed_by_codes_and_hold_no_persons_place_words_or_list():
    """The find-help page's agency lists are kept per data version and derived query; two
    people in the same areas share a list, but each sees their own place, links and list."""
    app = create_app({"TESTING": True, "DATA": str(DEFAULT_DATA_DIR), "RELOAD_SECONDS": 0})
    first, second = app.test_client(), app.test_client()
    ask = {"near": "7 Quokkaville Lane, Pittsburgh PA 15213", "age": "child", "q": "zanzibarian"}
    first.get(
        "/list", query_string={"add": "western-psychiatric-institute-and-clinic"}
    )  # this browser's list (a cookie)
    one = first.get("/", query_string={**ask, "page_size": 1}).get_data(as_text=True)
    kept = _lists_kept(app)
    assert kept  # the lists were kept...
    text = _everything_in(list(kept.keys())) + " " + _everything_in(list(kept.values()))
    for secret in (
        "Quokkaville",
        "quokkaville",
        "zanzibarian",
        "western-psychiatric-institute-and-clinic#",
        "On your referral",
    ):
        assert secret not in text  # ...without the person's place, words or referral list
    for key in kept:
        assert all(isinstance(part, (str, int, tuple, type(None))) for part in key)

    other = {"near": "15213", "age": "child", "page_size": 1}
    two = second.get("/", query_string=other).get_data(as_text=True)
    assert set(_lists_kept(app)) >= set(kept)
    assert "Quokkaville" in one and "Quokkaville" not in two  # each their own place
    assert "Help near 15213" in two
    assert "On your referral list" in one and "On your referral list" not in two
    assert "zanzibarian" in one.split('class="show-more')[1].split("</a>")[0]  # own next page
    assert "zanzibarian" not in two
    assert "\x02" not in one + two and "\x03" not in one + two  # every marker filled


def test_a_list_is_made_per_request_when_it_depends_on_the_exact_point(bundled_directory):
    """A community support with its own address (the bundled library has one) could be
    nearby: that list is never kept under area keys; the lists of area-served agencies are."""
    from directory.findhelp import find_help
    from directory.matching import MatchQuery

    answer = find_help(
        bundled_directory, MatchQuery.read({"near": "McKeesport"}, bundled_directory)
    )
    assert answer.section_key("chosen") is not None
    assert answer.section_key("informal") is None
    assert answer.section_key("partial") is None and answer.section_key("words") is None
    same = find_help(bundled_directory, MatchQuery.read({"near": "15132"}, bundled_directory))
    assert (answer.section_key("chosen") == same.section_key("chosen")) == (
        answer.whole == same.whole and answer.match.parts == same.match.parts
    )
