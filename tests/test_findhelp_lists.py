"""The find-help page's kept agency lists: shared by searches with the same derived query,
bounded in number, and the same page whether a list was kept or made for the request."""

from __future__ import annotations

from directory import create_app
from directory.config import DEFAULT_DATA_DIR
from directory.web import fragments


def _app():
    return create_app({"TESTING": True, "DATA": str(DEFAULT_DATA_DIR), "RELOAD_SECONDS": 0})


def _kept(app) -> dict:
    return app.extensions["directory"].current()._memo.get(("findhelp-lists",), {})


def test_a_kept_list_gives_the_same_page_as_one_made_for_the_request(monkeypatch):
    app = _app()
    client = app.test_client()
    ask = {"near": "Lawrenceville", "age": "adult", "need": "housing", "page_size": 1}
    first = client.get("/", query_string=ask).get_data(as_text=True)  # made, then kept
    kept = dict(_kept(app))
    assert kept
    again = client.get("/", query_string=ask).get_data(as_text=True)  # from what was kept
    assert again == first
    assert dict(_kept(app)) == kept  # nothing new was made
    monkeypatch.setattr(fragments, "MAX_KEPT_CHARS", 0)  # nothing kept: made per request
    fresh = _app().test_client().get("/", query_string=ask).get_data(as_text=True)
    assert fresh == first


def test_kept_lists_are_bounded(monkeypatch):
    monkeypatch.setattr(fragments, "MAX_KEPT_CHARS", 20_000)
    app = _app()
    client = app.test_client()
    for need in ("housing", "employment", "education", "benefits", "transportation"):
        page = client.get("/", query_string={"near": "Bridgeville", "need": need})
        assert page.status_code == 200
        kept = _kept(app)
        assert kept and kept.nbytes == sum(map(fragments.split_size, kept.values())) <= 20_000


def test_home_url_is_url_for_without_the_router():
    from flask import url_for

    from directory.web.pages import home_url

    app = _app()
    cases = [
        {},
        {"near": "15213", "age": None, "need": ["housing", "rent & food"], "page": 2},
        {"near": "Mt. Lebanon, PA", "q": "my son's \u201cschool\u201d/IEP?", "need": []},
        {"near": "40.44,-79.95", "level": "blended", "years": 10, "crises": "1"},
    ]
    with app.test_request_context("/"):
        pieces: dict = {}
        for params in cases + cases:
            assert home_url(params) == url_for("pages.home", **params)
            assert home_url(params, pieces) == url_for("pages.home", **params)


def test_fill_escapes_values_and_never_fills_markers_inside_them():
    html = '<h2>\x02P\x03</h2><a href="\x02M\x03">more</a>'
    html += "\x02Bpa-211\x03<form>add</form>\x02E\x03"
    values = {"P": lambda: "<b>\x02M\x03</b>", "M": lambda: "/?q=a&b"}
    filled = fragments.fill(html, values, set(), lambda: "ON LIST")
    assert filled == '<h2>&lt;b&gt;M&lt;/b&gt;</h2><a href="/?q=a&amp;b">more</a><form>add</form>'
    on_list = fragments.fill(html, values, {"pa-211"}, lambda: "ON LIST")
    assert on_list.endswith("more</a>ON LIST")


def test_the_find_form_is_kept_once_and_filled_with_each_persons_own_values():
    app = _app()
    client = app.test_client()
    one = client.get(
        "/",
        query_string={
            "near": "Bridgeville",
            "q": '<b>"quokka"',
            "need": ["housing", "employment"],
            "age": "child",
            "years": "9",
            "crises": "yes",
        },
    ).get_data(as_text=True)
    two = client.get("/", query_string={"near": "Carrick", "level": "administrative"})
    two = two.get_data(as_text=True)
    form_one, form_two = (page.split('id="search-form"')[1] for page in (one, two))

    assert 'name="near" value="Bridgeville"' in form_one
    assert 'name="q" value="&lt;b&gt;&#34;quokka&#34;"' in form_one  # escaped, never raw
    assert 'name="years" value="9"' in form_one
    assert 'value="housing" id="need-housing" aria-describedby="need-housing-hint" checked' in one
    assert 'value="employment" id="need-employment"' in form_one
    assert 'name="age" value="child" checked' in form_one
    assert 'name="crises" value="yes" checked' in form_one
    assert '<details class="field screener" open>' in form_one
    assert 'name="level" value="" checked' in form_one

    assert 'name="near" value="Carrick"' in form_two
    assert "quokka" not in two and "Bridgeville" not in two
    assert 'name="age" value="" checked' in form_two  # "Show both"
    assert 'name="level" value="administrative" checked' in form_two
    assert '<details class="field screener" open>' in form_two  # a level was chosen
    assert "checked" not in form_two.split('name="need"')[1].split(">")[0]
    assert "\x02" not in one + two and "\x03" not in one + two

    memo = app.extensions["directory"].current()._memo
    forms = [html for key, html in memo.items() if "find-form" in key]
    assert len(forms) == 1  # one form for both people, kept with the data version
    for secret in ("Bridgeville", "Carrick", "quokka", 'administrative" checked'):
        assert secret not in forms[0]


def test_a_form_with_a_problem_shows_what_was_typed():
    page = _app().test_client().get("/", query_string={"near": "Zzyzx Qqq", "q": "rent"})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert 'name="near" value="Zzyzx Qqq"' in html and 'aria-invalid="true"' in html
    assert 'name="q" value="rent"' in html


def test_kept_pieces_follow_the_script_root_they_were_made_under():
    """Cards, lists and the form are kept per data version: a site served under a path
    prefix gets its own, with links that start with it."""
    client = _app().test_client()
    ask = {"near": "Lawrenceville", "need": "housing"}
    under = client.get("/", query_string=ask, base_url="http://localhost/help")
    at_root = client.get("/", query_string=ask)
    under_html, root_html = under.get_data(as_text=True), at_root.get_data(as_text=True)
    assert 'action="/help/"' in under_html
    assert 'href="/help/agencies/' in under_html
    assert 'href="/help/static/site.css"' in under_html
    assert 'action="/"' in root_html and 'href="/agencies/' in root_html
    assert "/help/" not in root_html
