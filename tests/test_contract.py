"""The contract check itself: a body with a field its model does not name fails it, so the
hot send path's plain dicts cannot drift from their declared models."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests import contract

_JSON = {"content-type": "application/json"}
_SEND = ("POST", "/messaging/v1/email/messages/k1")
_ACCEPTED = {"requestId": "r1", "errorcode": 0, "responses": [{"messageKey": "k1"}]}


@pytest.mark.parametrize(
    ("status", "body", "wrong"),
    [
        (202, _ACCEPTED, None),
        (202, _ACCEPTED | {"queued": 1}, "queued"),
        (202, _ACCEPTED | {"responses": [{"messageKey": "k1", "id": "x"}]}, "id"),
        (202, {"requestId": "r1", "responses": []}, "errorcode"),
        # The error envelopes stay open: an error may add fields.
        (404, {"message": "m", "errorcode": 1, "documentation": "", "callbacks": []}, None),
    ],
)
def test_a_field_the_model_does_not_name_fails_the_contract(
    status: int, body: dict[str, Any], wrong: str | None
) -> None:
    problem = contract.CONTRACT.problem(*_SEND, status, _JSON, orjson.dumps(body))
    if wrong is None:
        assert problem == ""
    else:
        assert wrong in problem
