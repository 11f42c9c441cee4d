"""The JSON API through the test client; every response is checked against the OpenAPI document."""

from __future__ import annotations

import math

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOC_URI = "urn:service-directory:openapi"


@pytest.fixture(scope="module")
def openapi(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    Draft202012Validator.check_schema({"$defs": document["components"]["schemas"]})
    return document


def check(client, openapi, url: str, path: str, status: int = 200, **params):
    """GET url; assert the status, and that the body matches the document's schema for it."""
    response = client.get(url, query_string=params)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    operation = openapi["paths"][path]["get"]
    content = operation["responses"][str(status)]["content"]
    assert response.mimetype in content, (response.mimetype, list(content))
    registry = Registry().with_resource(DOC_URI, Resource(openapi, specification=DRAFT202012))
    schema = dict(content[response.mimetype]["schema"])
    if "$ref" in schema:
        schema["$ref"] = DOC_URI + schema["$ref"]
    else:
        schema = _absolute_refs(schema)
    body = response.get_json(force=True)
    Draft202012Validator(schema, registry=registry).validate(body)
    return body


def _absolute_refs(node):
    if isinstance(node, dict):
        return {k: (DOC_URI + v if k == "$ref" else _absolute_refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_absolute_refs(v) for v in node]
    return node


def test_openapi_document_describes_every_endpoint(openapi):
    assert openapi["openapi"].startswith("3.1")
    assert set(openapi["paths"]) >= {
        "/locate",
        "/match",
        "/search",
        "/agencies/{agency_id}",
        "/coverage",
        "/areas.geojson",
    }
    assert openapi["servers"] == [{"url": "/api/v1"}]


def test_locate_zip_inside_and_outside(client, openapi):
    body = check(client, openapi, "/api/v1/locate", "/locate", q="15213")
    assert (
        body["areas"] == ["allegheny-county", "pittsburgh", "oakland"] and body["in_area"] is True
    )
    outside = check(client, openapi, "/api/v1/locate", "/locate", q="16066")
    assert outside["in_area"] is False and outside["areas"] == []


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "Enter a ZIP code, town or address in Allegheny County."),
        ("Sprngfield", 'We couldn\'t find "Sprngfield".'),
        ("<script>x</script>", "We couldn't find"),
    ],
)
def test_locate_nonsense_is_a_400_bad_place(client, openapi, q, message):
    body = check(client, openapi, "/api/v1/locate", "/locate", 400, q=q)
    assert body["error"]["code"] == "bad_place"
    assert body["error"]["message"].startswith(message)


def test_match_15213_child_mental_health(client, openapi):
    body = check(
        client, openapi, "/api/v1/match", "/match", near="15213", age="child", need="mental-health"
    )
    ids = [agency["id"] for agency in body["agencies"]]
    assert "western-psychiatric-institute-and-clinic" in ids and "pressley-ridge" in ids
    assert all("child" in agency["age_groups"] for agency in body["agencies"])
    assert body["filters"] == {
        "age_group": "child",
        "years": None,
        "needs": ["mental-health"],
        "level": None,
    }


def test_match_words_add_needs_and_screener_suggests(client, openapi):
    body = check(
        client,
        openapi,
        "/api/v1/match",
        "/match",
        near="Homestead",
        q="rent help",
        hospitalised="yes",
    )
    assert body["needs_from_words"] == ["housing"]
    assert body["filters"]["needs"] == ["housing"]
    assert body["suggestion"]["level"] == "blended"


def test_match_reports_gaps_with_alternatives(client, openapi):
    body = check(
        client,
        openapi,
        "/api/v1/match",
        "/match",
        near="Homestead",
        age="child",
        need="substance-use",
    )
    gap = next(g for g in body["gaps"] if g.get("need") == "substance-use")
    assert gap["kind"] == "gap" and gap["alternatives"]


