"""Delivery status notifications (RFC 3464) read into bounce reports (pure).

A DSN is matched to its message the way an ESP does it: the ``X-Tidings-Message-Id`` or
``Message-ID`` header quoted in the returned message, else the VERP return path
(``bounces+<message id>@…``) the DSN was addressed to. A recipient address alone never names a
message: anyone can mail the bounce mailbox, and the address may be any account's customer.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import Message as MimeMessage

from app.errors import Invalid
from app.services.sending.reports import Bounce
from app.wire.inbound import STATUS

_VERP = re.compile(r"bounces\+([A-Za-z0-9-]{8,64})@", re.IGNORECASE)
_TYPE_PREFIX = re.compile(r"^\s*[A-Za-z0-9-]+\s*;\s*")  # "rfc822; " in Final-Recipient etc.


def parse(raw: bytes) -> tuple[list[Bounce], int]:
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
        if action not in ("failed", "delayed") or not STATUS.match(status):
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
