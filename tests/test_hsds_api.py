"""The /hsds API as harvesters and validators see it (issue 14): every endpoint of the HSDS
3.0 OpenAPI document, checked against the published response schemas (and strictly: no
property the schemas do not name) and against our own OpenAPI document; paging limits,
modified_after, minimal, format=ndjson, the Open Referral UK parameters, CORS, optional
fields left out, and hostile values of every parameter.

The spec's files are read from ../shared/hsds (CC BY-SA 4.0); the product never reads them.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from directory import create_app
from directory.config import DEFAULT_DATA_DIR
from directory.errors import BadInput
from directory.hsds import hsds_id
from directory.hsds.query import ENDPOINTS, MAX_PER_PAGE, PARAMETERS, HsdsQuery, filter_services
from directory.hsds.schema import REQUIRED_FIELDS, empty_tables
from directory.hsds.view import HsdsView

HSDS = Path(__file__).resolve().parents[2] / "shared" / "hsds"
SPEC_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
OFFICIAL = SPEC_BASE + "openapi.json"
OURS = "urn:service-directory:hsds-openapi"
SETTINGS = {
    "TESTING": True,
    "DATA": str(DEFAULT_DATA_DIR),
    "RELOAD_SECONDS": 0,
    "INDEX_DIR": ":memory:",
    "RATE_LIMIT_PER_MINUTE": 0,
}
SERVICES = 23  # in the bundled county
LIBRARY = hsds_id("service", "carnegie-library-of-pittsburgh")


@pytest.fixture(scope="module")
def app():
    return create_app(SETTINGS)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def document(client):
    return client.get("/hsds/openapi.json").get_json()


def _strict(schema):
    """The schema with additionalProperties: false on every object that lists properties."""
    if isinstance(schema, dict):
        out = {key: _strict(value) for key, value in schema.items()}
        if isinstance(out.get("properties"), dict) and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


def _registry(strict: bool, ours: dict | None = None):
    """The spec's schemas under the URLs the OpenAPI documents use, so refs resolve offline."""
    if not HSDS.exists():
        pytest.skip("needs the HSDS 3.0 spec files in ../shared/hsds beside the checkout")
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = []
    folder = HSDS / "schema"
    for path in sorted(folder.glob("*.json")) + sorted((folder / "compiled").glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        if strict and path.name != "openapi.json":
            contents = _strict(contents)
        uri = SPEC_BASE + str(path.relative_to(folder))
        resources.append((uri, Resource.from_contents(contents, DRAFT202012)))
    if ours is not None:
        resources.append((OURS, Resource.from_contents(ours, DRAFT202012)))
    return Registry().with_resources(resources)


@pytest.fixture(scope="module")
def registry(document):
    return _registry(strict=False, ours=document)


@pytest.fixture(scope="module")
def strict_registry():
    return _registry(strict=True)


def _errors(registry, instance, ref: str) -> list[str]:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(
        {"$ref": ref}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    found = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in found[:5]]


def _pointer(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def _response_ref(base: str, path: str) -> str:
    return f"{base}#/paths/{_pointer(path)}/get/responses/200/content/application~1json/schema"


# The official document gives /service_at_locations/{id} compiled/service.json, which needs
# a service's name and status; the endpoint answers a service_at_location (as ours says).
OFFICIAL_ITEM = {"/service_at_locations/{id}": SPEC_BASE + "compiled/service_at_location.json"}


def _official_ref(path: str) -> str:
    return OFFICIAL_ITEM.get(path) or _response_ref(OFFICIAL, path)


def _item_ref(document: dict, path: str) -> str:
    """The official schema of one item of `path` (as our document names it)."""
    schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    schema = schema["schema"]
    return (
        schema["properties"]["contents"]["items"]["$ref"] if "allOf" in schema else schema["$ref"]
    )


def _an_id(client, table_path: str) -> str:
    return client.get(f"/hsds{table_path}?per_page=1").get_json()["contents"][0]["id"]


def _urls(
    client, service_id: str = LIBRARY, word: str = "library", near: str | None = "postcode=15213"
) -> list[tuple[str, str]]:
    """(url, OpenAPI path) for every endpoint, with the variants a harvester uses; `word`
    finds `service_id` and `near` (with proximity 3000) at least one of its locations."""
    org = _an_id(client, "/organizations")
    taxonomy = _an_id(client, "/taxonomies")
    term = _an_id(client, "/taxonomy_terms")
    link = _an_id(client, "/service_at_locations")
    urls = [
        ("/hsds/", "/"),
        ("/hsds/services", "/services"),
        ("/hsds/services?per_page=500", "/services"),
        ("/hsds/services?minimal=true&per_page=200", "/services"),
        ("/hsds/services?full=true&per_page=3", "/services"),
        ("/hsds/services?modified_after=2000-01-01T00:00:00Z", "/services"),
        (f"/hsds/services?search={word}&minimum_age=5&maximum_age=90", "/services"),
        (f"/hsds/services/{service_id}", "/services/{id}"),
        ("/hsds/service_at_locations", "/service_at_locations"),
        ("/hsds/service_at_locations?full=true", "/service_at_locations"),
        (f"/hsds/service_at_locations?{near}&proximity=3000", "/service_at_locations"),
        (f"/hsds/service_at_locations/{link}", "/service_at_locations/{id}"),
        ("/hsds/organizations?per_page=200", "/organizations"),
        ("/hsds/organizations?full=true&per_page=3", "/organizations"),
        (f"/hsds/organizations/{org}", "/organizations/{id}"),
        (f"/hsds/organizations/{org}?full_service=true", "/organizations/{id}"),
        ("/hsds/taxonomies", "/taxonomies"),
        (f"/hsds/taxonomies/{taxonomy}", "/taxonomies/{id}"),
        ("/hsds/taxonomy_terms?per_page=500", "/taxonomy_terms"),
        ("/hsds/taxonomy_terms?top_only=true", "/taxonomy_terms"),
        (f"/hsds/taxonomy_terms/{term}", "/taxonomy_terms/{id}"),
    ]
    return [(url, path) for url, path in urls if near is not None or "proximity" not in url]


# -- our OpenAPI document describes exactly what we serve -------------------------------------


def test_root_advertises_our_openapi_document(client, document):
    body = client.get("/hsds/").get_json()
    assert body["version"] == "3.0.0"
    assert body["openapi_url"] == "http://localhost/hsds/openapi.json"
    assert document["openapi"].startswith("3.1") and document["servers"] == [{"url": "/hsds"}]


def test_every_served_route_is_in_the_document_and_every_documented_path_is_served(app, document):
    served = {
        rule.rule[len("/hsds") :].replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("hsds.")
    }
    served = {path.replace("{service_id}", "{id}") for path in served}
    served = {
        path.split("/{")[0] + "/{id}" if "/{" in path else path for path in served
    }  # every id parameter is called {id} in the document
    assert served == set(document["paths"]) == set(ENDPOINTS)
    # Every path the official document lists, which harvesters call, is there.
    if HSDS.exists():
        official = json.loads((HSDS / "schema" / "openapi.json").read_text(encoding="utf-8"))
        assert set(official["paths"]) <= served


def test_document_lists_each_endpoints_parameters_with_their_limits(document):
    for path, accepted in ENDPOINTS.items():
        listed = [
            p["name"] for p in document["paths"][path]["get"]["parameters"] if p["in"] == "query"
        ]
        assert listed == list(accepted), path
    per_page = next(
        p for p in document["paths"]["/services"]["get"]["parameters"] if p["name"] == "per_page"
    )
    assert per_page["schema"]["maximum"] == MAX_PER_PAGE == 200
    assert "clamped" in per_page["description"]


def test_every_parameter_the_official_document_lists_is_accepted():
    """A harvester written against the spec never meets a 400 for a parameter it names."""
    if not HSDS.exists():
        pytest.skip("needs the HSDS 3.0 spec files in ../shared/hsds beside the checkout")
    official = json.loads((HSDS / "schema" / "openapi.json").read_text(encoding="utf-8"))
    shared = official["components"]["parameters"]
    for path, item in official["paths"].items():
        listed = item.get("parameters", []) + item["get"].get("parameters", [])
        names = {
            (shared[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p)["name"] for p in listed
        } - {"id"}
        assert names <= set(ENDPOINTS[path]), (path, names - set(ENDPOINTS[path]))


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_a_parameter_an_endpoint_does_not_list_is_a_400_naming_it(client, document, path):
    url = "/hsds" + path.replace("{id}", "anything")
    listed = {p["name"] for p in document["paths"][path]["get"]["parameters"]}
    for name in [*sorted(set(PARAMETERS) - listed), "callback"]:
        response = client.get(url, query_string={name: "1"})
        assert response.status_code == 400, (path, name)
        body = response.get_json()["error"]
        assert body["code"] == "bad_parameter" and f'"{name}"' in body["message"]


def test_every_answer_matches_the_official_schemas_strictly_and_our_document(
    client, document, registry, strict_registry
):
    _check_every_answer(client, document, registry, strict_registry, _urls(client))


def _check_every_answer(client, document, registry, strict_registry, urls) -> None:
    for url, path in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_json()
        assert not _errors(registry, body, _official_ref(path)), (
            url,
            _errors(registry, body, _official_ref(path)),
        )
        assert not _errors(registry, body, _response_ref(OURS, path)), url
        if path in ("/", "/openapi.json") or "full=true" in url:
            continue  # full list items are nested objects in a list of one-to-one ones
        items = body["contents"] if "contents" in body else [body]
        assert items, url
        for item in items:
            problems = _errors(strict_registry, item, _item_ref(document, path))
            assert not problems, (url, problems)


# -- paging ------------------------------------------------------------------------------------


def test_per_page_over_the_maximum_is_clamped_and_the_page_says_so(client):
    body = client.get("/hsds/services?per_page=500").get_json()
    assert body["size"] == body["total_items"] == SERVICES
    assert (body["per_page"], body["per_page_requested"]) == (200, 500)
    assert "maximum of 200" in body["notice"]
    plain = client.get("/hsds/services?per_page=200").get_json()
    assert plain["per_page"] == 200 and "per_page_requested" not in plain and "notice" not in plain


def test_clamped_pages_still_count_pages_of_the_clamped_size(client):
    terms = client.get("/hsds/taxonomy_terms?per_page=1").get_json()["total_items"]
    body = client.get("/hsds/taxonomy_terms?per_page=99999&page=1").get_json()
    assert body["size"] == min(terms, 200)
    assert body["total_pages"] == -(-terms // 200)


@pytest.mark.parametrize("path", ["/organizations", "/taxonomies", "/taxonomy_terms"])
@pytest.mark.parametrize(("name", "value"), [("page", "²"), ("per_page", "١٢"), ("page", "0")])
def test_paging_numbers_are_ascii_digits_from_one(client, path, name, value):
    response = client.get(f"/hsds{path}", query_string={name: value})
    assert response.status_code == 400
    assert f'"{name}" must be a whole number' in response.get_json()["error"]["message"]


# -- modified_after, minimal, format -------------------------------------------------------------


def test_modified_after_in_the_future_gives_no_items(client):
    for path in ("/services", "/service_at_locations"):
        body = client.get(f"/hsds{path}?modified_after=2999-01-01T00:00:00Z").get_json()
        assert (body["total_items"], body["contents"], body["empty"]) == (0, [], True)


def test_modified_after_keeps_services_dated_that_day_or_later(client):
    every = client.get("/hsds/services?minimal=true&per_page=200").get_json()["contents"]
    dated = [s for s in every if "assured_date" in s or "last_modified" in s]
    assert 0 < len(dated) < len(every)  # the county verified some records in 2011, not all
    day = max(s["assured_date"] for s in dated)
    for when, expected in [
        ("2000-01-01", len(dated)),
        (f"{day}T23:59:59+05:00", len(dated)),  # any time that day still finds them
        ("2999-12-31", 0),
    ]:
        body = client.get("/hsds/services", query_string={"modified_after": when}).get_json()
        assert body["total_items"] == expected, when


def test_an_offset_sent_unencoded_reads_as_an_offset(client):
    # "+" in a query string arrives as a space: 2000-01-01T00:00:00+02:00 still parses.
    response = client.get("/hsds/services?modified_after=2000-01-01T00:00:00+02:00")
    assert response.status_code == 200 and response.get_json()["total_items"] > 0


@pytest.mark.parametrize("value", ["yesterday", "2024-13-45", "2024-05-01T25:00", "١٢"])
def test_a_bad_modified_after_is_a_400_saying_which(client, value):
    response = client.get("/hsds/services", query_string={"modified_after": value})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_modified_after" and '"modified_after"' in error["message"]


def test_minimal_lists_ids_and_dates_of_every_service(client):
    body = client.get("/hsds/services?minimal=true&per_page=200").get_json()
    assert body["total_items"] == SERVICES
    for item in body["contents"]:
        assert {"id", "name", "status"} <= set(item)
        assert set(item) <= {"id", "name", "status", "last_modified", "assured_date"}


@pytest.mark.parametrize("value", ["yes", "1", "TRUE!"])
def test_booleans_are_true_or_false(client, value):
    response = client.get("/hsds/services", query_string={"minimal": value})
    assert response.status_code == 400
    assert "Choose true or false" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "path",
    ["/services", "/service_at_locations", "/organizations", "/taxonomies", "/taxonomy_terms"],
)
def test_ndjson_gives_every_item_one_a_line(client, path):
    page = client.get(f"/hsds{path}?per_page=200").get_json()
    response = client.get(f"/hsds{path}?format=ndjson")
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    text = response.get_data(as_text=True)
    assert text.endswith("\n")
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) == page["total_items"]  # no pagination by default
    assert lines[: len(page["contents"])] == page["contents"]


def test_ndjson_is_streamed_as_made_not_gzipped_whole(client):
    response = client.get("/hsds/services?format=ndjson", headers={"Accept-Encoding": "gzip"})
    assert response.is_streamed and "Content-Encoding" not in response.headers
    assert len(response.get_data(as_text=True).splitlines()) == SERVICES


def test_ndjson_with_paging_gives_that_page(client):
    text = client.get("/hsds/services?format=ndjson&per_page=5&page=2").get_data(as_text=True)
    page = client.get("/hsds/services?per_page=5&page=2").get_json()
    assert [json.loads(line) for line in text.splitlines()] == page["contents"]


def test_minimal_and_full_together_are_a_400(client):
    response = client.get("/hsds/services?minimal=true&full=true")
    assert response.status_code == 400
    assert '"minimal" and "full"' in response.get_json()["error"]["message"]
    assert client.get("/hsds/services?minimal=true&full=false").status_code == 200


def test_an_unknown_format_is_a_400(client):
    response = client.get("/hsds/services?format=xml")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_format"


# -- Open Referral UK parameters -----------------------------------------------------------------


@pytest.fixture(scope="module")
def aged_client(tmp_path_factory):
    """The county with age limits on three agencies (as a county worker would add them)."""
    import shutil

    folder = tmp_path_factory.mktemp("aged") / "data"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    path = folder / "agencies.csv"
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        header, rows = reader.fieldnames, list(reader)
    ages = {"pressley-ridge": ("", "17"), "hsao": ("18", ""), "family-links": ("12", "25")}
    for row in rows:
        row["min_age"], row["max_age"] = ages.get(row["id"], (row["min_age"], row["max_age"]))
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return create_app({**SETTINGS, "DATA": str(folder)}).test_client()


def _names(client, query: str) -> set[str]:
    body = client.get(f"/hsds/services?per_page=200&{query}").get_json()
    return {item["name"] for item in body["contents"]}


def test_age_filters_keep_services_whose_ages_overlap(aged_client):
    every = _names(aged_client, "")
    children, adults, young = "Pressley Ridge", "HSAO", "Family Links"
    assert {children, adults, young} <= every
    assert _names(aged_client, "minimum_age=18") == every - {children}
    assert _names(aged_client, "maximum_age=11") == every - {adults, young}
    assert _names(aged_client, "minimum_age=26&maximum_age=30") == every - {children, young}
    # services without age limits are open to any age, so they stay
    assert len(_names(aged_client, "minimum_age=40")) == len(every) - 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("minimum_age=-1", '"minimum_age" must be a whole number from 0 to 150'),
        ("maximum_age=200", '"maximum_age" must be a whole number from 0 to 150'),
        ("minimum_age=30&maximum_age=20", '"minimum_age" (30) is more than "maximum_age" (20)'),
        ("day=someday", 'Unknown day "someday"'),
        ("start_time=9am", '"start_time" must be a time of day as HH:MM'),
        ("start_time=24:00", '"start_time" must be a time of day as HH:MM'),
    ],
)
def test_bad_oruk_values_are_a_400_naming_the_parameter(client, query, message):
    response = client.get(f"/hsds/services?{query}")
    assert response.status_code == 400
    assert message in response.get_json()["error"]["message"]


