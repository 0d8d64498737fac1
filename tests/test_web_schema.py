"""The API against its own OpenAPI schema (schemathesis): generated requests, as the public, a
monitor and a party, never make the server fail and every answer has the documented shape."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from ceasefire.web import create_app
from test_web_api import auth, demo_store, tokens_for


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    store = demo_store(tmp_path_factory)
    return store, tokens_for(store)


@pytest.fixture(scope="module")
def api_schema(world):
    return schemathesis.openapi.from_asgi("/api/openapi.json", create_app(world[0]))


CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.mark.parametrize("who", [None, "monitor", "gov-rep"])
def test_the_api_keeps_to_its_schema(api_schema, world, who):
    headers = auth(world[1][who]) if who else {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 9

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        def keeps_to_schema(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        keeps_to_schema()
