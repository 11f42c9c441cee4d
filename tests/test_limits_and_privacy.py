"""Rate limits, request limits, and logs that never hold a person's place, needs or words."""

from __future__ import annotations

import logging

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
