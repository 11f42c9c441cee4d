"""Pages and status through the Flask test client."""

from __future__ import annotations

import html

from directory import create_app


def test_home_lists_counts_and_links_to_every_agency(client, bundled_directory):
    page = client.get("/").get_data(as_text=True)
    assert "12 service coordination agencies" in page
    for agency in bundled_directory.agencies:
        assert f'href="/agencies/{agency.id}"' in page


def test_agency_page_shows_phone_as_tel_link_source_and_reconstruction(client):
    response = client.get("/agencies/allegheny-childrens-initiative")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="tel:+14124318006"' in page and "412-431-8006" in page
    assert "September 2011" in page  # source and verification date
    assert "Not verified since September 2011" in page
    assert "reconstruction" in page


def test_unknown_agency_is_a_friendly_404_page_and_a_json_error(client):
    page = client.get("/agencies/nope")
    assert page.status_code == 404
    assert 'No agency or support has the id "nope"' in html.unescape(page.get_data(as_text=True))
    api = client.get("/api/v1/agencies/nope")
    assert api.status_code == 404
    assert api.get_json() == {
        "error": {"code": "unknown_agency", "message": 'No agency or support has the id "nope".'}
    }


def test_healthz_reports_counts_and_verified_range(client):
    status = client.get("/healthz").get_json()
    assert status["ok"] is True
    assert status["agencies"] == 12 and status["informal_supports"] >= 5
    assert status["verified"]["oldest"] == "2011-09-01"
    assert status["problems"] == [] and status["rejected_reload"] == []


def test_pages_send_security_headers(client):
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_broken_rows_are_skipped_and_good_rows_still_serve(data_copy):
    with (data_copy / "agencies.csv").open("a", encoding="utf-8") as handle:
        handle.write("broken-row,Broken,formal,,,,,atlantis,,,,,,,,,,,test,,,\n")
    client = create_app(
        {"TESTING": True, "DATA": str(data_copy), "RELOAD_SECONDS": 0}
    ).test_client()
    assert "12 service coordination agencies" in client.get("/").get_data(as_text=True)
    problems = client.get("/healthz").get_json()["problems"]
    assert [p["column"] for p in problems] == ["areas"]


def test_edited_data_reloads_and_broken_edit_keeps_last_good_data(data_copy):
    app = create_app({"TESTING": True, "DATA": str(data_copy), "RELOAD_SECONDS": 0})
    holder = app.extensions["directory"]
    client = app.test_client()
    path = data_copy / "agencies.csv"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("Pressley Ridge", "Pressley Ridge (renamed)"), encoding="utf-8")
    assert holder.reload_if_changed()
    assert "Pressley Ridge (renamed)" in client.get("/").get_data(as_text=True)
    path.write_text("id,name\nbroken,file\n", encoding="utf-8")
    assert not holder.reload_if_changed()
    page = client.get("/").get_data(as_text=True)
    assert "12 service coordination agencies" in page  # last good directory keeps serving
    rejected = client.get("/healthz").get_json()["rejected_reload"]
    assert "header is missing required column(s)" in rejected[0]["message"]


# -- find help ------------------------------------------------------------------------------

import re  # noqa: E402
from urllib.parse import parse_qs, urlsplit  # noqa: E402

import pytest  # noqa: E402


