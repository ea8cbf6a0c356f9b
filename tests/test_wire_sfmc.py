"""The SFMC Transactional Messaging wire models, pure: per-field errorcodes and messages, the
stored shape of a definition, and each recipient's own answer in a batch."""

from __future__ import annotations

from typing import Any

import pytest

from app import wire
from app.errors import Invalid
from app.wire import recipients, sends
from app.wire.assets import AssetIn, AssetPatch
from app.wire.definitions import DefinitionPatch, EmailDefinitionIn, SmsDefinitionIn

_M, _V = "MCMS_UTM_Validation_MissingRequiredField", "MCMS_UTM_Validation_InvalidValue"
_SMS = {"definitionKey": "otp", "name": "OTP", "content": {"message": "Code %%Code%%"},
        "subscriptions": {"shortCode": "4915112345678", "keyword": "CODE"}}  # fmt: skip


@pytest.mark.parametrize(
    ("model", "raw", "message", "code"),
    [
        (AssetIn, [], "The request body must be a JSON object", 10001),
        (AssetIn, {"customerKey": "k"}, "name is required", 10002),
        (AssetIn, {"name": "n"}, "customerKey is required", 10002),
        (AssetPatch, {"views": {"html": "x"}}, "views.html must be an object with content", 10001),
        (EmailDefinitionIn, {"name": "n", "definitionKey": "k"},
         f"{_M}: content.customerKey is required", 10002),
        (SmsDefinitionIn, _SMS | {"subscriptions": {"shortCode": 1}},
         "MCMS_UTM_Validation_MissingRequiredField_keyword: keyword is required", 109120),
        (SmsDefinitionIn, _SMS | {"subscriptions": {"shortCode": 1, "keyword": 2}},
         "MCMS_UTM_Validation_InvalidValue_keyword: keyword must be a string", 109115),
        (SmsDefinitionIn, {k: v for k, v in _SMS.items() if k != "subscriptions"},
         f"{_M}: subscriptions.shortCode is required", 10002),
        (EmailDefinitionIn, {"name": "n", "definitionKey": "k", "content": {"customerKey": "c"},
                             "classification": 5},
         f"{_V}: classification must be a string", 10005),
        (sends.EmailSendIn, {"definitionKey": "k", "recipient": {}, "recipients": [{}]},
         "Use recipient or recipients, not both", 10005),
        (sends.EmailSendIn, {"definitionKey": "k", "recipients": [{}] * 2001},
         "MCMS_UTM_Validation_TooManySubscribers: at most 2000 recipients", 109101),
        (sends.SmsSendOneIn, {"definitionKey": "k", "recipient": None},
         "MCMS_UTM_Validation_NoSubscribers: recipient is required", 109102),
        (sends.SmsSendIn, {"definitionKey": "k", "recipient": {}, "content": {"message": 1}},
         "content.message must be a string", 10001),
    ],
)  # fmt: skip
def test_sfmc_models_answer_with_the_fields_errorcode(
    model: Any, raw: Any, message: str, code: int
) -> None:
    with pytest.raises(Invalid) as caught:
        wire.parse(model, raw, family=wire.SFMC)
    assert (caught.value.message, caught.value.code) == (message, code)


def test_a_definition_is_stored_in_the_shape_it_is_shown() -> None:
    parsed = wire.parse(
        EmailDefinitionIn,
        {"name": " Order ", "definitionKey": "k", "status": "inactive",
         "content": {"customerKey": "c"}, "options": {"cc": ["A@Example.com", "%%Boss%%"]},
         "subscriptions": {"dataExtension": 7}},
        family=wire.SFMC,
    )  # fmt: skip
    assert (parsed.name, parsed.status) == ("Order", "Inactive")
    assert parsed.model_dump(include={"subscriptions", "options"}, exclude_none=True) == {
        "subscriptions": {"list": "All Subscribers", "autoAddSubscriber": True,
                          "updateSubscriber": True, "dataExtension": "7"},
        "options": {"trackLinks": True, "cc": ["A@example.com", "%%Boss%%"], "bcc": []},
    }  # fmt: skip
    patch = wire.parse(DefinitionPatch, {"name": 5, "extra": 1}, family=wire.SFMC)
    assert patch.model_dump(exclude_unset=True) == {"name": 5}  # checked after the merge


_EMAIL, _SMS = recipients.EmailRecipientIn, recipients.SmsRecipientIn


@pytest.mark.parametrize(
    ("model", "raw", "code"),
    [
        (_EMAIL, {"to": "a@b.io", "contactKey": "c"}, 0),
        (_EMAIL, 5, 10001),
        (_EMAIL, {"to": "a@b.io", "contactKey": "c", "zz": 1, "aa": 2}, 109122),
        (_EMAIL, {"to": "a@b.io", "contactKey": "c", "messageKey": ""}, 109108),
        (_EMAIL, {"to": "a@b.io", "contactKey": 5}, 109109),
        (_EMAIL, {"to": "a@b.io", "contactKey": None}, 109105),
        (_EMAIL, {"to": "a@b.io"}, 109105),
        (_EMAIL, {"contactKey": "c", "to": ""}, 109106),
        (_EMAIL, {"contactKey": "c", "to": "nope"}, 109124),
        (_EMAIL, {"contactKey": "c", "to": "a@b.io", "attributes": {"a": []}},
         10001),
        (_SMS, {"to": "+1 555 555 0123", "contactKey": ""}, 0),
        (_SMS, {"to": True}, 109121),
        (_SMS, {}, 109106),
    ],
)  # fmt: skip
def test_each_recipient_gets_its_own_errorcode(model: Any, raw: Any, code: int) -> None:
    found, got, message = recipients.recipient_problem(model, raw)
    assert got == code, message
    assert (found is None) == (code != 0)
    if code == 109122:
        assert message.endswith("unknown recipient field(s) aa, zz")
