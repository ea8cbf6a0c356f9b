"""Asynchronous outcomes that arrive after hand-over: email bounces (DSN or JSON) and SMS receipts.

A DSN (RFC 3464) is matched to its message the way an ESP does it: the ``X-Tidings-Message-Id``
or ``Message-ID`` header quoted in the returned message, else the VERP return path
(``bounces+<message id>@…``) the DSN was addressed to. A recipient address alone never names a
message: anyone can mail the bounce mailbox, and the address may be any account's customer.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
from email.message import Message as MimeMessage
from typing import Any

from app.errors import Conflict, Invalid, NotFound
from app.services import outcomes, suppression
from app.storage import events, messages
from app.storage.db import Db

_VERP = re.compile(r"bounces\+([A-Za-z0-9-]{8,64})@", re.IGNORECASE)
_STATUS = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}$")
_TYPE_PREFIX = re.compile(r"^\s*[A-Za-z0-9-]+\s*;\s*")  # "rfc822; " in Final-Recipient etc.


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


# --- DSN parsing (pure) ---------------------------------------------------------------------


def parse_dsn(raw: bytes) -> tuple[list[Bounce], int]:
    """The failed and delayed recipients of a DSN, and how many delivered/relayed ones it named.

    Raises Invalid when the body is not a ``multipart/report`` delivery status notification.
    """
    if b"\x00" in raw:
        raise Invalid("A delivery status notification cannot contain NUL bytes")
    report = email.message_from_bytes(raw, policy=email.policy.compat32)
    status_part = _part(report, "message/delivery-status")
    if status_part is None:
        raise Invalid("Not a delivery status notification: no message/delivery-status part")
    original = _returned_headers(report)
    message_id = _header(original, "X-Tidings-Message-Id") or _verp_id(report)
    provider_id = _header(original, "Message-ID")
    bounces, ignored = [], 0
    for fields in _recipient_blocks(status_part):
        action = fields.get("action", "").lower()
        status = fields.get("status", "").split()[0] if fields.get("status") else ""
        if action not in ("failed", "delayed") or not _STATUS.match(status):
            ignored += 1
            continue
        diagnostic = fields.get("diagnostic-code", "")
        bounces.append(
            Bounce(
                hard=action == "failed" and status.startswith("5"),
                smtp_reason=status,
                bounce_message=_TYPE_PREFIX.sub("", diagnostic) or f"{action} {status}",
                recipient=_TYPE_PREFIX.sub("", fields.get("final-recipient", "")) or None,
                message_id=message_id,
                provider_id=provider_id,
            )
        )
    return bounces, ignored


def _part(message: MimeMessage, content_type: str) -> MimeMessage | None:
    for part in message.walk():
        if part.get_content_type() == content_type:
            return part
    return None


def _recipient_blocks(status_part: MimeMessage) -> list[dict[str, str]]:
    """Per-recipient field groups (the first group is per-message and has no Final-Recipient)."""
    payload = status_part.get_payload()
    groups: list[MimeMessage] = []
    if isinstance(payload, list):
        groups = [g for g in payload if isinstance(g, MimeMessage)]
    elif isinstance(payload, str):
        groups = [email.message_from_string(block) for block in re.split(r"\r?\n\r?\n", payload)]
    blocks = []
    for group in groups:
        fields = {key.lower(): _text(value) for key, value in group.items()}
        if "final-recipient" in fields or "original-recipient" in fields:
            blocks.append(fields)
    return blocks


def _returned_headers(report: MimeMessage) -> MimeMessage | None:
    """The original message's headers, quoted whole (message/rfc822) or alone."""
    returned = _part(report, "message/rfc822")
    if returned is not None:
        inner = returned.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], MimeMessage):
            return inner[0]
    headers = _part(report, "text/rfc822-headers")
    if headers is not None:
        text = headers.get_payload(decode=True)
        if isinstance(text, bytes):
            return email.message_from_bytes(text, policy=email.policy.compat32)
    return None


def _header(message: MimeMessage | None, name: str) -> str | None:
    value = None if message is None else message.get(name)
    return _text(value) or None


def _text(value: object) -> str:
    """A header value with folded whitespace collapsed; undecodable bytes are dropped."""
    text = " ".join(str(value or "").split())
    return text.encode("utf-8", "ignore").decode("utf-8")


def _verp_id(report: MimeMessage) -> str | None:
    for name in ("To", "X-Original-To", "Delivered-To", "Envelope-To"):
        match = _VERP.search(str(report.get(name, "")))
        if match:
            return match[1]
    return None


# --- JSON form (pure) -----------------------------------------------------------------------


def bounce_from_json(body: Any) -> Bounce:
    if not isinstance(body, dict):
        raise Invalid("Request body must be a JSON object")
    reason = body.get("smtpReason", "")
    code = str(body.get("bounceCode", "")).upper()
    if reason and not (isinstance(reason, str) and _STATUS.fullmatch(reason)):
        raise Invalid(
            "smtpReason must be an enhanced status code such as 5.1.1", field="smtpReason"
        )
    if code not in ("", "HARD", "SOFT"):
        raise Invalid("bounceCode must be HARD or SOFT", field="bounceCode")
    hard = code == "HARD" if code else not reason.startswith("4")
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


