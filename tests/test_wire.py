"""The wire models and the one conversion of their errors, per API family (pure)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import Field

from app import wire
from app.errors import Invalid, InvalidFields, OAuthError
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
        address="a@b.io", reason="r", source="operator", event_id=None, created_date="x"
    )
    assert out.model_dump() == {
        "address": "a@b.io", "reason": "r", "source": "operator", "eventId": None,
        "createdDate": "x",
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
