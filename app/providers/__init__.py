"""Email and SMS providers behind one small interface: hand over one message, get one result."""

from __future__ import annotations

import dataclasses
import re
from typing import Literal, Protocol

Kind = Literal["sent", "bounced", "rejected", "deferred"]
_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


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
class Result:
    """What the provider said. ``deferred`` is retried; the others are final."""

    kind: Kind
    detail: str = ""
    smtp_code: int | None = None
    enhanced_code: str | None = None  # e.g. "5.1.1"
    provider_id: str | None = None  # Message-ID, gateway id
    soft_bounce_after: bool = False  # sandbox: a SOFT bounce arrives after acceptance

    @classmethod
    def from_smtp(cls, code: int, text: str) -> Result:
        match = _ENHANCED.search(text)
        enhanced = match[0] if match else f"{str(code)[0]}.0.0"
        if 500 <= code < 600:
            return cls("bounced", text, smtp_code=code, enhanced_code=enhanced)
        return cls("deferred", text, smtp_code=code, enhanced_code=enhanced)


class EmailProvider(Protocol):
    async def send_email(self, email: Email) -> Result: ...

    async def close(self) -> None: ...


class SmsProvider(Protocol):
    async def send_sms(self, sms: Sms) -> Result: ...

    async def close(self) -> None: ...