def test_day_and_time_leave_out_services_without_schedules(client):
    # The county's records carry no opening hours: no service can be said to be open.
    body = client.get("/hsds/services?day=monday&start_time=10:00").get_json()
    assert body["total_items"] == 0


def _schedule_view() -> HsdsView:
    """A small feed: services with hours of their own, at a location, and overnight; one
    whose weekly hours ended in 2001 and that opens the last Friday of a month."""
    tables = empty_tables()
    for sid in ("weekdays", "saturday-at-location", "night", "ended-and-monthly"):
        tables["service"].append({"id": sid, "name": sid, "status": "active"})
    tables["location"].append({"id": "hall", "location_type": "physical"})
    tables["service_at_location"].append(
        {"id": "sal", "service_id": "saturday-at-location", "location_id": "hall"}
    )
    tables["schedule"] += [
        {"id": "s1", "service_id": "weekdays", "freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR",
         "opens_at": "09:00", "closes_at": "17:00"},
        {"id": "s2", "location_id": "hall", "freq": "WEEKLY", "byday": "SA",
         "opens_at": "10:00:00", "closes_at": "12:00:00"},
        {"id": "s3", "service_id": "night", "freq": "DAILY",
         "opens_at": "22:00-05:00", "closes_at": "06:00-05:00"},
        {"id": "s4", "service_id": "ended-and-monthly", "freq": "WEEKLY", "byday": "MO,SU",
         "opens_at": "00:00", "closes_at": "23:59", "valid_to": "2001-12-31"},
        {"id": "s5", "service_id": "ended-and-monthly", "freq": "MONTHLY", "byday": "-1FR"},
    ]  # fmt: skip
    return HsdsView(tables)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"day": "monday"}, {"weekdays", "night"}),
        ({"day": "sunday"}, {"night"}),
        ({"day": "friday"}, {"weekdays", "night", "ended-and-monthly"}),
        ({"day": "Saturday"}, {"saturday-at-location", "night"}),
        ({"day": "monday", "start_time": "16:59"}, {"weekdays"}),
        ({"day": "monday", "start_time": "17:00"}, set()),
        ({"start_time": "11:00"}, {"weekdays", "saturday-at-location"}),
        ({"start_time": "23:30"}, {"night"}),
        ({"start_time": "05:59"}, {"night"}),
    ],
)
def test_day_and_start_time_read_the_services_schedules(args, expected):
    view = _schedule_view()
    query = HsdsQuery.read(args, "/services", 20)
    assert {row["id"] for row in filter_services(view, view.tables["service"], query)} == expected


