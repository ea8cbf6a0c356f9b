"""SFMC send requests: one definition and up to 2,000 recipients, checked as a whole.

One error fails the request (``EmailSendIn``/``SmsSendIn`` and their one-recipient forms).
Each recipient is checked on its own (``recipients``), so that a bad one fails only its
entry in the answer, as SFMC does."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    StrictStr,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from app.wire import recipients
from app.wire.base import SfmcModel
from app.wire.errors import refuse

MAX_RECIPIENTS = 2000
_V = recipients.V
_FLAT = "attributes must be a flat object of names to values"


def _one_of(model: type[recipients.Recipient]) -> dict[str, Any]:
    return model.model_json_schema(by_alias=True)


def _unknown_fields(value: Any) -> Any:
    if isinstance(value, dict):
        unknown = sorted(set(value) - _SEND_FIELDS)
        if unknown:
            raise refuse("unknown", f"{_V}UnknownFieldName: unknown field(s) "
                         f"{', '.join(unknown)}", code=109122)  # fmt: skip
    return value


_SEND_FIELDS = {
    "definitionKey",
    "recipient",
    "recipients",
    "attributes",
    "subscriptions",
    "content",
}
_BOTH = "Use recipient or recipients, not both"
_NO_RECIPIENT = f"{_V}NoSubscribers: recipient is required"


def _batch(value: Any, info: ValidationInfo) -> Any:
    single = info.data.get("recipient")
    if single is not None and value is not None:
        raise refuse("format", _BOTH, code=10005)
    if value is None and single is not None:
        return [single]
    if not isinstance(value, list) or not value:
        raise refuse("missing", f"{_V}NoSubscribers: recipients must be a non-empty array",
                     code=109102)  # fmt: skip
    if len(value) > MAX_RECIPIENTS:
        raise refuse("length", f"{_V}TooManySubscribers: at most {MAX_RECIPIENTS} recipients",
                     code=109101)  # fmt: skip
    return value


def _single(value: Any) -> Any:
    if value is None:
        raise refuse("missing", _NO_RECIPIENT, code=109102)
    return value


class _SendIn(SfmcModel):
    not_an_object = "The request body must be a JSON object"
    not_an_object_code = 10001
    error_messages = {
        "definition_key": f"{_V}MissingRequiredField_definitionKey: definitionKey is required",
        "attributes": _FLAT,
        "content": "content.message must be a string",
        "recipient": _NO_RECIPIENT,
    }
    error_codes = {"definition_key": 109107, "attributes": 10001, "content": 10001,
                   "recipient": 109102}  # fmt: skip

    _known = model_validator(mode="before")(_unknown_fields)

    definition_key: StrictStr = Field(
        min_length=1, description="The send definition (of this channel)",
        examples=["order-confirm"],
    )  # fmt: skip
    attributes: recipients.Attributes = Field(
        default_factory=dict, description="Shared by every recipient (a recipient's own win)",
        examples=[{"Shop": "Example"}],
    )  # fmt: skip
    subscriptions: Annotated[Any, WithJsonSchema({"type": "object"})] = Field(
        None, description="Accepted and ignored", examples=[{}]
    )


_EXAMPLES: dict[Any, dict[str, Any]] = {
    recipients.EmailRecipientIn: {"contactKey": "cust-42", "to": "ana@example.com",
                       "attributes": {"FirstName": "Ana"}},
    recipients.SmsRecipientIn: {"to": "+1 555 555 0123", "attributes": {"Code": "123456"}},
}  # fmt: skip


def _recipients_schema(model: type[recipients.Recipient]) -> Any:
    items = _one_of(model)
    return WithJsonSchema({"type": "array", "items": items, "minItems": 1,
                           "maxItems": MAX_RECIPIENTS})  # fmt: skip


class SmsOverride(SfmcModel):
    message: StrictStr = Field("", description="Replaces the definition's text (empty: kept)",
                               examples=["Your code is %%Code%%"])  # fmt: skip


_EmailOne = Annotated[Any, WithJsonSchema(_one_of(recipients.EmailRecipientIn))]
_SmsOne = Annotated[Any, WithJsonSchema(_one_of(recipients.SmsRecipientIn))]
_EmailMany = Annotated[list[Any] | None, _recipients_schema(recipients.EmailRecipientIn)]
_SmsMany = Annotated[list[Any] | None, _recipients_schema(recipients.SmsRecipientIn)]
_IGNORED = Annotated[Any, WithJsonSchema({"type": "object"})]
_RECIPIENTS = "Up to 2,000 recipients, each answered on its own"


class EmailSendIn(_SendIn):
    """``POST /messaging/v1/email/messages``: a batch (``recipient`` alone is one)."""

    recipient: _EmailOne = Field(None, examples=[_EXAMPLES[recipients.EmailRecipientIn]])
    recipients: _EmailMany = Field(
        None, validate_default=True, description=_RECIPIENTS,
        examples=[[_EXAMPLES[recipients.EmailRecipientIn]]],
    )  # fmt: skip
    content: _IGNORED = Field(None, description="Accepted and ignored for email", examples=[{}])
    _checked = field_validator("recipients", mode="before")(_batch)


class SmsSendIn(_SendIn):
    """``POST /messaging/v1/sms/messages``: a batch (``recipient`` alone is one)."""

    recipient: _SmsOne = Field(None, examples=[_EXAMPLES[recipients.SmsRecipientIn]])
    recipients: _SmsMany = Field(
        None, validate_default=True, description=_RECIPIENTS,
        examples=[[_EXAMPLES[recipients.SmsRecipientIn]]],
    )  # fmt: skip
    content: SmsOverride | None = Field(None, examples=[{"message": "Code: %%Code%%"}])
    _checked = field_validator("recipients", mode="before")(_batch)


def _not_both(value: Any, info: ValidationInfo) -> Any:
    if info.data.get("recipient") is not None and value is not None:
        raise refuse("format", _BOTH, code=10005)
    return value


class EmailSendOneIn(_SendIn):
    """``POST /messaging/v1/email/messages/{messageKey}``: one recipient, keyed by the path."""

    recipient: Annotated[_EmailOne, BeforeValidator(_single)] = Field(
        examples=[_EXAMPLES[recipients.EmailRecipientIn]]
    )
    recipients: _EmailMany = Field(None, description="Not allowed here", examples=[None])
    content: _IGNORED = Field(None, description="Accepted and ignored for email", examples=[{}])
    _checked = field_validator("recipients", mode="before")(_not_both)


class SmsSendOneIn(_SendIn):
    """``POST /messaging/v1/sms/messages/{messageKey}``: one recipient, keyed by the path."""

    recipient: Annotated[_SmsOne, BeforeValidator(_single)] = Field(
        examples=[_EXAMPLES[recipients.SmsRecipientIn]]
    )
    recipients: _SmsMany = Field(None, description="Not allowed here", examples=[None])
    content: SmsOverride | None = Field(None, examples=[{"message": "Code: %%Code%%"}])
    _checked = field_validator("recipients", mode="before")(_not_both)


SendIn = EmailSendIn | SmsSendIn | EmailSendOneIn | SmsSendOneIn
BATCH = {"email": EmailSendIn, "sms": SmsSendIn}
ONE = {"email": EmailSendOneIn, "sms": SmsSendOneIn}