def test_match_outside_the_region_is_an_empty_answer_not_an_error(client, openapi):
    body = check(client, openapi, "/api/v1/match", "/match", near="16066")
    assert body["location"]["in_area"] is False
    assert body["agencies"] == [] and body["gaps"] == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "missing_place"),
        ({"near": "15213", "age": "teen"}, "bad_age"),
        ({"near": "15213", "need": "flying"}, "bad_need"),
        ({"near": "15213", "level": "max"}, "bad_level"),
        ({"near": "15213", "years": "200"}, "bad_age"),
        ({"near": "Nowheresville"}, "bad_place"),
    ],
)
def test_match_errors_are_json_with_a_code(client, openapi, params, code):
    body = check(client, openapi, "/api/v1/match", "/match", 400, **params)
    assert body["error"]["code"] == code


def test_search_text_filters_facets_and_pages(client, openapi):
    body = check(
        client,
        openapi,
        "/api/v1/search",
        "/search",
        q="psychiatrist",
        age="child",
        kind="formal",
        page_size="3",
    )
    assert body["total"] >= 3 and len(body["agencies"]) == 3 and body["pages"] >= 1
    assert all("child" in agency["age_groups"] for agency in body["agencies"])
    assert body["facets"]["kind"]["formal"] == body["total"]
    assert "mental-health" in body["needs_named"]


def test_search_offers_did_you_mean(client, openapi):
    body = check(client, openapi, "/api/v1/search", "/search", q="psychiatist")
    assert body["did_you_mean"] == "psychiatrist"


@pytest.mark.parametrize("q", ['"AND( ((', "*" * 50, "x" * 10_000, "\u0000\u202e😀"])
def test_search_treats_hostile_text_as_words(client, openapi, q):
    check(client, openapi, "/api/v1/search", "/search", q=q)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"level": "mega"}, "bad_level"),
        ({"area": "atlantis"}, "bad_area"),
        ({"page": "0"}, "bad_page"),
    ],
)
def test_search_errors(client, openapi, params, code):
    body = check(client, openapi, "/api/v1/search", "/search", 400, **params)
    assert body["error"]["code"] == code


def test_agency_record_and_unknown_agency(client, openapi):
    body = check(client, openapi, "/api/v1/agencies/staunton-clinic", "/agencies/{agency_id}")
    assert body["phone"] == "412-749-7330" and body["areas"] == ["western-allegheny"]
    missing = check(client, openapi, "/api/v1/agencies/nope", "/agencies/{agency_id}", 404)
    assert missing["error"]["code"] == "unknown_agency"


def test_coverage_counts_and_flags(client, openapi, bundled_directory):
    body = check(client, openapi, "/api/v1/coverage", "/coverage", level="blended", age="child")
    assert body["filters"] == {"level": "blended", "age_group": "child", "need": None}
    assert {area["id"] for area in body["areas"]} == {a.id for a in bundled_directory.data.areas}
    for area in body["areas"]:
        assert area["count"] == len(area["providers"]) == area["by_combo"]["blended-child"]["count"]
    gap = check(client, openapi, "/api/v1/coverage", "/coverage", need="substance-use")
    assert {area["flag"] for area in gap["areas"]} == {"gap"}
    bad = check(client, openapi, "/api/v1/coverage", "/coverage", 400, need="flying")
    assert bad["error"]["code"] == "bad_need"


def test_areas_geojson_is_valid_geojson_with_counts(client, openapi):
    body = check(client, openapi, "/api/v1/areas.geojson", "/areas.geojson")
    oakland = next(f for f in body["features"] if f["id"] == "oakland")
    assert oakland["properties"]["approximate"] is True
    assert oakland["properties"]["count"] >= 1
    ring = oakland["geometry"]["coordinates"][0]
    if oakland["geometry"]["type"] == "MultiPolygon":
        ring = ring[0]
    assert all(math.isfinite(x) for point in ring for x in point)


def test_needs_and_screen(client, openapi):
    needs = check(client, openapi, "/api/v1/needs", "/needs")
    assert any(n["code"] == "housing" and "rent" in n["synonyms"] for n in needs["needs"])
    screen = check(client, openapi, "/api/v1/screen", "/screen", occasional="yes")
    assert screen["level"] == "administrative"
    neither = check(client, openapi, "/api/v1/screen", "/screen")
    assert neither["level"] is None


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert set(response.get_json()["error"]) == {"code", "message"}


def test_api_sends_security_headers_and_no_person_data_in_errors_pages(client):
    response = client.get("/api/v1/match", query_string={"near": "15213"})
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
