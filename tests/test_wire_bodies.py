"""Exact error bodies of the operations declared through app/wire: captured from the code
before the wire models replaced the hand validators, so they prove the bodies did not change."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Service, Tenant

Tenants = tuple[Tenant, Tenant]
_GOOD = {"to": "ana@example.com", "subject": "Hi", "body": "Hello"}
_ADDRESS = "is not an email address or an E.164 phone number"

SUPPRESSION_CASES: list[tuple[Any, int, dict[str, Any]]] = [
    ({"address": "not an address"}, 422, {"errors": {"address": [_ADDRESS]}}),
    ({}, 422, {"errors": {"address": [_ADDRESS]}}),
    ({"address": None}, 422, {"errors": {"address": [_ADDRESS]}}),
    ({"address": 5}, 422, {"errors": {"address": [_ADDRESS]}}),
    ([], 422, {"errors": {"base": ["Request body must be a JSON object"]}}),
    ("x", 422, {"errors": {"base": ["Request body must be a JSON object"]}}),
    ({"address": "a@b.io", "reason": 5}, 422,
     {"errors": {"reason": ["must be a string of at most 500 characters"]}}),
    ({"address": "a@b.io", "reason": "r" * 501}, 422,
     {"errors": {"reason": ["must be a string of at most 500 characters"]}}),
]  # fmt: skip

TRANSACTIONAL_CASES: list[tuple[Any, int, dict[str, Any]]] = [
    ({}, 422, {"errors": {"recipient_email": ["can't be blank"], "subject": ["can't be blank"],
                          "body": ["can't be blank"]}}),
    (_GOOD | {"to": None, "subject": 5}, 422,
     {"errors": {"subject": ["is invalid"], "recipient_email": ["can't be blank"]}}),
    (_GOOD | {"to": "x" * 3, "subject": "s" * 999, "queue_at": "soon", "reply_to": "no",
              "preheader": 1}, 422,
     {"errors": {"preheader": ["is invalid"],
                 "subject": ["is too long (maximum is 998 characters)"],
                 "recipient_email": ["is invalid"], "reply_to": ["is invalid"],
                 "queue_at": ["is not a valid ISO 8601 time"]}}),
    (_GOOD | {"body": "b" * (512 * 1024 + 1), "recipient_name": "  "}, 422,
     {"errors": {"body": ["is too long (maximum is 524288 characters)"]}}),
    (_GOOD | {"queue_at": "2999-01-01T00:00:00Z", "to": "ünï@exämple.com"}, 422, None),
    (["a"], 422, {"errors": {"base": ["request body must be a JSON object or a form"]}}),
    (7, 422, {"errors": {"base": ["request body must be a JSON object or a form"]}}),
]  # fmt: skip

TOKEN_CASES: list[tuple[Any, int, dict[str, Any]]] = [
    ({}, 400, {"error": "invalid_request", "error_description": "grant_type is required."}),
    ({"grant_type": "password"}, 400, {"error": "unsupported_grant_type",
     "error_description": "Only grant_type=client_credentials is supported."}),
    ({"grant_type": "client_credentials", "client_id": 5}, 400, {"error": "invalid_request",
     "error_description": "client_id is required and must be a string."}),
    ({"grant_type": "client_credentials", "client_id": "c"}, 401, {"error": "invalid_client",
     "error_description": "Client authentication failed."}),
    ({"grant_type": "client_credentials", "client_id": "c", "client_secret": "s", "scope": 1},
     400, {"error": "invalid_request",
           "error_description": "scope must be a space-separated string."}),
    ({"grant_type": "client_credentials", "client_id": "c", "client_secret": "s",
      "account_id": "x1"}, 400,
     {"error": "invalid_request", "error_description": "account_id must be a numeric MID."}),
    ({"grant_type": "client_credentials", "client_id": "c", "client_secret": "s",
      "account_id": True}, 400,
     {"error": "invalid_request", "error_description": "account_id must be a numeric MID."}),
    ({"grant_type": "client_credentials", "client_id": "c", "client_secret": "s"}, 401,
     {"error": "invalid_client", "error_description": "Client authentication failed."}),
    ([1, 2], 400, {"error": "invalid_request",
                   "error_description": "The body must be a JSON object or a form."}),
]  # fmt: skip


@pytest.mark.parametrize(("body", "status", "expected"), SUPPRESSION_CASES)
async def test_suppression_error_bodies(
    service: Service, tenants: Tenants, body: Any, status: int, expected: Any
) -> None:
    response = await service.http.post(
        "/api/v1/suppressions", json=body, headers=tenants[0].api_headers
    )
    assert (response.status_code, response.json()) == (status, expected)


@pytest.mark.parametrize(("body", "status", "expected"), TRANSACTIONAL_CASES)
async def test_transactional_error_bodies(
    service: Service, tenants: Tenants, body: Any, status: int, expected: Any
) -> None:
    response = await service.http.post(
        "/api/v1/transactionals.json", json=body, headers=tenants[0].api_headers
    )
    if expected is None:  # queue_at too far ahead; the IDN address is the validator's call
        assert response.status_code == status
        assert response.json()["errors"]["queue_at"] == ["is more than 365 days ahead"]
        return
    assert response.status_code == status
    assert response.content.decode() == _compact(expected), "same bytes, same key order"


@pytest.mark.parametrize(("body", "status", "expected"), TOKEN_CASES)
async def test_token_error_bodies(service: Service, body: Any, status: int, expected: Any) -> None:
    response = await service.http.post("/v2/token", json=body)
    assert (response.status_code, response.content.decode()) == (status, _compact(expected))


async def test_unparseable_bodies(service: Service, tenants: Tenants) -> None:
    headers = tenants[0].api_headers | {"Content-Type": "application/json"}
    for path in ("/api/v1/suppressions", "/api/v1/transactionals.json"):
        broken = await service.http.post(path, content=b"{", headers=headers)
        assert broken.status_code == 400
        assert list(broken.json()["errors"]) == ["base"]
        assert broken.json()["errors"]["base"][0].startswith("Request body is not valid JSON")
    token = await service.http.post("/v2/token", content=b"{", headers=headers)
    assert token.status_code == 400 and token.json()["error"] == "invalid_request"


def _compact(value: Any) -> str:
    import orjson

    return orjson.dumps(value).decode()