# --- recording ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Recorded:
    message: messages.Message
    event: events.Event
    duplicate: bool  # the same report came before; nothing new was written

    def to_wire(self) -> dict[str, Any]:
        return {
            "messageId": self.message.id,
            "accountId": self.message.account_id,
            "messageKey": self.message.message_key,
            "eventId": self.event.event_id,
            "eventCategoryType": self.event.type,
            "duplicate": self.duplicate,
        }


async def find(db: Db, channel: str, bounce: Bounce) -> messages.Message | None:
    """The message a report names, most specific id first."""
    candidates: list[messages.Message | None] = []
    if bounce.message_id:
        candidates.append(await messages.get(db, bounce.message_id))
    if bounce.provider_id:
        candidates.append(await messages.find_by_provider_id(db, bounce.provider_id))
    if bounce.message_key and bounce.account_id is not None:
        candidates.append(
            await messages.get_by_key(db, bounce.account_id, channel, bounce.message_key)
        )
    if bounce.recipient and bounce.account_id is not None:  # never across accounts
        candidates.append(
            await messages.latest_to(db, bounce.account_id, channel, bounce.recipient.lower())
        )
    return next(
        (
            m
            for m in candidates
            if m is not None and m.channel == channel and bounce.account_id in (None, m.account_id)
        ),
        None,
    )


async def record_bounce(db: Db, bounce: Bounce, *, now: int) -> Recorded:
    message = await find(db, "email", bounce)
    if message is None:
        raise NotFound("No email message matches this bounce")
    outcome = outcomes.bounced(
        message,
        hard=bounce.hard,
        smtp_reason=bounce.smtp_reason,
        bounce_message=bounce.bounce_message,
    )
    recorded = await _record(db, message, outcome, now=now)
    if bounce.hard and not recorded.duplicate:
        await suppression.after_bounce(
            db, message, bounce.smtp_reason, recorded.event.event_id, now=now
        )
    return recorded


async def _record(
    db: Db, message: messages.Message, outcome: outcomes.Outcome, *, now: int
) -> Recorded:
    """Write the event unless the same report (type and info) was recorded for this message."""
    if message.sent_at is None:
        raise Conflict(
            f"Message {message.message_key} was never handed to a provider ({message.status})"
        )
    wanted = outcomes.PREFIX + outcome.event_type
    for earlier in await events.for_message(db, message.id):
        if earlier.type == wanted and earlier.info == outcome.info:
            return Recorded(message, earlier, duplicate=True)
    event = await outcomes.record(db, message, outcome, now=now)
    assert event is not None  # not a claimed outcome: always recorded
    return Recorded(message, event, duplicate=False)


# SMS delivery receipts: gateway status words → (ENS kind, SFMC status code, status message).
_RECEIPTS = {
    "delivered": ("Delivered", "4000", "Delivered"),
    "expired": ("Bounced", "4501", "Expired"),
}
_TRANSIENT = {"accepted", "queued", "sending", "sent", "enroute", "buffered", "transient"}
_FAILED = {"failed", "undelivered", "undeliverable", "rejected", "bounced", "deleted", "unknown"}


@dataclasses.dataclass(frozen=True)
class Receipt:
    kind: str  # Transient, Delivered or Bounced
    status_code: str
    status_message: str
    message_id: str | None = None
    provider_id: str | None = None
    account_id: int | None = None
    message_key: str | None = None
    sender: str = ""
    country_code: str = ""


def receipt_from(body: Any) -> Receipt:
    """A receipt from our JSON form, or a Twilio-style form post (MessageSid, MessageStatus)."""
    if not isinstance(body, dict):
        raise Invalid("Request body must be a JSON object")
    word = str(body.get("status") or body.get("MessageStatus") or "").lower()
    if word in _RECEIPTS:
        kind, code, text = _RECEIPTS[word]
    elif word in _TRANSIENT:
        kind, code, text = "Transient", "3000", "Enroute"
    elif word in _FAILED:
        kind, code, text = "Bounced", "4500", "Undeliverable"
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


async def record_receipt(db: Db, receipt: Receipt, *, now: int) -> Recorded:
    lookup = Bounce(
        hard=False,
        smtp_reason="",
        bounce_message="",
        message_id=receipt.message_id,
        provider_id=receipt.provider_id,
        account_id=receipt.account_id,
        message_key=receipt.message_key,
    )
    message = await find(db, "sms", lookup)
    if message is None:
        raise NotFound("No SMS message matches this receipt")
    outcome = outcomes.sms_receipt(
        message,
        kind=receipt.kind,
        status_code=receipt.status_code,
        status_message=receipt.status_message,
        sender=receipt.sender,
        country_code=receipt.country_code,
    )
    return await _record(db, message, outcome, now=now)
