"""Reports from mail and SMS infrastructure: a bounce (JSON form), an SMS delivery receipt
(JSON or a Twilio-style form), and what was recorded."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic.config import JsonDict

from app.wire import vocabulary
from app.wire.base import SfmcModel
from app.wire.errors import refuse

STATUS = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}$")  # an RFC 3463 enhanced status code
BIGINT = 2**63
_ID = "0b9f1c2e-4d5a-4c3b-9e8f-7a6b5c4d3e2f"
_INT: JsonDict = {
    "anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^[0-9]+$"}]
}


def _optional_str(name: str) -> Any:
    def check(raw: Any) -> str | None:
        if raw is None or raw == "":
            return None
        if not isinstance(raw, str):
            raise refuse("type", f"{name} must be a string")
        return raw

    return BeforeValidator(check)


def _account(raw: Any) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not str(raw).isdigit() or int(raw) >= BIGINT:
        raise refuse("type", "accountId must be an integer")
    return int(raw)


def _text(raw: Any) -> str | None:
    """Any value, as text (gateways send numbers as strings and strings as numbers); an
    empty one (``""``, ``0``, ``null``) is the default."""
    return str(raw) if raw else None


def _bounce_code(raw: Any) -> str | None:
    code = str(raw).upper()
    if code not in ("", *vocabulary.BounceClass):
        raise refuse("format", "bounceCode must be HARD or SOFT")
    return code or None


# SMS delivery receipts: gateway status words → (ENS kind, SFMC status code, status message).
_TRANSIENT = ("accepted", "queued", "sending", "sent", "enroute", "buffered", "transient")
_FAILED = ("failed", "undelivered", "undeliverable", "rejected", "bounced", "deleted", "unknown")
RECEIPTS = {
    "delivered": (vocabulary.Outcome.DELIVERED, "4000", "Delivered"),
    "expired": (vocabulary.Outcome.BOUNCED, "4501", "Expired"),
    **dict.fromkeys(_TRANSIENT, (vocabulary.Outcome.TRANSIENT, "3000", "Enroute")),
    **dict.fromkeys(_FAILED, (vocabulary.Outcome.BOUNCED, "4500", "Undeliverable")),
}


OptionalText = Annotated[str | None, BeforeValidator(_text)]
AccountId = Annotated[int | None, BeforeValidator(_account)]


def _names_the_message(account_id: int | None, message_key: str | None) -> None:
    if message_key and account_id is None:
        raise refuse("missing", "messageKey needs accountId (keys are unique per account)")


class BounceIn(SfmcModel):
    """``POST /inbound/bounces`` with ``Content-Type: application/json``: one failed recipient.
    Name the message by ``messageId``, or ``accountId`` with ``messageKey`` or ``recipient``."""

    smtp_reason: Annotated[str | None, BeforeValidator(_text)] = Field(
        None, description="RFC 3463 enhanced status; default 5.0.0 (HARD) or 4.0.0 (SOFT)",
        examples=["5.1.1"], json_schema_extra={"pattern": STATUS.pattern},
    )  # fmt: skip
    bounce_code: Annotated[str | None, BeforeValidator(_bounce_code)] = Field(
        None, description="HARD or SOFT (any case); default: from smtpReason's class",
        examples=["HARD"],
    )  # fmt: skip
    bounce_message: OptionalText = Field(
        None, description="Kept to 500 characters", examples=["550 5.1.1 User unknown"]
    )
    recipient: Annotated[str | None, _optional_str("recipient")] = Field(
        None, examples=["ana@example.com"]
    )
    message_id: Annotated[str | None, _optional_str("messageId")] = Field(None, examples=[_ID])
    account_id: AccountId = Field(None, examples=[100000001], json_schema_extra=_INT)
    message_key: Annotated[str | None, _optional_str("messageKey")] = Field(
        None, examples=["order-1001"]
    )

    @field_validator("smtp_reason")
    @classmethod
    def _reason(cls, value: str | None) -> str | None:
        if value is not None and not STATUS.fullmatch(value):
            raise refuse("format", "smtpReason must be an enhanced status code such as 5.1.1")
        return value

    @model_validator(mode="after")
    def _named(self) -> BounceIn:
        if not (self.message_id or self.recipient or self.message_key):
            raise refuse(
                "missing",
                "Name the message: messageId, accountId and messageKey, or accountId and recipient",
            )
        _names_the_message(self.account_id, self.message_key)
        if self.recipient and not self.message_id and self.account_id is None:
            raise refuse(
                "missing",
                "recipient needs accountId: an address alone could be any account's customer",
            )
        return self


_STATUS_WORDS = (
    "delivered, expired, failed, undelivered or an interim status (accepted, queued, "
    "sending, sent, …)"
)


class ReceiptIn(SfmcModel):
    """``POST /inbound/sms/receipts``: a delivery receipt, as JSON or as a Twilio-style form
    (``MessageStatus``, ``MessageSid``, ``ErrorCode``, ``From``). Name the message by
    ``messageId``, ``providerId`` (``MessageSid``), or ``accountId`` with ``messageKey``."""

    message_status: OptionalText = Field(
        None, alias="MessageStatus", description="Twilio's status", examples=["delivered"]
    )
    status: str = Field(
        None, validate_default=True, description=_STATUS_WORDS, examples=["delivered"],
        json_schema_extra={"enum": list(RECEIPTS)},
    )  # fmt: skip
    message_id: Annotated[str | None, _optional_str("messageId")] = Field(None, examples=[_ID])
    provider_id: Annotated[str | None, _optional_str("providerId")] = Field(
        None, description="The gateway's message id", examples=["SM1f0e2d"]
    )
    message_sid: Annotated[str | None, _optional_str("MessageSid")] = Field(
        None, alias="MessageSid", description="Twilio's providerId", examples=["SM1f0e2d"]
    )
    account_id: AccountId = Field(None, examples=[100000001], json_schema_extra=_INT)
    message_key: Annotated[str | None, _optional_str("messageKey")] = Field(
        None, examples=["otp-1"]
    )
    status_code: OptionalText = Field(
        None, description="Default: 4000 delivered, 4501 expired, 4500 failed, 3000 interim",
        examples=["4000"],
    )  # fmt: skip
    error_code: OptionalText = Field(
        None, alias="ErrorCode", description="Twilio's statusCode", examples=["30003"]
    )
    status_message: OptionalText = Field(None, examples=["Delivered"])
    sender: OptionalText = Field(None, alias="from", examples=["4915112345678"])
    sender_form: OptionalText = Field(None, alias="From", examples=["+4915112345678"])
    country_code: OptionalText = Field(None, examples=["DE"])

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, raw: Any, info: ValidationInfo) -> str:
        word = str(raw or info.data.get("message_status") or "").lower()
        if word not in RECEIPTS:
            raise refuse(
                "format",
                "status must be delivered, expired, failed, undelivered or an interim status",
            )
        return word

    @model_validator(mode="after")
    def _named(self) -> ReceiptIn:
        if not (self.message_id or self.provider_id or self.message_sid or self.message_key):
            raise refuse(
                "missing", "Name the message: messageId, providerId, or accountId and messageKey"
            )
        _names_the_message(self.account_id, self.message_key)
        return self


class Recorded(SfmcModel):
    """One report recorded as an event (``duplicate``: it came before; nothing new)."""

    message_id: str = Field(examples=[_ID])
    account_id: int = Field(examples=[100000001])
    message_key: str = Field(examples=["order-1001"])
    event_id: str = Field(examples=["b1946ac9-2f1d-4e5e-9d3c-2d2a5b0f8c11"])
    event_category_type: str = Field(examples=["TransactionalSendEvents.EmailBounced"])
    duplicate: bool = Field(examples=[False])


class Unmatched(SfmcModel):
    """A DSN recipient no message of Tidings matches."""

    recipient: str | None = Field(examples=["ana@example.com"])
    smtp_reason: str = Field(examples=["5.1.1"])


class BouncesRecorded(SfmcModel):
    """What a report came to; an unmatched DSN is still a 200 (the mail system must not retry)."""

    recorded: list[Recorded]
    unmatched: list[Unmatched] = Field(examples=[[]])
    ignored: int = Field(description="DSN parts that were not failures", examples=[0])


class ReceiptRecorded(SfmcModel):
    """The receipt, recorded."""

    recorded: list[Recorded]