def text_of(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_find_help_15213_child_mental_health_lists_agencies_with_phone_links(client):
    response = client.get(
        "/", query_string={"near": "15213", "age": "child", "need": "mental-health"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Help near 15213 (Pittsburgh)" in text_of(response)
    assert "agencies serve 15213 (Pittsburgh) for what you chose" in text_of(response)
    for phone in (
        "tel:+14126241000",
        "tel:+14124318006",
        "tel:+14123216995",
    ):  # WPIC, ACI, Pressley Ridge
        assert f'href="{phone}"' in page
    assert "Community supports near you" in page
    assert response.headers["Cache-Control"] == "private, no-store"


def test_find_help_form_keeps_what_the_person_typed(client):
    response = client.get(
        "/",
        query_string={
            "near": "Mt. Lebanon",
            "age": "adult",
            "years": "34",
            "need": ["housing", "employment"],
            "q": "bus pass",
            "level": "administrative",
            "occasional": "yes",
        },
    )
    page = response.get_data(as_text=True)
    assert 'value="Mt. Lebanon"' in page and 'value="34"' in page and 'value="bus pass"' in page
    assert re.search(r'name="age" value="adult" checked', page)
    assert re.search(r'value="housing" id="need-housing"[^>]*checked', page)
    assert re.search(r'value="employment" id="need-employment"[^>]*checked', page)
    assert re.search(r'name="level" value="administrative" checked', page)
    assert re.search(r'name="occasional" value="yes" checked', page)


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        (
            {"near": ""},
            200,
            "Tell us about the person who needs help",
        ),  # nothing asked yet: the form
        (
            {"near": "", "need": "housing"},
            400,
            "Enter a ZIP code, town, neighbourhood or address in Allegheny County.",
        ),
        ({"near": "Sprngfield"}, 400, 'We couldn\'t find "Sprngfield".'),
        ({"near": "Lawrencevile"}, 400, 'Did you mean "Lawrenceville, Pittsburgh"?'),
        ({"near": "Springdale"}, 400, "could be more than one place"),
        ({"near": "15213", "years": "old"}, 400, 'Age in years must be a whole number, not "old".'),
        ({"near": "15213", "need": "flying"}, 400, 'Unknown need "flying"'),
        (
            {"near": "15213", "level": "extreme"},
            400,
            'Unknown level "extreme". Choose blended or administrative.',
        ),
        ({"near": "15213", "q": '"AND( ((*'}, 200, "agencies serve 15213"),  # syntax is just text
    ],
)
def test_find_help_explains_bad_input_in_plain_words(client, params, status, message):
    response = client.get("/", query_string=params)
    assert response.status_code == status
    assert message in text_of(response)


def test_place_suggestions_are_links_that_keep_the_rest_of_the_search(client):
    page = client.get("/", query_string={"near": "Lawrencevile", "need": "housing"}).get_data(
        as_text=True
    )
    link = re.search(r'<a href="(/\?[^"]+)">Lawrenceville, Pittsburgh</a>', page).group(1)
    params = parse_qs(urlsplit(html.unescape(link)).query)
    assert params == {"near": ["Lawrenceville, Pittsburgh"], "need": ["housing"]}


def test_outside_the_county_is_a_friendly_page_not_an_error(client):
    response = client.get("/", query_string={"near": "16066", "need": "housing"})
    text = text_of(response)
    assert response.status_code == 200
    assert "16066 (Cranberry Township, Butler County, PA) is outside Allegheny County" in text
    assert 'href="tel:211"' in response.get_data(as_text=True)
    assert 'value="16066"' in response.get_data(as_text=True)  # kept for a corrected search


def test_free_text_adds_needs_through_synonyms_and_offers_did_you_mean(client):
    response = client.get(
        "/", query_string={"near": "15213", "q": "psychiatist for my daughter, rent"}
    )
    text = text_of(response)
    assert "Did you mean psychiatrist for my daughter rent" in text
    assert "we also looked for: Mental health, Family support, Housing" in text


def test_gap_notice_names_the_missing_service_and_the_alternatives(client):
    response = client.get(
        "/", query_string={"near": "Homestead", "age": "child", "need": "substance-use"}
    )
    text = text_of(response)
    assert "What's missing near you" in text
    assert (
        "Gap: No service coordination agency serving Homestead Borough lists help with "
        "substance use and recovery for children."
    ) in text
    assert "Nearest alternatives:" in text


def test_screener_suggests_a_level_in_the_brochures_words_without_deciding(client):
    response = client.get(
        "/", query_string={"near": "15213", "hospitalised": "yes", "crises": "yes"}
    )
    text = text_of(response)
    assert "Suggested level: Blended service coordination" in text
    assert "Has been in hospital for mental health care before" in text
    assert "available around the clock in a crisis" in text
    assert "This is only a suggestion" in text
    assert "Show agencies offering Blended coordination" in text


def test_home_explains_both_levels_in_the_brochures_words(client):
    text = text_of(client.get("/"))
    assert "needs only occasional help with accessing supports and services" in text
    assert "more frequent and continuous support" in text


def test_facets_link_to_the_same_search_narrowed(client):
    page = client.get("/", query_string={"near": "15213", "need": "mental-health"}).get_data(
        as_text=True
    )
    links = [html.unescape(h) for h in re.findall(r'<a href="(/\?[^"]+)"', page)]
    narrowed = [parse_qs(urlsplit(link).query) for link in links]
    assert {"near": ["15213"], "need": ["mental-health"], "level": ["blended"]} in narrowed
    assert {"near": ["15213"], "need": ["mental-health"], "age": ["child"]} in narrowed
    assert {"near": ["15213"]} in narrowed  # removing the chosen need


# -- escaping, headers, no inline code ---------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


def test_typed_script_is_shown_as_text_never_run(client):
    for params in (
        {"near": SCRIPT},
        {"near": "15213", "q": SCRIPT},
        {"near": "15213", "years": SCRIPT},
    ):
        page = client.get("/", query_string=params).get_data(as_text=True)
        assert SCRIPT not in page
        assert "&lt;script&gt;" in page
    page = client.get("/list", query_string={"who.0": SCRIPT, "note.0": SCRIPT}).get_data(
        as_text=True
    )
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_agency_names_with_script_are_escaped_everywhere(data_copy):
    path = data_copy / "agencies.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "Pressley Ridge,", '"Pressley <script>alert(1)</script> Ridge",', 1
        ),
        encoding="utf-8",
    )
    client = create_app(
        {"TESTING": True, "DATA": str(data_copy), "RELOAD_SECONDS": 0}
    ).test_client()
    for url in (
        "/",
        "/agencies/pressley-ridge",
        "/?near=15213&age=child",
        "/coverage",
        "/list?agency.0=pressley-ridge",
        "/list/print?agency.0=pressley-ridge",
    ):
        page = client.get(url).get_data(as_text=True)
        assert SCRIPT not in page, url
        assert "Pressley &lt;script&gt;" in page, url


