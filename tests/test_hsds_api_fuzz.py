"""Schema-driven fuzzing of /hsds (schemathesis) from our own OpenAPI document: no 5xx, every
status, content type and body is one the document (and through it the published HSDS 3.0
schemas) allows.

The document refers to the HSDS schemas by their official URLs; the test bundles the local
copies from ../shared/hsds into it, so nothing is fetched. Bounded: a fixed number of
generated requests per operation, against the in-process app.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

HSDS = Path(__file__).resolve().parents[2] / "shared" / "hsds"
if not HSDS.exists():
    pytest.skip("needs the HSDS 3.0 spec files in ../shared/hsds", allow_module_level=True)

import schemathesis  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from directory import create_app  # noqa: E402
from directory.config import DEFAULT_DATA_DIR  # noqa: E402

pytestmark = pytest.mark.slow

SPEC_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
APP = create_app(
    {
        "TESTING": True,
        "DATA": str(DEFAULT_DATA_DIR),
        "RELOAD_SECONDS": 0,
        "INDEX_DIR": ":memory:",
        "RATE_LIMIT_PER_MINUTE": 0,
    }
)


def _bundled(document: dict) -> dict:
    """The document with every HSDS schema it refers to copied into components/schemas."""
    components = document["components"]["schemas"]

    def local(ref: str, base: str) -> str:
        name = ref[len(SPEC_BASE) :] if ref.startswith(SPEC_BASE) else base + ref
        key = "hsds_" + name.replace("/", "_").removesuffix(".json")
        if key not in components:
            components[key] = {}  # placeholder first: schemas refer to each other
            path = HSDS / "schema" / name
            schema = json.loads(path.read_text(encoding="utf-8"))
            schema.pop("$id", None)
            schema.pop("$schema", None)
            folder = name.rpartition("/")[0]
            components[key] = rewrite(schema, folder + "/" if folder else "")
        return "#/components/schemas/" + key

    def rewrite(value, base: str):
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key == "$ref" and isinstance(item, str) and not item.startswith("#"):
                    out[key] = local(item, base)
                else:
                    out[key] = rewrite(item, base)
            return out
        if isinstance(value, list):
            return [rewrite(item, base) for item in value]
        return value

    document["paths"] = rewrite(document["paths"], "")
    return document


def _schema():
    raw = APP.test_client().get("/hsds/openapi.json").get_json()
    loaded = schemathesis.openapi.from_dict(_bundled(raw))
    loaded.app = APP
    loaded.location = "/hsds/openapi.json"
    return loaded


schema = _schema()


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_hsds_api_never_errors_and_always_matches_its_document(case):
    # The in-process transport doesn't un-gzip; compression has its own test.
    case.call_and_validate(
        headers={"Accept-Encoding": "identity"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