def test_a_parameter_given_twice_is_a_400_not_a_silent_choice(client):
    response = client.get("/hsds/services?per_page=5&per_page=500")
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "bad_per_page",
        "message": '"per_page" is given 2 times; give it once.',
    }


def test_query_refuses_what_an_endpoint_does_not_take():
    with pytest.raises(BadInput, match='Unknown parameter "day" for /hsds/taxonomies'):
        HsdsQuery.read({"day": "monday"}, "/taxonomies", 20)


# -- organizations and taxonomies ---------------------------------------------------------------


def test_an_organization_lists_its_services_and_locations(client):
    org_id = hsds_id("organization", "carnegie-library-of-pittsburgh")
    body = client.get(f"/hsds/organizations/{org_id}").get_json()
    assert body["name"] == "Carnegie Library of Pittsburgh"
    assert [s["id"] for s in body["services"]] == [LIBRARY]
    assert body["locations"][0]["addresses"][0]["postal_code"] == "15213"
    full = client.get(f"/hsds/organizations/{org_id}?full_service=true").get_json()
    assert full["services"][0]["service_at_locations"][0]["location"]["addresses"]
    assert "organization" not in full["services"][0]  # it is the enclosing object


def test_organizations_search_finds_by_name(client):
    body = client.get("/hsds/organizations?search=carnegie library").get_json()
    assert [o["name"] for o in body["contents"]] == ["Carnegie Library of Pittsburgh"]


