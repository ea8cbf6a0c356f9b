"""The wire models and the one conversion of their errors, per API family (pure)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import Field

from app import wire
from app.errors import Invalid, InvalidFields, OAuthError
from app.wire.callbacks import CallbackIn, CallbackPatch
from app.wire.operations import ReplayIn
from app.wire.subscriptions import SubscriptionPatch
from app.wire.suppressions import SuppressionIn, SuppressionOut
from app.wire.token import TokenIn
from app.wire.transactionals import TransactionalIn


class _Definition(wire.SfmcModel):
    error_codes = {"definition_key": 109101, "name": 109102}

    definition_key: str = Field(min_length=1, max_length=64)
    name: str


@pytest.mark.parametrize(
    ("raw", "message", "code"),
    [
        ({}, "definitionKey can't be blank", 109101),
        ({"definitionKey": "k" * 65}, "definitionKey is too long (maximum is 64 characters)",
         109101),
        ({"definitionKey": "k"}, "name can't be blank", 109102),
        ({"definitionKey": "k", "name": 5}, "name input should be a valid string", 109102),
        ([], "Request body must be a JSON object", 10000),
    ],
)  # fmt: skip
def test_sfmc_errors_name_the_first_field_with_its_errorcode(
    raw: Any, message: str, code: int
) -> None:
    with pytest.raises(Invalid) as caught:
        wire.parse(_Definition, raw, family=wire.SFMC)
    assert (caught.value.message, caught.value.code) == (message, code)


def test_sfmc_models_speak_camel_case_and_accept_python_names() -> None:
    parsed = wire.parse(_Definition, {"definitionKey": "k", "name": "n"}, family=wire.SFMC)
    assert parsed == _Definition(definition_key="k", name="n")
    out = SuppressionOut(
        address="a@b.io",
        reason="r",
        source="operator",
        event_id=None,
        message_id=None,
        created_date="x",
    )
    assert out.model_dump() == {
        "address": "a@b.io", "reason": "r", "source": "operator", "eventId": None,
        "messageId": None, "createdDate": "x",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"to": "a@b.io", "subject": "s", "body": "b", "extra": 1, "to_name": "x"}, None),
        ({"to": "a@b.io", "subject": "s", "body": "b", "recipient_name": "n" * 256,
          "preheader": ["x"]},
         {"preheader": ["is invalid"],
          "recipient_name": ["is too long (maximum is 255 characters)"]}),
        ({"to": "a@b.io", "subject": "s", "body": "b", "queue_at": "2030-01-01T00:00:00"},
         {"queue_at": ["is more than 365 days ahead"]}),
    ],
)  # fmt: skip
def test_broadcast_errors_name_every_field(raw: Any, expected: Any) -> None:
    if expected is None:
        assert wire.parse(TransactionalIn, raw, family=wire.BROADCAST, context={"now": 0})
        return
    with pytest.raises(InvalidFields) as caught:
        wire.parse(TransactionalIn, raw, family=wire.BROADCAST, context={"now": 0})
    assert caught.value.fields == expected


def test_a_suppression_names_every_failing_field() -> None:
    with pytest.raises(InvalidFields) as caught:
        wire.parse(SuppressionIn, {"address": "nope", "reason": 5}, family=wire.BROADCAST)
    assert list(caught.value.fields) == ["reason", "address"]
    parsed = wire.parse(SuppressionIn, {"address": "+1 (555) 555-0199"}, family=wire.BROADCAST)
    assert (parsed.address, parsed.reason) == ("15555550199", "added by operator")


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ({"grant_type": "client_credentials", "client_id": "c", "client_secret": ""},
         "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "c", "client_secret": "s",
          "account_id": "²"}, "invalid_request"),
        ({"grant_type": "client_credentials", "client_id": "", "client_secret": "s"},
         "invalid_request"),
        ({"grant_type": 1}, "unsupported_grant_type"),
    ],
)  # fmt: skip
def test_token_requests_fail_as_rfc6749_says(raw: Any, error: str) -> None:
    with pytest.raises(OAuthError) as caught:
        wire.parse(TokenIn, raw, family=wire.OAUTH)
    assert caught.value.error == error


def test_a_form_token_request_takes_the_account_as_digits() -> None:
    form = {"grant_type": "client_credentials", "client_id": "c", "client_secret": "s",
            "account_id": "007", "scope": ""}  # fmt: skip
    parsed = wire.parse(TokenIn, form, family=wire.OAUTH)
    assert (parsed.account_id, parsed.scope) == (7, "")


_CB = {"callbackName": " orders ", "url": " https://hooks.example.com/x "}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "url is required"),
        ([], "Request body must be an array of callback objects"),
        ([_CB, 5], "Request body must be an array of callback objects"),
        ([_CB] * 11, "At most 10 callbacks per request"),
        ([_CB, {**_CB, "maxBatchSize": True}], "maxBatchSize must be an integer from 1 to 1000"),
        ([{**_CB, "keyEncoding": "hex"}],
         "keyEncoding must be base64 (HMAC with the decoded key) or utf8"),
    ],
)  # fmt: skip
def test_ens_arrays_name_the_first_failing_item(raw: Any, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        wire.parse_many(CallbackIn, raw, family=wire.SFMC)
    assert (caught.value.message, caught.value.code) == (message, 10001)


def test_an_ens_item_is_trimmed_and_a_bare_object_is_one_item() -> None:
    [one] = wire.parse_many(CallbackIn, _CB, family=wire.SFMC)
    assert (one.callback_name, one.url, one.max_batch_size) == (
        "orders", "https://hooks.example.com/x", 1000)  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "changes"),
    [
        ({"callbackId": "c"}, {}),
        ({"callbackId": "c", "callbackName": " n ", "sfmcStrict": True},
         {"callback_name": "n", "sfmc_strict": True}),
        ({"callbackId": "c", "callbackName": None}, None),  # null is refused, not "unchanged"
        ({"callbackId": "c", "strictOrder": None}, None),
    ],
)  # fmt: skip
def test_a_callback_patch_changes_only_what_it_names(raw: Any, changes: Any) -> None:
    if changes is None:
        with pytest.raises(Invalid):
            wire.parse(CallbackPatch, raw, family=wire.SFMC)
        return
    assert wire.parse(CallbackPatch, raw, family=wire.SFMC).changes() == changes


@pytest.mark.parametrize(
    ("raw", "changes"),
    [
        ({"subscriptionId": "s", "filters": None}, {"filters": []}),  # null clears them
        ({"subscriptionId": "s", "status": "PAUSED"}, {"status": "paused"}),
        ({"subscriptionId": "s", "eventCategoryTypes": ["emailsent", "EmailSent"]},
         {"event_category_types": ["TransactionalSendEvents.EmailSent"]}),
    ],
)  # fmt: skip
def test_a_subscription_patch_normalises_what_it_names(raw: Any, changes: Any) -> None:
    assert wire.parse(SubscriptionPatch, raw, family=wire.SFMC).changes() == changes


def test_a_replay_defaults_to_now_and_needs_to_after_from() -> None:
    now = {"now": 5_000}
    body = wire.parse(ReplayIn, {"from": "1970-01-01T00:00:01Z"}, family=wire.SFMC, context=now)
    assert (body.since, body.until, body.event_category_types) == (1000, 5000, None)
    with pytest.raises(Invalid, match="to must be after from"):
        wire.parse(ReplayIn, {"from": 6000}, family=wire.SFMC, context=now)
