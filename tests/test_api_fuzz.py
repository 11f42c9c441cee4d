"""Schema-driven fuzzing of /api/v1 (schemathesis): no 5xx, every response matches the document.

Bounded: a fixed number of generated requests per operation, against the in-process app.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from directory import create_app
from directory.config import DEFAULT_DATA_DIR

pytestmark = pytest.mark.slow

APP = create_app(
    {
        "TESTING": True,
        "DATA": str(DEFAULT_DATA_DIR),
        "RELOAD_SECONDS": 0,
        "RATE_LIMIT_PER_MINUTE": 0,
    }
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_never_errors_and_always_matches_its_document(case):
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