def test_taxonomy_terms_filter_by_taxonomy_parent_and_top_level(client):
    taxonomies = client.get("/hsds/taxonomies").get_json()["contents"]
    need = next(t for t in taxonomies if t["name"] == "Need")
    terms = client.get(f"/hsds/taxonomy_terms?taxonomy_id={need['id']}&per_page=200").get_json()
    assert terms["total_items"] > 0
    assert {t["taxonomy_id"] for t in terms["contents"]} == {need["id"]}
    parent = next(t for t in terms["contents"] if not t.get("parent_id"))
    children = client.get(f"/hsds/taxonomy_terms?parent_id={parent['id']}").get_json()
    assert children["total_items"] > 0
    assert {t["parent_id"] for t in children["contents"]} == {parent["id"]}
    top = client.get("/hsds/taxonomy_terms?top_only=true&per_page=200").get_json()["contents"]
    assert top and not any(t.get("parent_id") for t in top)
    one = client.get(f"/hsds/taxonomy_terms/{parent['id']}").get_json()
    assert one["taxonomy_detail"]["id"] == need["id"]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/organizations/nope", "unknown_organization"),
        ("/taxonomies/nope", "unknown_taxonomy"),
        ("/taxonomy_terms/nope", "unknown_taxonomy_term"),
        ("/service_at_locations/nope", "unknown_service_at_location"),
    ],
)
def test_unknown_ids_are_a_404_in_json(client, path, code):
    response = client.get(f"/hsds{path}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == code
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_an_organization_a_feed_shares_lists_both_services(tmp_path):
    import shutil

    from directory.hsds.ids import IDS_FILE, IDS_HEADER

    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    with (folder / IDS_FILE).open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(IDS_HEADER)
        writer.writerow(["hsao", "svc-a", "org-shared", "Shared Organisation", ""])
        writer.writerow(["family-links", "svc-b", "org-shared", "Shared Organisation", ""])
    client = create_app({**SETTINGS, "DATA": str(folder)}).test_client()
    body = client.get("/hsds/organizations/org-shared").get_json()
    assert body["name"] == "Shared Organisation"
    assert sorted(s["id"] for s in body["services"]) == ["svc-a", "svc-b"]
    listed = client.get("/hsds/services?organization_id=org-shared").get_json()
    assert sorted(s["id"] for s in listed["contents"]) == ["svc-a", "svc-b"]


# -- optional fields, email, CORS ---------------------------------------------------------------

REQUIRED = {field for fields in REQUIRED_FIELDS.values() for field in fields}


def _empty_optional(value, path="") -> list[str]:
    """Paths of empty lists, and of empty strings in fields no schema requires."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if item == [] or (item == "" and key not in REQUIRED):
                found.append(f"{path}.{key}")
            found += _empty_optional(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _empty_optional(item, f"{path}[{index}]")
    return found


def test_optional_fields_without_a_value_are_left_out(client):
    for url, _ in _urls(client):
        assert _empty_optional(client.get(url).get_json()) == [], url


def test_a_service_email_is_emitted_when_known():
    tables = empty_tables()
    tables["service"].append(
        {"id": "s", "name": "Help line", "status": "active", "email": "help@example.org"}
    )
    tables["service"].append({"id": "t", "name": "No email", "status": "active", "email": None})
    view = HsdsView(tables)
    assert view.full_service("s")["email"] == "help@example.org"
    assert view.service_summary("s")["email"] == "help@example.org"
    assert "email" not in view.full_service("t")


@pytest.mark.parametrize(
    "url",
    [
        "/hsds",
        "/hsds/",
        "/hsds/openapi.json",
        "/hsds/organizations",
        "/hsds/taxonomies?per_page=0",
        "/hsds/no-such-endpoint",
        "/hsds/services?format=xml",
    ],
)
def test_every_hsds_response_is_open_to_any_origin(client, url):
    response = client.get(url)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_browser_preflight_is_told_reading_is_allowed(client):
    response = client.options(
        "/hsds/services",
        headers={"Origin": "https://other.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "POST" not in response.headers.get("Allow", "")


def test_cors_is_only_on_hsds(client):
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/openapi.json").headers


def test_a_rate_limited_harvester_gets_the_json_error_with_cors():
    client = create_app(
        {**SETTINGS, "RATE_LIMIT_PER_MINUTE": 1, "RATE_LIMIT_BURST": 1}
    ).test_client()
    client.get("/hsds/services")
    response = client.get("/hsds/services")
    assert response.status_code == 429 and response.headers["Retry-After"]
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# -- hostile input: never a 500 --------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "²",
    "-1",
    "0",
    "1e9",
    "NaN",
    "inf",
    "9" * 60,
    "true\x00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\u202e\ufeff",
    "2024-13-45T99:99",
    'AND( NOT "',
    "x" * 5000,
]


@pytest.mark.parametrize("path", [p for p in ENDPOINTS if "{id}" not in p])
def test_hostile_values_of_every_parameter_are_answered_without_a_500(client, path):
    for name in ENDPOINTS[path]:
        for value in HOSTILE:
            args = {name: value}
            if name == "proximity":
                args["postcode"] = "15213"
            response = client.get("/hsds" + path, query_string=args)
            assert response.status_code in (200, 400), (path, name, value[:20])
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            if response.status_code == 400:
                error = response.get_json()["error"]
                assert error["code"] and error["message"], (path, name)


@pytest.mark.parametrize("path", [p for p in ENDPOINTS if "{id}" in p])
@pytest.mark.parametrize("value", ["%00", "..%2F..%2Fetc", "%E2%80%AE", "x" * 2000, "%C0%AF"])
def test_hostile_ids_are_a_404_not_a_500(client, path, value):
    response = client.get("/hsds" + path.replace("{id}", value))
    assert response.status_code == 404
    assert response.get_json()["error"]["message"]


def test_dates_at_the_edges_of_the_calendar_are_answered(client):
    for text, count in [("0001-01-01T00:00:00+14:00", 16), ("9999-12-31T23:59:59-12:00", 0)]:
        body = client.get("/hsds/services", query_string={"modified_after": text}).get_json()
        assert body["total_items"] == count, text
    plain = HsdsQuery.read({"modified_after": "2024-05-01"}, "/services", 20)
    assert plain.modified_after == datetime(2024, 5, 1, tzinfo=timezone.utc)


# -- a feed that uses every HSDS table (tests/hsds_feed.py), imported and served ---------------


@pytest.fixture(scope="module")
def feed_client(tmp_path_factory):
    from hsds_feed import write_feed_csv

    from directory.hsds import import_hsds

    root = tmp_path_factory.mktemp("feed")
    report = import_hsds(write_feed_csv(root / "feed"), root / "data", region_name="Riverside")
    assert report.written, [str(p) for p in report.problems]
    return create_app({**SETTINGS, "DATA": str(root / "data")}).test_client()


def test_the_feed_answers_every_endpoint_by_the_official_schemas(
    feed_client, document, registry, strict_registry
):
    from hsds_feed import PANTRY

    urls = _urls(feed_client, PANTRY, "pantry", near=None)  # a UK postcode is not a ZIP
    _check_every_answer(feed_client, document, registry, strict_registry, urls)
    for url, _ in urls:
        assert _empty_optional(feed_client.get(url).get_json()) == [], url


def test_the_feeds_service_email_schedules_and_organisation_are_served(feed_client):
    from hsds_feed import CLINIC, ORG, PANTRY

    pantry = feed_client.get(f"/hsds/services/{PANTRY}").get_json()
    assert pantry["email"] == "pantry@example.org"
    assert pantry["schedules"][0]["byday"] == "TU,TH"
    listed = feed_client.get("/hsds/services?per_page=200").get_json()["contents"]
    assert next(s for s in listed if s["id"] == PANTRY)["email"] == "pantry@example.org"
    org = feed_client.get(f"/hsds/organizations/{ORG}").get_json()
    assert org["email"] == "hello@example.org"
    assert sorted(s["id"] for s in org["services"]) == sorted([PANTRY, CLINIC])
    minimal = feed_client.get("/hsds/services?minimal=true").get_json()["contents"]
    assert next(s for s in minimal if s["id"] == PANTRY)["last_modified"].startswith("2024-03-02")


@pytest.mark.parametrize(
    ("query", "has_pantry"),
    [
        ("day=tuesday", True),
        ("day=monday", False),
        ("day=thursday&start_time=09:30", True),
        ("day=thursday&start_time=12:00", False),
        ("start_time=11:59", True),
        ("minimum_age=99", True),
        ("minimum_age=100", False),
        ("maximum_age=15", False),
        ("minimum_age=10&maximum_age=16", True),
        # last_modified (10:15) counts before assured_date (the day before)
        ("modified_after=2024-03-02T10:15:00Z", True),
        ("modified_after=2024-03-02T10:16:00Z", False),
        ("modified_after=2024-03-02T11:15:00%2B01:00", True),
    ],
)
def test_the_feeds_services_filter_by_oruk_parameters_and_date(feed_client, query, has_pantry):
    from hsds_feed import PANTRY

    for path, key in [("/services", "id"), ("/service_at_locations", "service_id")]:
        body = feed_client.get(f"/hsds{path}?per_page=200&{query}").get_json()
        assert (PANTRY in {item[key] for item in body["contents"]}) is has_pantry, path
