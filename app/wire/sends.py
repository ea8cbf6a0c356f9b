"""SFMC sends, message status and the NotSent feed: requests, per-recipient checks, answers.

A send names one definition and up to 2,000 recipients. The request as a whole is checked
by ``EmailSendIn``/``SmsSendIn`` (one error fails it); each recipient by ``EmailRecipientIn``/
``SmsRecipientIn``, whose failure fails only that recipient's entry in the answer
(``recipient_problem``), as SFMC does."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from app.errors import Invalid
from app.wire import validate
from app.wire.base import SfmcModel
from app.wire.errors import refuse

MAX_RECIPIENTS = 2000
MAX_KEY_LENGTH = 100
_V = "MCMS_UTM_Validation_"
_FLAT = "attributes must be a flat object of names to values"


def _or_empty(value: Any) -> Any:
    return value or {}


Attributes = Annotated[
    dict[str, StrictStr | StrictInt | StrictFloat | StrictBool | None], BeforeValidator(_or_empty)
]
_ATTRIBUTES: Any = Field(
    default_factory=dict, description="Names to strings, numbers, booleans or null (flat)",
    examples=[{"FirstName": "Ana", "OrderNo": "A-1"}],
)  # fmt: skip


_NO_TO = f"{_V}MissingRequiredField_to: Invalid subscriber: to is required"


def _email_to(value: Any) -> Any:
    """The address in its normal form (``validate.email_address``)."""
    if not value:
        raise refuse("missing", _NO_TO, code=109106)
    try:
        return validate.email_address(value)
    except Invalid:
        raise refuse("format", f"{_V}email_does_not_pass_validation: to is not a valid email "
                     "address", code=109124) from None  # fmt: skip


def _sms_to(value: Any, info: ValidationInfo) -> Any:
    """E.164 digits; a number without ``+`` may be national to ``context["region"]`` (the
    definition's countryCode)."""
    if not value:
        raise refuse("missing", _NO_TO, code=109106)
    try:
        return validate.phone_number(value, region=(info.context or {}).get("region"))
    except Invalid:
        raise refuse("format", f"{_V}InvalidValue_to: to must be a mobile number with country "
                     "code", code=109121) from None  # fmt: skip


MessageKey = Annotated[StrictStr, Field(min_length=1, max_length=MAX_KEY_LENGTH)]


_MESSAGE_KEY = Field(
    None, description="The message's key (1-100 characters; generated when absent): the same "
    "key and content within TIDINGS_MESSAGE_KEY_WINDOW_S answer as before",
    examples=["order-A-1"],
)  # fmt: skip


class EmailRecipientIn(SfmcModel):
    """One email recipient; a contactKey is required (else 109105)."""

    model_config = ConfigDict(extra="forbid")

    message_key: MessageKey | None = _MESSAGE_KEY
    contact_key: Annotated[StrictStr, Field(min_length=1, max_length=254)] = Field(
        description="The contact (subscriber key)", examples=["cust-42"]
    )
    to: Annotated[str, BeforeValidator(_email_to)] = Field(
        examples=["ana@example.com"], json_schema_extra={"format": "email"}
    )
    attributes: Attributes = _ATTRIBUTES


class SmsRecipientIn(SfmcModel):
    """One SMS recipient: a mobile number with its country code."""

    model_config = ConfigDict(extra="forbid")

    message_key: MessageKey | None = _MESSAGE_KEY
    contact_key: Annotated[StrictStr, Field(max_length=254)] | None = Field(
        None, description="The contact (default: the number)", examples=["cust-42"]
    )
    to: Annotated[str, BeforeValidator(_sms_to)] = Field(
        description="E.164 with or without +, spaces or dashes; without +, also a national "
        "number of the definition's countryCode", examples=["+1 555 555 0123"],
    )  # fmt: skip
    attributes: Attributes = _ATTRIBUTES


Recipient = EmailRecipientIn | SmsRecipientIn
_RECIPIENT_CODES = {  # field: (errorcode, name, detail) for any of pydantic's own errors
    "messageKey": (109108, "InvalidValue_messageKey", "messageKey must be 1-100 characters"),
    "contactKey": (109109, "InvalidValue_subscriberKey", "contactKey must be a string"),
    "attributes": (10001, "InvalidValue_attributes", "attributes must be a flat object"),
    "to": (109106, "MissingRequiredField_to", "Invalid subscriber: to is required"),
}
_CONTACT_REQUIRED = (109105, "MissingRequiredField_subscriberKey", "contactKey is required")


def recipient_problem(
    model: type[Recipient], raw: Any, *, region: str | None = None
) -> tuple[Recipient | None, int, str]:
    """``raw`` as ``model``, or None with the errorcode and message of its first problem
    (``region``: the SMS definition's countryCode, for national numbers)."""
    if not isinstance(raw, dict):
        return None, 10001, f"{_V}InvalidValue_recipient: each recipient is an object"
    context = {"region": region} if region else None
    try:
        # The validator itself: model_validate's wrapper costs a fifth more, 2,000 times a batch.
        found = model.__pydantic_validator__.validate_python(raw, context=context)
        return found, 0, ""
    except ValidationError as exc:
        code, name, detail = _first(exc.errors(include_url=False))
        return None, code, detail if name is None else f"{_V}{name}: {detail}"


def _first(problems: list[Any]) -> tuple[int, str | None, str]:
    unknown = sorted(str(p["loc"][0]) for p in problems if p["type"] == "extra_forbidden")
    if unknown:
        return 109122, "UnknownFieldName", f"unknown recipient field(s) {', '.join(unknown)}"
    detail = problems[0]
    if detail.get("ctx", {}).get("custom"):
        return detail["ctx"]["code"], None, detail["msg"]
    field = str(detail["loc"][0])
    if field == "contactKey" and (
        detail["type"] in ("missing", "string_too_short") or detail.get("input", 0) is None
    ):
        return _CONTACT_REQUIRED
    return _RECIPIENT_CODES[field]


def _one_of(model: type[Recipient]) -> dict[str, Any]:
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
    attributes: Attributes = Field(
        default_factory=dict, description="Shared by every recipient (a recipient's own win)",
        examples=[{"Shop": "Example"}],
    )  # fmt: skip
    subscriptions: Annotated[Any, WithJsonSchema({"type": "object"})] = Field(
        None, description="Accepted and ignored", examples=[{}]
    )


_EXAMPLES: dict[Any, dict[str, Any]] = {
    EmailRecipientIn: {"contactKey": "cust-42", "to": "ana@example.com",
                       "attributes": {"FirstName": "Ana"}},
    SmsRecipientIn: {"to": "+1 555 555 0123", "attributes": {"Code": "123456"}},
}  # fmt: skip


def _recipients_schema(model: type[Recipient]) -> Any:
    items = _one_of(model)
    return WithJsonSchema({"type": "array", "items": items, "minItems": 1,
                           "maxItems": MAX_RECIPIENTS})  # fmt: skip


class SmsOverride(SfmcModel):
    message: StrictStr = Field("", description="Replaces the definition's text (empty: kept)",
                               examples=["Your code is %%Code%%"])  # fmt: skip


_EmailOne = Annotated[Any, WithJsonSchema(_one_of(EmailRecipientIn))]
_SmsOne = Annotated[Any, WithJsonSchema(_one_of(SmsRecipientIn))]
_EmailMany = Annotated[list[Any] | None, _recipients_schema(EmailRecipientIn)]
_SmsMany = Annotated[list[Any] | None, _recipients_schema(SmsRecipientIn)]
_IGNORED = Annotated[Any, WithJsonSchema({"type": "object"})]
_RECIPIENTS = "Up to 2,000 recipients, each answered on its own"


class EmailSendIn(_SendIn):
    """``POST /messaging/v1/email/messages``: a batch (``recipient`` alone is one)."""

    recipient: _EmailOne = Field(None, examples=[_EXAMPLES[EmailRecipientIn]])
    recipients: _EmailMany = Field(
        None, validate_default=True, description=_RECIPIENTS,
        examples=[[_EXAMPLES[EmailRecipientIn]]],
    )  # fmt: skip
    content: _IGNORED = Field(None, description="Accepted and ignored for email", examples=[{}])
    _checked = field_validator("recipients", mode="before")(_batch)


class SmsSendIn(_SendIn):
    """``POST /messaging/v1/sms/messages``: a batch (``recipient`` alone is one)."""

    recipient: _SmsOne = Field(None, examples=[_EXAMPLES[SmsRecipientIn]])
    recipients: _SmsMany = Field(
        None, validate_default=True, description=_RECIPIENTS,
        examples=[[_EXAMPLES[SmsRecipientIn]]],
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
        examples=[_EXAMPLES[EmailRecipientIn]]
    )
    recipients: _EmailMany = Field(None, description="Not allowed here", examples=[None])
    content: _IGNORED = Field(None, description="Accepted and ignored for email", examples=[{}])
    _checked = field_validator("recipients", mode="before")(_not_both)


class SmsSendOneIn(_SendIn):
    """``POST /messaging/v1/sms/messages/{messageKey}``: one recipient, keyed by the path."""

    recipient: Annotated[_SmsOne, BeforeValidator(_single)] = Field(
        examples=[_EXAMPLES[SmsRecipientIn]]
    )
    recipients: _SmsMany = Field(None, description="Not allowed here", examples=[None])
    content: SmsOverride | None = Field(None, examples=[{"message": "Code: %%Code%%"}])
    _checked = field_validator("recipients", mode="before")(_not_both)


SendIn = EmailSendIn | SmsSendIn | EmailSendOneIn | SmsSendOneIn
BATCH = {"email": EmailSendIn, "sms": SmsSendIn}
ONE = {"email": EmailSendOneIn, "sms": SmsSendOneIn}
RECIPIENT: dict[str, type[Recipient]] = {"email": EmailRecipientIn, "sms": SmsRecipientIn}
