"""Exact error bodies of the operations declared through app/wire: captured from the code
before the wire models replaced the hand validators, so they prove the bodies did not change."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Service, Tenant
from tests.receiver import Receiver
from tests.webhooks import register, subscribe

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


# ENS, stats and inbound: captured from the code before their wire models. Paths and bodies
# name a verified callback as {cb}, its subscription as {sub}, a free receiver URL as {url}
# and the callback's own as {cb_url}; bodies answered by the receiver's URL say {target}.
SERVICE_SETTINGS = {
    "allow_private_callbacks": True,
    "probe_timeout_s": 1.0,
    "inbound_token": "inbound-secret",
}
_INBOUND = {"Authorization": "Bearer inbound-secret"}
_CB = "/platform/v1/ens-callbacks"
_SUBS = "/platform/v1/ens-subscriptions"
_OK_CB = {"callbackName": "n", "url": "{url}"}
_T = ["EmailSent"]
_B, _R = "/inbound/bounces", "/inbound/sms/receipts"


def _sfmc(message: str, code: int) -> dict[str, Any]:
    return {"message": message, "errorcode": code, "documentation": ""}


ENS_CASES: list[tuple[str, str, Any, int, Any]] = [
    (
        "POST",
        "/platform/v1/ens-callbacks",
        "x",
        400,
        _sfmc("Request body must be an array of callback objects", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [],
        400,
        _sfmc("Request body must be an array of callback objects", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        ["a"],
        400,
        _sfmc("Request body must be an array of callback objects", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}],
        400,
        _sfmc("At most 10 callbacks per request", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"callbackName": "n"}],
        400,
        _sfmc("url is required", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"callbackName": "n", "url": 5}],
        400,
        _sfmc("url is required", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"callbackName": "n", "url": "  "}],
        400,
        _sfmc("url is required", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [
            {
                "callbackName": "n",
                "url": "https://a.io/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            }
        ],
        400,
        _sfmc("url is required", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"callbackName": "n", "url": "ftp://a.io/x"}],
        400,
        _sfmc("url is not allowed: callback URLs must be https or http://host[/path]", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"url": "{url}"}],
        400,
        _sfmc("callbackName is required: a string of 1-200 characters", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"callbackName": " ", "url": "{url}"}],
        400,
        _sfmc("callbackName is required: a string of 1-200 characters", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [
            {
                "callbackName": "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",  # noqa: E501
                "url": "{url}",
            }
        ],
        400,
        _sfmc("callbackName is required: a string of 1-200 characters", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"callbackName": 3, "url": "{url}"}],
        400,
        _sfmc("callbackName is required: a string of 1-200 characters", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"callbackName": "n", "url": "{url}", "maxBatchSize": True}],
        400,
        _sfmc("maxBatchSize must be an integer from 1 to 1000", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"callbackName": "n", "url": "{url}", "maxBatchSize": 0}],
        400,
        _sfmc("maxBatchSize must be an integer from 1 to 1000", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"callbackName": "n", "url": "{url}", "maxBatchSize": 1001}],
        400,
        _sfmc("maxBatchSize must be an integer from 1 to 1000", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"callbackName": "n", "url": "{url}", "maxBatchSize": "5"}],
        400,
        _sfmc("maxBatchSize must be an integer from 1 to 1000", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"callbackName": "n", "url": "{url}", "maxBatchSize": 5.0}],
        400,
        _sfmc("maxBatchSize must be an integer from 1 to 1000", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"callbackName": "n", "url": "{url}", "keyEncoding": "hex"}],
        400,
        _sfmc("keyEncoding must be base64 (HMAC with the decoded key) or utf8", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"callbackName": "n", "url": "{url}", "strictOrder": "yes"}],
        400,
        _sfmc("strictOrder must be true or false", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"callbackName": "n", "url": "{url}", "sfmcStrict": 1}],
        400,
        _sfmc("sfmcStrict must be true or false", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks",
        [{"callbackName": "n", "url": "{cb_url}"}],
        409,
        _sfmc("A callback for {target}/hook already exists", 30004),
    ),
    (
        "PUT",
        "/platform/v1/ens-callbacks",
        5,
        400,
        _sfmc("Request body must be an array of callback objects", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-callbacks",
        [{"callbackName": "n"}],
        400,
        _sfmc("callbackId is required", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-callbacks",
        [{"callbackId": 5}],
        400,
        _sfmc("callbackId is required", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-callbacks",
        [{"callbackId": "nope"}],
        404,
        _sfmc("MCMS_UWH_Runtime_ObjectNotFound: callbackId nope doesn't exist for this MID", 30003),
    ),
    (
        "PUT",
        "/platform/v1/ens-callbacks",
        [{"callbackId": "{cb}", "url": "https://other.io/x"}],
        400,
        _sfmc("url cannot be changed; register a new callback", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-callbacks",
        [{"callbackId": "{cb}", "callbackName": ""}],
        400,
        _sfmc("callbackName is required: a string of 1-200 characters", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-callbacks",
        [{"callbackId": "{cb}", "callbackName": None}],
        400,
        _sfmc("callbackName is required: a string of 1-200 characters", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-callbacks",
        [{"callbackId": "{cb}", "maxBatchSize": -1}],
        400,
        _sfmc("maxBatchSize must be an integer from 1 to 1000", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-callbacks",
        [{"callbackId": "{cb}", "maxBatchSize": None}],
        400,
        _sfmc("maxBatchSize must be an integer from 1 to 1000", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-callbacks",
        [{"callbackId": "{cb}", "keyEncoding": None}],
        400,
        _sfmc("keyEncoding must be base64 (HMAC with the decoded key) or utf8", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-callbacks",
        [{"callbackId": "{cb}", "strictOrder": None}],
        400,
        _sfmc("strictOrder must be true or false", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-verify",
        [],
        400,
        _sfmc("Request body must be an object with callbackId and verificationKey", 10000),
    ),
    (
        "POST",
        "/platform/v1/ens-verify",
        {},
        400,
        _sfmc("callbackId and verificationKey are required", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-verify",
        {"callbackId": 1, "verificationKey": "k"},
        400,
        _sfmc("callbackId and verificationKey are required", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-verify",
        {"callbackId": "x", "verificationKey": "k"},
        404,
        _sfmc("MCMS_UWH_Runtime_ObjectNotFound: callbackId x doesn't exist for this MID", 30003),
    ),
    (
        "POST",
        "/platform/v1/ens-verify",
        {"callbackId": "{cb}", "verificationKey": "k"},
        404,
        _sfmc("The callbackId and verificationKey do not match (a key works once)", 30003),
    ),
    ("PUT", "/platform/v1/ens-regenerate", [], 400, _sfmc("callbackId is required", 10001)),
    ("PUT", "/platform/v1/ens-regenerate", {}, 400, _sfmc("callbackId is required", 10001)),
    (
        "PUT",
        "/platform/v1/ens-regenerate",
        {"callbackId": 7},
        400,
        _sfmc("callbackId is required", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-regenerate",
        {"callbackId": "x"},
        404,
        _sfmc("MCMS_UWH_Runtime_ObjectNotFound: callbackId x doesn't exist for this MID", 30003),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        "x",
        400,
        _sfmc("Request body must be an array of subscription objects", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [{}],
        400,
        _sfmc("subscriptionName is required: a string of 1-200 characters", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [
            {
                "subscriptionName": "sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss",  # noqa: E501
                "callbackId": "{cb}",
                "eventCategoryTypes": ["EmailSent"],
            }
        ],
        400,
        _sfmc("subscriptionName is required: a string of 1-200 characters", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [{"subscriptionName": "s", "eventCategoryTypes": ["EmailSent"]}],
        400,
        _sfmc("callbackId is required", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [{"subscriptionName": "s", "callbackId": 1, "eventCategoryTypes": ["EmailSent"]}],
        400,
        _sfmc("callbackId is required", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [{"subscriptionName": "s", "callbackId": "x", "eventCategoryTypes": ["EmailSent"]}],
        404,
        _sfmc("MCMS_UWH_Runtime_ObjectNotFound: callbackId x doesn't exist for this MID", 30003),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [{"subscriptionName": "s", "callbackId": "{cb}"}],
        400,
        _sfmc("eventCategoryTypes must be a non-empty array of strings", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [{"subscriptionName": "s", "callbackId": "{cb}", "eventCategoryTypes": []}],
        400,
        _sfmc("eventCategoryTypes must be a non-empty array of strings", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [{"subscriptionName": "s", "callbackId": "{cb}", "eventCategoryTypes": [1]}],
        400,
        _sfmc("eventCategoryTypes must be a non-empty array of strings", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [{"subscriptionName": "s", "callbackId": "{cb}", "eventCategoryTypes": "EmailSent"}],
        400,
        _sfmc("eventCategoryTypes must be a non-empty array of strings", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [
            {
                "subscriptionName": "s",
                "callbackId": "{cb}",
                "eventCategoryTypes": ["EmailSent", "Nope", "X"],
            }
        ],
        400,
        _sfmc(
            "Unknown eventCategoryTypes: Nope, X; known: TransactionalSendEvents.EmailSent, TransactionalSendEvents.EmailNotSent, TransactionalSendEvents.EmailBounced, TransactionalSendEvents.SmsSent, TransactionalSendEvents.SmsNotSent, TransactionalSendEvents.SmsTransient, TransactionalSendEvents.SmsDelivered, TransactionalSendEvents.SmsBounced",  # noqa: E501
            10001,
        ),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [
            {
                "subscriptionName": "s",
                "callbackId": "{cb}",
                "eventCategoryTypes": ["EmailSent"],
                "filters": "a=b",
            }
        ],
        400,
        _sfmc("filters must be an array of 'name=value' strings", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [
            {
                "subscriptionName": "s",
                "callbackId": "{cb}",
                "eventCategoryTypes": ["EmailSent"],
                "filters": [1],
            }
        ],
        400,
        _sfmc("filters must be an array of 'name=value' strings", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [
            {
                "subscriptionName": "s",
                "callbackId": "{cb}",
                "eventCategoryTypes": ["EmailSent"],
                "filters": ["nope=1"],
            }
        ],
        400,
        _sfmc(
            "Filter 'nope=1' must be name=value with name one of definitionKey, statusCode, bounceCode, smtpReason",  # noqa: E501
            10001,
        ),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [
            {
                "subscriptionName": "s",
                "callbackId": "{cb}",
                "eventCategoryTypes": ["EmailSent"],
                "filters": ["definitionKey="],
            }
        ],
        400,
        _sfmc(
            "Filter 'definitionKey=' must be name=value with name one of definitionKey, statusCode, bounceCode, smtpReason",  # noqa: E501
            10001,
        ),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [
            {
                "subscriptionName": "s",
                "callbackId": "{cb}",
                "eventCategoryTypes": ["EmailSent"],
                "bufferWhilePaused": "no",
            }
        ],
        400,
        _sfmc("bufferWhilePaused must be true or false", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-subscriptions",
        [
            {
                "subscriptionName": "existing",
                "callbackId": "{cb}",
                "eventCategoryTypes": ["EmailSent"],
            }
        ],
        409,
        _sfmc("A subscription named existing already exists", 30004),
    ),
    (
        "PUT",
        "/platform/v1/ens-subscriptions",
        None,
        400,
        _sfmc(
            "Request body is not valid JSON: Input is a zero-length, empty document: line 1 column 1 (char 0)",  # noqa: E501
            10004,
        ),
    ),
    (
        "PUT",
        "/platform/v1/ens-subscriptions",
        [{}],
        400,
        _sfmc("subscriptionId is required", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-subscriptions",
        [{"subscriptionId": "x"}],
        404,
        _sfmc(
            "MCMS_UWH_Runtime_ObjectNotFound: subscriptionId x doesn't exist for this MID", 30003
        ),
    ),
    (
        "PUT",
        "/platform/v1/ens-subscriptions",
        [{"subscriptionId": "{sub}", "subscriptionName": ""}],
        400,
        _sfmc("subscriptionName is required: a string of 1-200 characters", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-subscriptions",
        [{"subscriptionId": "{sub}", "eventCategoryTypes": None}],
        400,
        _sfmc("eventCategoryTypes must be a non-empty array of strings", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-subscriptions",
        [{"subscriptionId": "{sub}", "filters": {}}],
        400,
        _sfmc("filters must be an array of 'name=value' strings", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-subscriptions",
        [{"subscriptionId": "{sub}", "status": "gone"}],
        400,
        _sfmc("status must be active or paused", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-subscriptions",
        [{"subscriptionId": "{sub}", "status": 1}],
        400,
        _sfmc("status must be active or paused", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-subscriptions",
        [
            {
                "subscriptionId": "{sub}",
                "statusReason": "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr",  # noqa: E501
            }
        ],
        400,
        _sfmc("statusReason must be a string of at most 500 characters", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-subscriptions",
        [{"subscriptionId": "{sub}", "statusReason": None}],
        400,
        _sfmc("statusReason must be a string of at most 500 characters", 10001),
    ),
    (
        "PUT",
        "/platform/v1/ens-subscriptions",
        [{"subscriptionId": "{sub}", "bufferWhilePaused": None}],
        400,
        _sfmc("bufferWhilePaused must be true or false", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks/{cb}/replay",
        [],
        400,
        _sfmc("Request body must be an object with from, to and eventCategoryTypes", 10000),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks/{cb}/replay",
        {},
        400,
        _sfmc(
            "from must be an ISO 8601 time in the years 1-9999 (UTC) or epoch milliseconds", 10001
        ),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks/{cb}/replay",
        {"from": "yesterday"},
        400,
        _sfmc(
            "from must be an ISO 8601 time in the years 1-9999 (UTC) or epoch milliseconds", 10001
        ),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks/{cb}/replay",
        {"from": True},
        400,
        _sfmc(
            "from must be an ISO 8601 time in the years 1-9999 (UTC) or epoch milliseconds", 10001
        ),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks/{cb}/replay",
        {"from": -1},
        400,
        _sfmc(
            "from must be an ISO 8601 time in the years 1-9999 (UTC) or epoch milliseconds", 10001
        ),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks/{cb}/replay",
        {"from": 0, "to": "x"},
        400,
        _sfmc("to must be an ISO 8601 time in the years 1-9999 (UTC) or epoch milliseconds", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks/{cb}/replay",
        {"from": 5, "to": 5},
        400,
        _sfmc("to must be after from", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks/{cb}/replay",
        {"from": 0, "eventCategoryTypes": "x"},
        400,
        _sfmc("eventCategoryTypes must be a non-empty array of strings", 10001),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks/nope/replay",
        {"from": 0},
        404,
        _sfmc("MCMS_UWH_Runtime_ObjectNotFound: callbackId nope doesn't exist for this MID", 30003),
    ),
    (
        "GET",
        "/platform/v1/ens-callbacks/{cb}/attempts?$pageSize=0",
        None,
        400,
        _sfmc("$pageSize must be an integer from 1 to 500", 10005),
    ),
    (
        "GET",
        "/platform/v1/ens-callbacks/{cb}/attempts?beforeId=x",
        None,
        400,
        _sfmc("beforeId must be an integer from 1 to 9223372036854775807", 10005),
    ),
    (
        "GET",
        "/platform/v1/ens-callbacks/{cb}/attempts?beforeId=0",
        None,
        400,
        _sfmc("beforeId must be an integer from 1 to 9223372036854775807", 10005),
    ),
    (
        "GET",
        "/platform/v1/ens-callbacks/nope/health",
        None,
        404,
        _sfmc("MCMS_UWH_Runtime_ObjectNotFound: callbackId nope doesn't exist for this MID", 30003),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks/nope/probe",
        None,
        404,
        _sfmc("MCMS_UWH_Runtime_ObjectNotFound: callbackId nope doesn't exist for this MID", 30003),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks/nope/enable",
        None,
        404,
        _sfmc("MCMS_UWH_Runtime_ObjectNotFound: callbackId nope doesn't exist for this MID", 30003),
    ),
    (
        "POST",
        "/platform/v1/ens-callbacks/nope/test",
        None,
        404,
        _sfmc("MCMS_UWH_Runtime_ObjectNotFound: callbackId nope doesn't exist for this MID", 30003),
    ),
    (
        "GET",
        "/platform/v1/ens-callbacks/nope",
        None,
        404,
        _sfmc("MCMS_UWH_Runtime_ObjectNotFound: callbackId nope doesn't exist for this MID", 30003),
    ),
    (
        "DELETE",
        "/platform/v1/ens-callbacks/nope",
        None,
        404,
        _sfmc("MCMS_UWH_Runtime_ObjectNotFound: callbackId nope doesn't exist for this MID", 30003),
    ),
    (
        "DELETE",
        "/platform/v1/ens-callbacks/{cb}",
        None,
        409,
        _sfmc("The callback has subscriptions; delete them first", 30004),
    ),
    (
        "GET",
        "/platform/v1/ens-subscriptions/nope",
        None,
        404,
        _sfmc(
            "MCMS_UWH_Runtime_ObjectNotFound: subscriptionId nope doesn't exist for this MID", 30003
        ),
    ),
    (
        "DELETE",
        "/platform/v1/ens-subscriptions/nope",
        None,
        404,
        _sfmc(
            "MCMS_UWH_Runtime_ObjectNotFound: subscriptionId nope doesn't exist for this MID", 30003
        ),
    ),
    (
        "GET",
        "/platform/v1/ens-subscriptions-by-cb/nope",
        None,
        404,
        _sfmc("MCMS_UWH_Runtime_ObjectNotFound: callbackId nope doesn't exist for this MID", 30003),
    ),
]

STATS_CASES: list[tuple[str, str, Any, int, Any]] = [
    (
        "GET",
        "/api/v1/stats/summary?from=x",
        None,
        400,
        {
            "errors": {
                "from": [
                    "from must be an ISO 8601 time such as 2026-11-22T10:00:00Z, in the years 1-9999 (UTC)"  # noqa: E501
                ]
            }
        },
    ),
    (
        "GET",
        "/api/v1/stats/summary?to=2026-13-01",
        None,
        400,
        {
            "errors": {
                "to": [
                    "to must be an ISO 8601 time such as 2026-11-22T10:00:00Z, in the years 1-9999 (UTC)"  # noqa: E501
                ]
            }
        },
    ),
    (
        "GET",
        "/api/v1/stats/summary?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
        None,
        400,
        {"errors": {"from": ["from must be before to"]}},
    ),
    (
        "GET",
        "/api/v1/stats/summary?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        None,
        400,
        {"errors": {"from": ["the range may span at most 400 days"]}},
    ),
    (
        "GET",
        "/api/v1/stats/timeseries?granularity=week",
        None,
        400,
        {"errors": {"granularity": ["granularity must be minute, hour or day"]}},
    ),
    (
        "GET",
        "/api/v1/stats/timeseries?channel=fax",
        None,
        400,
        {"errors": {"channel": ["channel must be email or sms"]}},
    ),
    (
        "GET",
        "/api/v1/stats/timeseries?type=Nope",
        None,
        400,
        {
            "errors": {
                "type": [
                    "Unknown eventCategoryTypes: Nope; known: TransactionalSendEvents.EmailSent, TransactionalSendEvents.EmailNotSent, TransactionalSendEvents.EmailBounced, TransactionalSendEvents.SmsSent, TransactionalSendEvents.SmsNotSent, TransactionalSendEvents.SmsTransient, TransactionalSendEvents.SmsDelivered, TransactionalSendEvents.SmsBounced"  # noqa: E501
                ]
            }
        },
    ),
    (
        "GET",
        "/api/v1/stats/timeseries?granularity=week&from=x",
        None,
        400,
        {
            "errors": {
                "from": [
                    "from must be an ISO 8601 time such as 2026-11-22T10:00:00Z, in the years 1-9999 (UTC)"  # noqa: E501
                ]
            }
        },
    ),
    (
        "GET",
        "/api/v1/stats/callbacks?from=nope",
        None,
        400,
        {
            "errors": {
                "from": [
                    "from must be an ISO 8601 time such as 2026-11-22T10:00:00Z, in the years 1-9999 (UTC)"  # noqa: E501
                ]
            }
        },
    ),
    (
        "GET",
        "/api/v1/stats/recent?limit=0",
        None,
        400,
        {"errors": {"limit": ["limit must be an integer from 1 to 200"]}},
    ),
    (
        "GET",
        "/api/v1/stats/recent?limit=x",
        None,
        400,
        {"errors": {"limit": ["limit must be an integer from 1 to 200"]}},
    ),
    (
        "GET",
        "/api/v1/stats/recent?limit=201",
        None,
        400,
        {"errors": {"limit": ["limit must be an integer from 1 to 200"]}},
    ),
    # the default range (24 h before "to") starts before year 1: reported under "from"
    (
        "GET",
        "/api/v1/stats/summary?to=0001-01-01T01:00:00Z",
        None,
        400,
        {"errors": {"from": ["from must be after 0001-01-01T00:00:00Z"]}},
    ),
]

INBOUND_CASES: list[tuple[str, str, Any, int, Any]] = [
    ("POST", _B, [], 400, _sfmc("Request body must be a JSON object", 10000)),
    (
        "POST",
        _B,
        {},
        400,
        _sfmc(
            "Name the message: messageId, accountId and messageKey, or accountId and recipient",
            10000,
        ),
    ),
    (
        "POST",
        _B,
        {"smtpReason": "550", "messageId": "m"},
        400,
        _sfmc("smtpReason must be an enhanced status code such as 5.1.1", 10000),
    ),
    (
        "POST",
        _B,
        {"smtpReason": 5, "messageId": "m"},
        400,
        _sfmc("smtpReason must be an enhanced status code such as 5.1.1", 10000),
    ),
    (
        "POST",
        _B,
        {"bounceCode": "MEDIUM", "messageId": "m"},
        400,
        _sfmc("bounceCode must be HARD or SOFT", 10000),
    ),
    (
        "POST",
        _B,
        {"recipient": "a@b.io"},
        400,
        _sfmc("recipient needs accountId: an address alone could be any account's customer", 10000),
    ),
    (
        "POST",
        _B,
        {"messageKey": "k"},
        400,
        _sfmc("messageKey needs accountId (keys are unique per account)", 10000),
    ),
    ("POST", _B, {"messageId": 5}, 400, _sfmc("messageId must be a string", 10000)),
    (
        "POST",
        _B,
        {"messageId": "m", "accountId": "x"},
        400,
        _sfmc("accountId must be an integer", 10000),
    ),
    (
        "POST",
        _B,
        {"messageId": "m", "accountId": True},
        400,
        _sfmc("accountId must be an integer", 10000),
    ),
    (
        "POST",
        _B,
        {"messageId": "m", "accountId": 9223372036854775808},
        400,
        _sfmc("accountId must be an integer", 10000),
    ),
    ("POST", _B, {"recipient": 5, "accountId": 1}, 400, _sfmc("recipient must be a string", 10000)),
    ("POST", _B, {"messageId": "nope"}, 404, _sfmc("No email message matches this bounce", 30003)),
    (
        "POST",
        _B,
        {"smtpReason": "x", "bounceCode": "y"},
        400,
        _sfmc("smtpReason must be an enhanced status code such as 5.1.1", 10000),
    ),
    ("POST", _R, [1], 400, _sfmc("Request body must be a JSON object", 10000)),
    (
        "POST",
        _R,
        {},
        400,
        _sfmc("status must be delivered, expired, failed, undelivered or an interim status", 10000),
    ),
    (
        "POST",
        _R,
        {"status": "lost", "messageId": "m"},
        400,
        _sfmc("status must be delivered, expired, failed, undelivered or an interim status", 10000),
    ),
    (
        "POST",
        _R,
        {"status": "delivered"},
        400,
        _sfmc("Name the message: messageId, providerId, or accountId and messageKey", 10000),
    ),
    (
        "POST",
        _R,
        {"status": "delivered", "messageKey": "k"},
        400,
        _sfmc("messageKey needs accountId (keys are unique per account)", 10000),
    ),
    (
        "POST",
        _R,
        {"status": "delivered", "messageId": 1},
        400,
        _sfmc("messageId must be a string", 10000),
    ),
    (
        "POST",
        _R,
        {"status": "delivered", "messageId": "m", "accountId": "-1"},
        400,
        _sfmc("accountId must be an integer", 10000),
    ),
    (
        "POST",
        _R,
        {"status": "delivered", "messageId": "nope"},
        404,
        _sfmc("No SMS message matches this receipt", 30003),
    ),
    (
        "POST",
        _R,
        {"status": "delivered", "providerId": 5},
        400,
        _sfmc("providerId must be a string", 10000),
    ),
]
FORM_RECEIPT_CASES: list[tuple[dict[str, str], int, Any]] = [
    ({"MessageStatus": "odd", "MessageSid": "SM1"}, 400, _sfmc(
        "status must be delivered, expired, failed, undelivered or an interim status", 10000)),
    ({"MessageStatus": "delivered", "MessageSid": "SM1"}, 404,
     _sfmc("No SMS message matches this receipt", 30003)),
    ({"MessageStatus": "delivered"}, 400,
     _sfmc("Name the message: messageId, providerId, or accountId and messageKey", 10000)),
]  # fmt: skip


async def _hooked(service: Service, tenant: Tenant, target: Receiver) -> dict[str, str]:
    """A verified callback with one subscription ("existing"): the names paths refer to."""
    cb, _ = await register(service, tenant, target)
    sub = await subscribe(service, tenant, cb, name="existing")
    return {"cb": cb, "sub": sub, "url": target.url + "/other", "cb_url": target.url + "/hook",
            "target": target.url}  # fmt: skip


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, text in names.items():
            value = value.replace("{" + name + "}", text)
        return value
    if isinstance(value, list):
        return [_fill(item, names) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, names) for key, item in value.items()}
    return value


async def _differences(
    service: Service, headers: dict[str, str], cases: list[tuple[str, str, Any, int, Any]],
    names: dict[str, str],
) -> list[Any]:  # fmt: skip
    """The cases whose answer is not, byte for byte, the captured one (one service for all:
    each case is refused, so none changes what the next one sees)."""
    wrong = []
    for method, path, body, status, expected in cases:
        sent = {} if body is None and method in ("GET", "DELETE") else {"json": _fill(body, names)}
        response = await service.http.request(method, _fill(path, names), headers=headers, **sent)
        answer = (response.status_code, response.content.decode())
        if answer != (status, _compact(_fill(expected, names))):
            wrong.append((method, path, body, answer))
    return wrong


async def test_ens_error_bodies(service: Service, tenants: Tenants, target: Receiver) -> None:
    names = await _hooked(service, tenants[0], target)
    assert await _differences(service, tenants[0].headers, ENS_CASES, names) == []


async def test_stats_error_bodies(service: Service, tenants: Tenants) -> None:
    assert await _differences(service, tenants[0].api_headers, STATS_CASES, {}) == []


async def test_inbound_error_bodies(service: Service) -> None:
    assert await _differences(service, _INBOUND, INBOUND_CASES, {}) == []
    for form, status, expected in FORM_RECEIPT_CASES:
        response = await service.http.post(_R, data=form, headers=_INBOUND)
        assert (response.status_code, response.content.decode()) == (status, _compact(expected))
