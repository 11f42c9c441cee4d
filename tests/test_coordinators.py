"""Coordinators' referral lists that can't be lost, and the planners' coverage boundary (issue 13).

Domain behaviour through directory.referrals and directory.coverage; pages through the Flask
test client; the CLI through click's runner. Browser journeys are in test_browser.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
from http.cookies import SimpleCookie

import pytest
from click.testing import CliRunner

from directory.coverage import By, CoverageQuery, Scope
from directory.errors import BadInput
from directory.referrals import ReferralList

KNOWN = {"family-links", "pa-211", "staunton-clinic"}


def _list(query: str) -> ReferralList:
    return ReferralList.from_query_string(query, KNOWN)


def _cookies(response) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in response.headers.getlist("Set-Cookie"):
        jar = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            found[name] = morsel.value
    return found


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


# -- the list itself (pure) -------------------------------------------------------------------


def test_merge_keeps_mine_first_and_adds_only_what_is_new():
    mine = _list("agency.0=family-links&note.0=mine&who.1=Aunt+Rosa&phone.1=412")
    theirs = _list(
        "agency.0=pa-211&agency.1=family-links&note.1=theirs&who.2=aunt+rosa&phone.2=412"
    )
    merged = mine.merge(theirs)
    assert [i.agency_id or i.who for i in merged.items] == ["family-links", "Aunt Rosa", "pa-211"]
    assert merged.items[0].note == "mine"  # my note wins for an agency both lists hold


def test_without_notes_keeps_every_item_and_drops_every_note():
    full = _list("agency.0=family-links&note.0=two+hospitalisations&who.1=Aunt+Rosa&note.1=x")
    plain = full.without_notes()
    assert len(plain) == 2 and all(item.note == "" for item in plain.items)
    assert "note" not in plain.query_string()


@pytest.mark.parametrize(
    ("operation", "focus"),
    [
        ("up.2", "item-1"),
        ("down.0", "item-1"),
        ("down.2", "item-2"),
        ("remove.1", "item-1"),
        ("remove.2", "item-1"),
    ],
)
def test_focus_goes_to_the_moved_item_or_the_one_now_in_its_place(operation, focus):
    three = _list("agency.0=family-links&agency.1=pa-211&agency.2=staunton-clinic")
    assert three.apply(operation).focus_after(operation) == focus


def test_removing_the_last_item_focuses_the_heading():
    one = _list("agency.0=pa-211")
    assert one.apply("remove.0").focus_after("remove.0") == "list-heading"


# -- a shared link over an existing list ------------------------------------------------------


def test_a_shared_link_over_my_list_keeps_it_until_I_choose(client):
    client.get("/list", query_string={"agency.0": "family-links", "note.0": "mine"})
    shared = client.get("/list", query_string={"agency.0": "pa-211", "note.0": "theirs"})
    assert shared.status_code == 200
    assert "referral_list" not in _cookies(shared)  # nothing replaced without a choice
    text = _text(shared)
    assert "what should happen to yours?" in text
    assert "Yours in this browser (1 item)" in text and "From the link (1 item)" in text
    assert "Family Links" in text
    page = shared.get_data(as_text=True)
    for choice in ("new", "merge", "leave"):
        assert f'name="choose" value="{choice}"' in page
    # Still mine: the header link leads to my list.
    mine = client.get("/list")
    assert mine.status_code == 303
    assert mine.headers["Location"] == "/list?agency.0=family-links&note.0=mine"


def test_open_as_a_new_list_keeps_mine_in_the_browser(client):
    client.get("/list", query_string={"agency.0": "family-links"})
    answer = client.get("/list", query_string={"agency.0": "pa-211", "choose": "new"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/list?agency.0=pa-211"
    cookies = _cookies(answer)
    assert cookies["referral_list"] == "agency.0=pa-211"
    assert cookies["referral_list_kept"] == "agency.0=family-links"
    page = client.get("/list?agency.0=pa-211").get_data(as_text=True)
    assert "Your previous list (1 item) is kept" in page
    assert 'href="/list?choose=new&amp;agency.0=family-links"' in page


def test_merge_and_leave(client):
    client.get("/list", query_string={"agency.0": "family-links"})
    merged = client.get("/list", query_string={"agency.0": "pa-211", "choose": "merge"})
    assert merged.headers["Location"] == "/list?agency.0=family-links&agency.1=pa-211"
    left = client.get("/list", query_string={"agency.0": "staunton-clinic", "choose": "leave"})
    assert left.headers["Location"] == "/list?agency.0=family-links&agency.1=pa-211"
    assert "referral_list" not in _cookies(left)


def test_a_choice_from_another_site_is_not_taken(client):
    client.get("/list", query_string={"agency.0": "family-links"})
    forged = client.get(
        "/list",
        query_string={"agency.0": "pa-211", "choose": "new"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert forged.status_code == 200 and "what should happen to yours?" in _text(forged)
    assert not _cookies(forged)


def test_a_link_from_another_site_asks_even_though_the_browser_hides_the_list(client):
    # SameSite=Strict: a link from webmail arrives without the cookie, so the page must ask.
    answer = client.get(
        "/list", query_string={"agency.0": "pa-211"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert "what should happen to yours?" in _text(answer)
    assert not _cookies(answer)


# -- adding from the results ------------------------------------------------------------------


def test_add_without_javascript_comes_back_to_the_same_result_anchored(client):
    back = "/?near=15213&age=child&need=mental-health"
    answer = client.get("/list", query_string={"add": "family-links", "back": back})
    assert answer.status_code == 303
    assert answer.headers["Location"] == back + "#agency-family-links"
    assert _cookies(answer)["referral_list"] == "agency.0=family-links"
    page = client.get(back).get_data(as_text=True)
    card = page.split('id="agency-family-links"', 1)[1].split("</article>", 1)[0]
    assert "On your referral list" in card


@pytest.mark.parametrize("back", ["//evil.example/x", "https://evil.example/", "/\\evil", "list"])
def test_back_never_leaves_the_site(client, back):
    answer = client.get("/list", query_string={"add": "pa-211", "back": back})
    assert answer.headers["Location"].startswith("/list?agency.0=pa-211")


def test_the_results_add_button_carries_the_way_back(client):
    page = client.get("/?near=15213&age=child&need=mental-health").get_data(as_text=True)
    assert 'name="back" value="/?near=15213&amp;age=child&amp;need=mental-health"' in page
    assert "data-add-in-place" in page


def test_add_in_place_answers_json_and_stores_the_list(client):
    client.get("/list", query_string={"agency.0": "family-links"})
    answer = client.get("/list", query_string={"add": "pa-211", "reply": "json"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert answer.get_json() == {
        "count": 2,
        "list": "agency.0=family-links&agency.1=pa-211",
        "added": True,
        "limit": 40,
    }
    assert _cookies(answer)["referral_list"] == "agency.0=family-links&agency.1=pa-211"


def test_move_and_remove_redirect_to_the_item_that_keeps_focus(client):
    three = {"agency.0": "family-links", "agency.1": "pa-211", "agency.2": "staunton-clinic"}
    page = client.get("/list", query_string=three).get_data(as_text=True)
    assert 'id="item-1" tabindex="-1"' in page and 'data-focus-kind="down"' in page
    moved = client.get("/list", query_string={**three, "op": "down.0"})
    assert moved.headers["Location"].endswith("#item-1")
    removed = client.get("/list", query_string={**three, "op": "remove.2"})
    assert removed.headers["Location"].endswith("#item-1")


# -- share, print and download ---------------------------------------------------------------


def test_share_and_print_without_notes(client):
    page = client.get(
        "/list", query_string={"agency.0": "family-links", "note.0": "two hospitalisations"}
    ).get_data(as_text=True)
    assert 'id="share-plain-link" value="http://localhost/list?agency.0=family-links"' in page
    assert 'href="/list/print?agency.0=family-links">Print without notes' in page
    printed = client.get("/list/print?agency.0=family-links").get_data(as_text=True)
    assert "two hospitalisations" not in printed


def test_no_notes_no_second_share_link(client):
    page = client.get("/list", query_string={"agency.0": "family-links"}).get_data(as_text=True)
    assert "share-plain-link" not in page and "Print without notes" not in page


def test_print_has_the_coordinator_line_guessed_levels_and_provenance(client, bundled_directory):
    response = client.get("/list/print?agency.0=family-links&who.1=Aunt+Rosa")
    page, text = response.get_data(as_text=True), _text(response)
    assert "Coordinator:" in text and 'id="coordinator-name"' in page
    assert 'data-coordinator="phone"' in page
    family = bundled_directory.agencies_by_id["family-links"]
    if "levels" in family.reconstructed:
        assert "our reconstruction" in text
    assert "About this data" in text and "Agencies, phones and service areas:" in text
    # The person's own support without a phone prints no phone line at all.
    rosa = page.split("Aunt Rosa", 1)[1].split("</li>", 1)[0]
    assert "Phone" not in rosa and "not given" not in rosa


def test_informal_supports_print_how_to_reach_them_or_nothing(client, bundled_directory):
    informal = [a for a in bundled_directory.agencies if not a.is_formal]
    assert informal
    query = "&".join(f"agency.{n}={a.id}" for n, a in enumerate(informal[:40]))
    page = client.get(f"/list/print?{query}").get_data(as_text=True)
    assert "not listed" not in page
    for agency in informal[:40]:
        if agency.phones:
            assert agency.phones[0] in page


def test_list_csv_has_a_bom_the_new_columns_and_the_provenance(client, bundled_directory):
    response = client.get(
        "/list.csv",
        query_string={
            "agency.0": "family-links",
            "who.1": "José — café",
            "note.1": "@SUM(1)",
        },
    )
    raw = response.get_data()
    assert raw[:3] == b"\xef\xbb\xbf"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    for column in ("website", "source", "verified_on", "reconstructed", "provenance"):
        assert column in rows[0]
    family = bundled_directory.agencies_by_id["family-links"]
    assert rows[0]["source"] == family.source
    assert rows[0]["reconstructed"] == "; ".join(family.reconstructed)
    assert rows[0]["verified_on"] == family.verified_on.isoformat()
    assert rows[0]["provenance"].startswith("Agencies, phones and service areas:")
    assert rows[1]["name"] == "José — café" and rows[1]["note"] == "'@SUM(1)"


def test_list_page_carries_the_provenance_line_and_the_named_lists_panel(client):
    page = client.get("/list?agency.0=family-links").get_data(as_text=True)
    assert 'class="data-honesty"' in page
    assert 'class="named-lists js-only" aria-labelledby="lists-heading" hidden' in page
    assert 'data-list-query="agency.0=family-links"' in page


# -- coverage through the one request boundary ------------------------------------------------


def test_coverage_query_reads_through_params(bundled_directory):
    query = CoverageQuery.from_args(
        {"level": "Blended", "age": "child", "scope": "local", "by": "place", "need": "food"},
        bundled_directory,
    )
    assert (query.scope, query.by, query.need) == (Scope.LOCAL, By.PLACE, "food")
    assert query.params() == {
        "level": "blended",
        "age": "child",
        "need": "food",
        "scope": "local",
        "by": "place",
    }
    with pytest.raises(BadInput) as error:
        CoverageQuery.from_args({"scope": "galaxy"}, bundled_directory)
    assert error.value.code == "bad_scope" and 'Unknown scope "galaxy"' in error.value.message
    with pytest.raises(BadInput) as error:
        CoverageQuery.from_args({"need": "flying"}, bundled_directory)
    assert error.value.code == "bad_need"


def test_cli_coverage_scope_and_by():
    from directory.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["coverage", "--scope", "local", "--by", "place", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["scope"] == "local" and body["by"] == "place" and len(body["areas"]) >= 200
    city = [a for a in body["areas"] if a["kind"] == "neighbourhood"]
    assert city and any(a["flag"] == "gap" for a in city)
    bad = runner.invoke(main, ["coverage", "--need", "flying"])
    assert bad.exit_code != 0 and 'Unknown need "flying"' in bad.output


def test_add_in_place_to_a_full_list_says_it_was_not_added(client):
    full = "&".join(f"who.{n}=Neighbour+{n}" for n in range(40))  # 40 own supports
    client.get(f"/list?{full}")
    body = client.get("/list", query_string={"add": "pa-211", "reply": "json"}).get_json()
    assert body["added"] is False and body["count"] == 40


def test_print_without_notes_leads_back_to_the_list_this_browser_holds(client):
    client.get("/list", query_string={"agency.0": "family-links", "note.0": "private"})
    page = client.get("/list/print?agency.0=family-links").get_data(as_text=True)
    assert '<a href="/list">Back to the referral list</a>' in page
    back = client.get("/list")
    assert back.headers["Location"] == "/list?agency.0=family-links&note.0=private"
