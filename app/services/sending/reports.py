"""Bounce reports and SMS receipts as Tidings receives them, and their JSON forms (pure)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from app.errors import Invalid
from app.wire import vocabulary

STATUS = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}$")  # an RFC 3463 enhanced status code


@dataclasses.dataclass(frozen=True)
class Bounce:
    """One failed recipient, as reported; the message is named by any of the ids."""

    hard: bool
    smtp_reason: str  # RFC 3463 enhanced status, e.g. "5.1.1"
    bounce_message: str
    recipient: str | None = None
    message_id: str | None = None  # ours
    provider_id: str | None = None  # the Message-ID header we sent
    account_id: int | None = None
    message_key: str | None = None


@dataclasses.dataclass(frozen=True)
class Receipt:
    kind: vocabulary.Outcome  # Transient, Delivered or Bounced
    status_code: str
    status_message: str
    message_id: str | None = None
    provider_id: str | None = None
    account_id: int | None = None
    message_key: str | None = None
    sender: str = ""
    country_code: str = ""


def bounce_from_json(body: Any) -> Bounce:
    if not isinstance(body, dict):
        raise Invalid("Request body must be a JSON object")
    reason = body.get("smtpReason", "")
    code = str(body.get("bounceCode", "")).upper()
    if reason and not (isinstance(reason, str) and STATUS.fullmatch(reason)):
        raise Invalid(
            "smtpReason must be an enhanced status code such as 5.1.1", field="smtpReason"
        )
    if code not in ("", *vocabulary.BounceClass):
        raise Invalid("bounceCode must be HARD or SOFT", field="bounceCode")
    hard = code == vocabulary.BounceClass.HARD if code else not reason.startswith("4")
    reason = reason or ("5.0.0" if hard else "4.0.0")
    text = body.get("bounceMessage") or reason
    bounce = Bounce(
        hard=hard,
        smtp_reason=reason,
        bounce_message=str(text)[:500],
        recipient=_optional_str(body, "recipient"),
        message_id=_optional_str(body, "messageId"),
        account_id=_optional_int(body, "accountId"),
        message_key=_optional_str(body, "messageKey"),
    )
    if not (bounce.message_id or bounce.recipient or bounce.message_key):
        raise Invalid(
            "Name the message: messageId, accountId and messageKey, or accountId and recipient"
        )
    if bounce.message_key and bounce.account_id is None:
        raise Invalid("messageKey needs accountId (keys are unique per account)", field="accountId")
    if bounce.recipient and not bounce.message_id and bounce.account_id is None:
        raise Invalid(
            "recipient needs accountId: an address alone could be any account's customer",
            field="accountId",
        )
    return bounce


def _optional_str(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Invalid(f"{name} must be a string", field=name)
    return value


def _optional_int(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not str(value).isdigit() or int(value) >= 2**63:
        raise Invalid(f"{name} must be an integer", field=name)
    return int(value)


# SMS delivery receipts: gateway status words → (ENS kind, SFMC status code, status message).
_RECEIPTS = {
    "delivered": (vocabulary.Outcome.DELIVERED, "4000", "Delivered"),
    "expired": (vocabulary.Outcome.BOUNCED, "4501", "Expired"),
}
_TRANSIENT = {"accepted", "queued", "sending", "sent", "enroute", "buffered", "transient"}
_FAILED = {"failed", "undelivered", "undeliverable", "rejected", "bounced", "deleted", "unknown"}


def receipt_from(body: Any) -> Receipt:
    """A receipt from our JSON form, or a Twilio-style form post (MessageSid, MessageStatus)."""
    if not isinstance(body, dict):
        raise Invalid("Request body must be a JSON object")
    word = str(body.get("status") or body.get("MessageStatus") or "").lower()
    if word in _RECEIPTS:
        kind, code, text = _RECEIPTS[word]
    elif word in _TRANSIENT:
        kind, code, text = vocabulary.Outcome.TRANSIENT, "3000", "Enroute"
    elif word in _FAILED:
        kind, code, text = vocabulary.Outcome.BOUNCED, "4500", "Undeliverable"
    else:
        raise Invalid(
            "status must be delivered, expired, failed, undelivered or an interim status",
            field="status",
        )
    code = str(body.get("statusCode") or body.get("ErrorCode") or code)
    text = str(body.get("statusMessage") or text)[:500]
    receipt = Receipt(
        kind=kind,
        status_code=code,
        status_message=text,
        message_id=_optional_str(body, "messageId"),
        provider_id=_optional_str(body, "providerId") or _optional_str(body, "MessageSid"),
        account_id=_optional_int(body, "accountId"),
        message_key=_optional_str(body, "messageKey"),
        sender=str(body.get("from") or body.get("From") or ""),
        country_code=str(body.get("countryCode") or ""),
    )
    if not (receipt.message_id or receipt.provider_id or receipt.message_key):
        raise Invalid("Name the message: messageId, providerId, or accountId and messageKey")
    if receipt.message_key and receipt.account_id is None:
        raise Invalid("messageKey needs accountId (keys are unique per account)", field="accountId")
    return receipt
