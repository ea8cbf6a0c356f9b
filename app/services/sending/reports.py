"""Bounce reports and SMS receipts as Tidings receives them, from their JSON forms (pure)."""

from __future__ import annotations

import dataclasses

from app.wire import vocabulary
from app.wire.inbound import RECEIPTS, BounceIn, ReceiptIn


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


def bounce(body: BounceIn) -> Bounce:
    """The bounce a JSON report describes: HARD or SOFT from ``bounceCode``, else from the
    status's class; a default status for the kind when none is given."""
    hard = body.bounce_code == vocabulary.BounceClass.HARD if body.bounce_code else not (
        body.smtp_reason or "").startswith("4")  # fmt: skip
    reason = body.smtp_reason or ("5.0.0" if hard else "4.0.0")
    return Bounce(
        hard=hard,
        smtp_reason=reason,
        bounce_message=(body.bounce_message or reason)[:500],
        recipient=body.recipient,
        message_id=body.message_id,
        account_id=body.account_id,
        message_key=body.message_key,
    )


def receipt(body: ReceiptIn) -> Receipt:
    """A receipt from our JSON form, or a Twilio-style form post (MessageSid, MessageStatus)."""
    kind, code, text = RECEIPTS[body.status]
    return Receipt(
        kind=kind,
        status_code=body.status_code or body.error_code or code,
        status_message=(body.status_message or text)[:500],
        message_id=body.message_id,
        provider_id=body.provider_id or body.message_sid,
        account_id=body.account_id,
        message_key=body.message_key,
        sender=body.sender or body.sender_form or "",
        country_code=body.country_code or "",
    )
