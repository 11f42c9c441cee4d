"""Rate limits, request limits, and logs that never hold a person's place, needs or words."""

from __future__ import annotations

import logging
import re

import pytest

from directory import create_app
from directory.config import DEFAULT_DATA_DIR
from directory.web.limits import TokenBucket

MARKER = "zzmarker7391"


def test_token_bucket_allows_a_burst_then_asks_to_wait():
    bucket = TokenBucket(rate_per_minute=60, burst=3)
    assert [bucket.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = bucket.take("a", now=0.0)
    assert wait == pytest.approx(1.0)
    assert bucket.take("b", now=0.0) == 0.0  # limits are per client
    assert bucket.take("a", now=1.0) == 0.0  # a token came back after a second


def test_api_rate_limit_answers_429_with_retry_after():
    app = create_app(
        {
            "TESTING": True,
            "DATA": str(DEFAULT_DATA_DIR),
            "RELOAD_SECONDS": 0,
            "RATE_LIMIT_PER_MINUTE": 60,
            "RATE_LIMIT_BURST": 2,
        }
    )
    client = app.test_client()
    statuses = [client.get("/api/v1/agencies/hsao").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = client.get("/api/v1/agencies/hsao")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert client.get("/").status_code == 200  # pages for people are not API-limited


def test_oversized_request_body_is_refused():
    app = create_app({"TESTING": True, "DATA": str(DEFAULT_DATA_DIR), "RELOAD_SECONDS": 0})
    response = app.test_client().post("/api/v1/agencies/hsao", data=b"x" * (1024 * 1024))
    assert response.status_code in (405, 413)
    assert response.status_code != 500


def test_logs_never_hold_the_place_needs_or_words_a_person_typed(caplog):
    app = create_app({"TESTING": True, "DATA": str(DEFAULT_DATA_DIR), "RELOAD_SECONDS": 0})
    client = app.test_client()
    caplog.set_level(logging.DEBUG)

    @app.get("/test-crash")
    def crash():  # an unexpected error while handling sensitive arguments
        raise RuntimeError(f"boom {MARKER}")

    params = {
        "near": f"15213 {MARKER}",
        "q": f"psychiatrist {MARKER}",
        "need": MARKER,
        "age": "child",
        "years": "9",
    }
    for path in (
        "/",
        "/api/v1/match",
        "/api/v1/search",
        "/api/v1/locate",
        "/coverage",
        "/test-crash",
        "/agencies/" + MARKER,
    ):
        client.get(path, query_string=params)
    text = "\n".join(
        record.getMessage() + str(record.args) + str(record.exc_text) for record in caplog.records
    )
    assert MARKER not in text
    assert "RuntimeError" in text  # the error itself is still logged, without its arguments


def test_pages_and_data_carry_etags_and_answer_304_when_unchanged(client):
    first = client.get("/api/v1/agencies/hsao")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/agencies/hsao", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


def test_text_responses_are_gzipped_when_the_client_accepts_it(client):
    import gzip

    plain = client.get("/")
    zipped = client.get("/", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert "Accept-Encoding" in zipped.headers["Vary"]


# -- rate limits on every route that does search, matching or coverage work ----------------


@pytest.fixture(scope="module")
def limited_app():
    return create_app(
        {
            "TESTING": True,
            "DATA": str(DEFAULT_DATA_DIR),
            "RELOAD_SECONDS": 0,
            "RATE_LIMIT_PER_MINUTE": 60,
            "RATE_LIMIT_BURST": 2,
        }
    )


URLS = [
    "/?near=15213&need=housing",
    "/?q=rent",
    "/coverage",
    "/coverage?level=blended",
    "/coverage.csv",
    "/coverage.geojson",
    "/list.csv?item=hsao",
    "/api/v1/match?near=15213",
    "/hsds/services",
]


@pytest.mark.parametrize("url", URLS)
def test_every_search_and_coverage_route_answers_429_with_retry_after(limited_app, url):
    client = limited_app.test_client()
    number = URLS.index(url) + 1
    address = {"REMOTE_ADDR": f"10.0.0.{number}"}
    statuses = [client.get(url, environ_base=address).status_code for _ in range(2)]
    assert statuses == [200, 200]
    response = client.get(url, environ_base=address)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if url.startswith(("/api", "/hsds")):
        assert response.get_json()["error"]["code"] == "rate_limited"
    else:
        assert "Too many requests from your address" in response.get_data(as_text=True)
    # Another address is not held back.
    assert client.get(url, environ_base={"REMOTE_ADDR": f"10.0.1.{number}"}).status_code == 200


def test_pages_without_search_work_are_never_rate_limited(limited_app):
    client = limited_app.test_client()
    address = {"REMOTE_ADDR": "10.2.2.2"}
    for url in ("/", "/about", "/agencies/hsao", "/healthz") * 3:
        assert client.get(url, environ_base=address).status_code == 200, url


# -- share links and redirects come from PUBLIC_URL, never the Host header -----------------


@pytest.fixture(scope="module")
def public_app():
    return create_app(
        {
            "TESTING": True,
            "DATA": str(DEFAULT_DATA_DIR),
            "RELOAD_SECONDS": 0,
            "RATE_LIMIT_PER_MINUTE": 0,
            "PUBLIC_URL": "https://help.example.org",
            "TRUSTED_HOSTS": "localhost,help.example.org,evil.example",
        }
    )


def test_share_link_uses_public_url_even_for_a_trusted_foreign_host(public_app):
    client = public_app.test_client()
    evil = {"Host": "evil.example"}
    added = client.get("/list", query_string={"add": "hsao"}, headers=evil)
    assert added.status_code == 303
    assert "evil.example" not in added.headers["Location"]
    page = client.get(added.headers["Location"], headers=evil).get_data(as_text=True)
    share = re.search(r'(https?://[^"\s<]+/list\?[^"\s<]+)', page)
    assert share and share.group(1).startswith("https://help.example.org/list?"), page
    assert "evil.example" not in page


def test_redirects_and_hsds_links_use_public_url(public_app):
    client = public_app.test_client()
    evil = {"Host": "evil.example"}
    redirect = client.get("/hsds", headers=evil)
    assert 300 <= redirect.status_code < 400
    assert redirect.headers["Location"].startswith("https://help.example.org/hsds/")
    info = client.get("/hsds/", headers=evil).get_data(as_text=True)
    assert "evil.example" not in info and "https://help.example.org/hsds" in info


def test_an_untrusted_host_is_a_400_that_never_echoes_it(public_app):
    response = public_app.test_client().get("/list", headers={"Host": "other.example"})
    assert response.status_code == 400
    assert b"other.example" not in response.get_data()
    assert response.headers["X-Frame-Options"] == "DENY"


def test_without_public_url_the_share_link_names_the_checked_host(client):
    added = client.get("/list", query_string={"add": "hsao"})
    page = client.get(added.headers["Location"]).get_data(as_text=True)
    assert "http://localhost/list?" in page


# -- /healthz: no server paths, no row values ------------------------------------------------


def test_healthz_shows_no_server_paths_and_no_row_values(data_copy, tmp_path):
    import json
    import os
    import time

    agencies = data_copy / "agencies.csv"
    lines = agencies.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",formal,", f",{MARKER}kind,", 1)  # a rejected row's value
    agencies.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (data_copy / "places.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{MARKER}town,town,,no-such-area,,,,,,\n")
    app = create_app(
        {
            "TESTING": True,
            "DATA": str(data_copy),
            "RELOAD_SECONDS": 0,
            "STABLE_SECONDS": 0,
            "SNAPSHOT_DIR": str(tmp_path / "snapshots"),
        }
    )
    client = app.test_client()
    status = client.get("/healthz").get_json()
    assert [(p["file"], p["line"], p["column"]) for p in status["problems"]] == [
        ("agencies.csv", 2, "kind")
    ]
    assert status["geo_problems"] and status["serving"] == "unchecked"
    # A refused reload: a new bad value, and a cut file (file-level reasons are shown).
    lines[2] = lines[2].replace(",formal,", f",{MARKER}again,", 1)
    agencies.write_text("\n".join(lines)[:-200], encoding="utf-8")  # cut mid-row
    past = time.time() - 60
    os.utime(agencies, (past, past))
    assert app.extensions["directory"].reload_if_changed() is False
    body = client.get("/healthz").get_data(as_text=True)
    status = json.loads(body)
    assert status["rejected_reload"], status
    assert any("the file ends in the middle" in p["reason"] for p in status["rejected_reload"])
    assert MARKER not in body
    assert str(data_copy) not in body and str(tmp_path) not in body
    assert not any(word in body for word in ("/tmp/", "/work/", "/home/", "\\\\"))
    # check-data, for the operator, still says everything.
    from click.testing import CliRunner

    from directory.cli import main

    report = CliRunner().invoke(main, ["check-data", "--data", str(data_copy)]).output
    assert f'unknown kind "{MARKER}kind"' in report and f"{MARKER}town" in report


# -- the list CSV goes through the one cell guard ----------------------------------------------


@pytest.mark.parametrize("note", ["\u200b=cmd|' /C calc'!A0", "\ufeff+1+1", "\uff1dSUM(A1)", "@x"])
def test_list_csv_never_starts_a_cell_with_a_formula(client, note):
    import csv
    import io

    response = client.get("/list.csv", query_string={"agency.0": "hsao", "note.0": note})
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + note in cells, rows
    assert note not in cells
