"""Email and SMS providers behind one small interface: hand over one message, get one result."""

from __future__ import annotations

import dataclasses
import re
from typing import Literal, Protocol

# sent: accepted; bounced: the recipient side refused it; rejected: the provider refused it;
# sender_refused: the relay refused our own sender address (MAIL FROM, or 5.1.7/5.1.8);
# unbuildable: no valid message could be made of it; deferred: try again later.
Kind = Literal["sent", "bounced", "rejected", "sender_refused", "unbuildable", "deferred"]
ReceiptKind = Literal["failed", "delivered", "transient"]
_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SENDER_STATUSES = ("5.1.7", "5.1.8")  # RFC 3463: bad sender's mailbox / system address


@dataclasses.dataclass(frozen=True)
class Email:
    message_id: str  # ours; also encoded in the return path so bounces find the message
    from_address: str
    from_name: str
    to: str
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    subject: str
    html: str
    text: str
    reply_to: str | None = None
    to_name: str = ""


@dataclasses.dataclass(frozen=True)
class Sms:
    message_id: str
    to: str
    sender: str  # short code or long number
    text: str
    country_code: str | None = None


@dataclasses.dataclass(frozen=True)
class Report:
    """A report the provider knows will follow acceptance (the sandbox's simulated DSNs and
    delivery receipts); recorded after the Sent event as if it had come to /inbound."""

    hard: bool
    code: str  # RFC 3463 enhanced status for email ("4.2.2"), receipt status code for SMS
    detail: str
    receipt: ReceiptKind = "failed"  # an SMS receipt's kind (email reports are bounces)


@dataclasses.dataclass(frozen=True)
class Result:
    """What the provider said. ``deferred`` is retried; the others are final."""

    kind: Kind
    detail: str = ""
    enhanced_code: str | None = None  # e.g. "5.1.1"
    provider_id: str | None = None  # Message-ID, gateway id
    later: tuple[Report, ...] = ()

    @classmethod
    def from_smtp(cls, code: int, text: str, *, at_mail_from: bool = False) -> Result:
        """A refusal's class: 5xx about our sender, 5xx about the recipient, or a 4xx."""
        match = _ENHANCED.search(text)
        enhanced = match[0] if match else f"{str(code)[0]}.0.0"
        if 500 <= code < 600:
            kind: Kind = "bounced"
            if at_mail_from or enhanced in _SENDER_STATUSES:
                kind = "sender_refused"
            return cls(kind, text, enhanced_code=enhanced)
        return cls("deferred", text, enhanced_code=enhanced)


class EmailProvider(Protocol):
    async def send_email(self, email: Email) -> Result: ...

    async def close(self) -> None: ...


class SmsProvider(Protocol):
    async def send_sms(self, sms: Sms) -> Result: ...

    async def close(self) -> None: ...