PAGES = [
    "/",
    "/?near=15213&age=child&need=mental-health",
    "/?near=16066",
    "/?near=nowhere-at-all",
    "/agencies/family-links",
    "/list?agency.0=family-links&who.1=Aunt+Rosa",
    "/list/print?agency.0=family-links",
    "/coverage",
    "/coverage?level=blended&age=child",
    "/no-such-page",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_have_no_inline_code_or_outside_resources(client, url):
    response = client.get(url)
    page = response.get_data(as_text=True)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert '<html lang="en">' in page
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", page)  # only our own files
    assert (
        "<style" not in page and not re.search(r"\sstyle=", page) and " on" + "click=" not in page
    )
    assert not re.search(r'(src|href)="(https?:)?//', page.split("<main", 1)[0])  # no CDN in <head>
    assert 'class="skip-link" href="#main"' in page or "print-view" in page


def test_every_form_control_has_a_label(client):
    for url in ("/", "/?near=15213", "/list?agency.0=family-links&who.1=Rosa", "/coverage"):
        page = client.get(url).get_data(as_text=True)
        ids = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', page))
        for control in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
            if (
                re.search(r'type="(hidden|radio|checkbox)"', control)
                or "readonly" in control
                and "share-link" not in control
            ):
                continue
            control_id = re.search(r'\bid="([^"]+)"', control)
            assert control_id and control_id.group(1) in ids, (url, control)


# -- agency page ----------------------------------------------------------------------------


def test_agency_page_draws_its_service_area_and_offers_the_referral_list(client):
    page = client.get("/agencies/turtle-creek-valley-mh-mr").get_data(as_text=True)
    assert page.count('class="map-area depth-2 served"') == 3  # Braddock, Homestead, Turtle Creek
    assert "Service area of Turtle Creek Valley MH/MR" in page
    assert "Shapes are approximate" in page
    assert re.search(
        r'<form method="get" action="/list"[^>]*>\s*<input type="hidden" name="add" '
        r'value="turtle-creek-valley-mh-mr">',
        page,
    )


# -- referral list --------------------------------------------------------------------------


def follow(client, url, **params):
    response = client.get(url, query_string=params)
    assert response.status_code == 303, response.status_code
    return response.headers["Location"]


def test_referral_list_add_reorder_note_and_remove_through_the_url(client):
    location = follow(client, "/list", add="family-links")
    assert location == "/list?agency.0=family-links#item-0"
    location = follow(client, "/list", **{"agency.0": "family-links", "add": "pa-211"})
    assert location == "/list?agency.0=family-links&agency.1=pa-211#item-1"
    location = follow(
        client,
        "/list",
        **{
            "agency.0": "family-links",
            "agency.1": "pa-211",
            "note.1": "Ask about food",
            "op": "up.1",
        },
    )
    assert location.startswith("/list?agency.0=pa-211&note.0=Ask+about+food&agency.1=family-links")
    location = follow(
        client,
        "/list",
        **{
            "agency.0": "pa-211",
            "agency.1": "family-links",
            "who.new": "Aunt Rosa",
            "rel.new": "aunt",
            "phone.new": "412-555-0100",
            "op": "save",
        },
    )
    assert location == (
        "/list?agency.0=pa-211&agency.1=family-links&who.2=Aunt+Rosa&rel.2=aunt"
        "&phone.2=412-555-0100"
    )
    location = follow(
        client, "/list", **{"agency.0": "pa-211", "agency.1": "family-links", "op": "remove.0"}
    )
    assert location.startswith("/list?agency.0=family-links")
    page = client.get(location.split("#")[0]).get_data(as_text=True)
    assert "Family Links" in page and 'href="tel:+14126611800"' in page


def test_referral_list_cookie_is_strict_http_only_and_not_written_cross_site(client):
    response = client.get("/list", query_string={"add": "family-links"})
    cookie = response.headers["Set-Cookie"]
    assert (
        cookie.startswith("referral_list=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    )
    assert "Expires" not in cookie and "Max-Age" not in cookie  # gone when the browser closes
    cross = client.get(
        "/list", query_string={"agency.0": "pa-211"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert "Set-Cookie" not in cross.headers


def test_add_from_another_page_extends_the_list_this_browser_holds(client):
    client.get("/list", query_string={"agency.0": "family-links", "note.0": "first"})
    location = follow(client, "/list", add="pa-211")
    assert location == "/list?agency.0=family-links&note.0=first&agency.1=pa-211#item-1"
    assert "On your referral list" in client.get("/agencies/pa-211").get_data(as_text=True)


def test_unknown_agencies_in_a_shared_link_are_dropped_with_a_notice(client):
    response = client.get(
        "/list", query_string={"agency.0": "gone-agency", "agency.1": "family-links"}
    )
    assert "1 item was left out" in text_of(response)


def test_print_view_has_phones_levels_how_to_refer_date_and_room_for_notes(client):
    response = client.get(
        "/list/print",
        query_string={
            "agency.0": "staunton-clinic",
            "note.0": "Call Monday",
            "who.1": "Aunt Rosa",
            "rel.1": "aunt",
            "phone.1": "412-555-0100",
            "agency.2": "pa-211",
        },
    )
    page, text = response.get_data(as_text=True), text_of(response)
    assert 'href="tel:+14127497330"' in page
    assert (
        "Blended and Administrative service coordination" in text
        or "Administrative and Blended service coordination" in text
    )
    assert "How to refer" in text and "Call Monday" in text and "Aunt Rosa (aunt)" in text
    assert re.search(r"Prepared \d{1,2} \w+ \d{4}", text)
    assert page.count('class="write-space"') == 3
    assert 'media="print"' in page


def test_referral_csv_has_every_item_and_neutralises_formulas(client):
    response = client.get(
        "/list.csv",
        query_string={
            "agency.0": "family-links",
            "note.0": '=HYPERLINK("http://evil")',
            "who.1": "Aunt Rosa",
        },
    )
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark: Excel reads it right
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("position,kind,id,name,phone,levels")
    assert lines[1].startswith(
        "1,formal,family-links,Family Links,412-661-1800,administrative; blended"
    )
    assert "'=HYPERLINK" in lines[1]
    assert lines[2].startswith("2,own support,,Aunt Rosa")


def test_referral_list_page_has_share_link_print_and_csv(client):
    page = client.get("/list", query_string={"agency.0": "family-links"}).get_data(as_text=True)
    assert 'value="http://localhost/list?agency.0=family-links"' in page
    assert 'href="/list/print?agency.0=family-links"' in page
    assert 'href="/list.csv?agency.0=family-links"' in page


# -- coverage -------------------------------------------------------------------------------


def test_coverage_map_links_every_area_to_its_table_row_with_words_not_just_colour(
    client, bundled_directory
):
    page = client.get("/coverage", query_string={"need": "substance-use"}).get_data(as_text=True)
    for area in bundled_directory.data.areas:
        assert f'href="#row-{area.id}"' in page
        assert f'id="row-{area.id}"' in page
    assert 'aria-label="Oakland: 0 agencies, gap"' in page
    assert "Area shapes are approximate" in page
    assert "Gap: no agency (hatched)" in page


def test_coverage_table_has_the_four_level_age_columns_and_flags(client):
    text = text_of(client.get("/coverage"))
    for column in (
        "Blended, adults",
        "Blended, children",
        "Administrative, adults",
        "Administrative, children",
    ):
        assert column in text
    assert "overlap" in text


def test_coverage_downloads_carry_the_same_numbers(client):
    csv_text = client.get("/coverage.csv?level=blended&age=child").get_data(as_text=True)
    assert csv_text.startswith("area_id,area,parent,providers,flag,blended-adult")
    geojson = client.get("/coverage.geojson?level=blended&age=child").get_json()
    assert geojson["filters"] == {"level": "blended", "age_group": "child", "need": None}
    oakland = next(f for f in geojson["features"] if f["id"] == "oakland")
    row = next(line for line in csv_text.splitlines() if line.startswith("oakland,"))
    assert str(oakland["properties"]["count"]) == row.split(",")[3]


def test_coverage_bad_filter_is_a_400_page(client):
    response = client.get("/coverage", query_string={"level": "mega"})
    assert response.status_code == 400
    assert 'Unknown level "mega"' in text_of(response)


def test_long_result_lists_are_paged_with_a_show_more_link(data_copy):
    # 30 invented county-wide agencies: more than one page of results.
    with (data_copy / "agencies.csv").open("a", encoding="utf-8") as handle:
        for n in range(30):
            handle.write(
                f"sample-{n},Sample Agency {n} (invented),formal,blended,adult,,,"
                f"allegheny-county,housing,,,,,,,,,,test fixture,,,\n"
            )
    client = create_app(
        {"TESTING": True, "DATA": str(data_copy), "RELOAD_SECONDS": 0, "INDEX_DIR": ":memory:"}
    ).test_client()
    first = client.get("/", query_string={"near": "15213", "age": "adult"}).get_data(as_text=True)
    assert first.count('class="agency-card') <= 20 + 20  # chosen page + community supports page
    assert "Show 13 more of 33" in first  # 30 samples + 3 brochure agencies serving adults there
    second = client.get("/", query_string={"near": "15213", "age": "adult", "page": "2"})
    assert second.get_data(as_text=True).count("Sample Agency") > first.count("Sample Agency")
    api = client.get(
        "/api/v1/match",
        query_string={"near": "15213", "age": "adult", "page": "2", "page_size": "10"},
    ).get_json()
    assert api["page"] == 2 and api["page_size"] == 10 and len(api["agencies"]) == 10
    assert api["total_agencies"] == 33
