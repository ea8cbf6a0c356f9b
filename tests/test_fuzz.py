"""Schemathesis fuzzes a live server from its own /openapi.json, on SQLite and PostgreSQL.

A bounded number of generated requests per operation (``TIDINGS_FUZZ_EXAMPLES``, default 12):
no 5xx, every status documented, every body matching its schema and content type, and no
unhandled exception in the server's log.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.server import Server, serving

CLIENT_ID, SECRET = "fuzz-client", "fuzz-secret-0123456789abcdef0123456789"
INBOUND = "fuzz-inbound-token-0123456789abcdef"
EXAMPLES = int(os.environ.get("TIDINGS_FUZZ_EXAMPLES", "12"))


@pytest.fixture(scope="module")
def live(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[tuple[Server, str]]:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/fuzz.db",
        "TIDINGS_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
        "TIDINGS_BOOTSTRAP_CLIENT_SECRET": SECRET,
        "TIDINGS_INBOUND_TOKEN": INBOUND,
        "TIDINGS_RATE_LIMIT_TOKEN_ADDRESS": "off",
        "TIDINGS_RATE_LIMIT_TOKEN_CLIENT": "off",
    }
    with serving(env) as server:
        token = httpx.post(server.base_url + "v2/token", json={
            "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET,
        }).json()["access_token"]  # fmt: skip
        yield server, token
    output = server.output
    assert "Traceback" not in output and "Exception in ASGI" not in output, output[-3000:]


@pytest.fixture(scope="module")
def api_schema(live: tuple[Server, str]) -> Any:
    server, _ = live
    return schemathesis.openapi.from_url(server.base_url + "openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_generated_requests_get_documented_answers(case: Any, live: tuple[Server, str]) -> None:
    server, token = live
    secret = INBOUND if case.path.startswith("/inbound/") else token
    case.call_and_validate(
        base_url=server.base_url.rstrip("/"),
        headers={"Authorization": f"Bearer {secret}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
