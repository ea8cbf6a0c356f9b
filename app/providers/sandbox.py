"""The built-in sandbox: accepts everything and keeps it, except reserved test recipients.

It builds each email exactly as the SMTP provider does, so a message that could not go out over
SMTP does not pass here either. Reports a real system would send later (a DSN, an SMS delivery
receipt) are handed back with the acceptance, as ``Result.later``.
"""

from __future__ import annotations

import collections

from app import ids
from app.providers import Email, Report, Result, Sms, mime

# Reserved recipients that misbehave on purpose (listed in the README).
EMAIL_DOMAIN = "simulator.tidings.test"
SMS_BOUNCE, SMS_REJECT, SMS_DEFER = "15550000001", "15550000002", "15550000003"
SMS_DELIVER, SMS_ENROUTE, SMS_ACCEPT = "15550000004", "15550000005", "15550000006"
# The carrier's receipt that follows acceptance, per reserved number (SMS_ACCEPT: none).
_SMS_RECEIPTS = {
    SMS_BOUNCE: Report(hard=True, code="4500", detail="Undeliverable"),
    SMS_DELIVER: Report(hard=False, code="4000", detail="Delivered", receipt="delivered"),
    SMS_ENROUTE: Report(hard=False, code="3000", detail="Enroute", receipt="transient"),
}
_ACCEPTED = "250 2.0.0 accepted by the sandbox"


def _email_result(to: str, provider_id: str) -> Result:
    local, _, domain = to.lower().partition("@")
    if domain != EMAIL_DOMAIN:
        return Result("sent", _ACCEPTED, provider_id=provider_id)
    if local == "bounce":
        return Result.from_smtp(550, "550 5.1.1 sandbox: no such user")
    if local == "softbounce":
        full = Report(hard=False, code="4.2.2", detail="452 4.2.2 sandbox: mailbox full")
        return Result("sent", _ACCEPTED, provider_id=provider_id, later=(full,))
    if local == "reject":
        return Result("rejected", "554 5.7.1 sandbox: message rejected")
    if local == "defer":
        return Result.from_smtp(451, "451 4.3.0 sandbox: try again later")
    return Result("sent", _ACCEPTED, provider_id=provider_id)


class Sandbox:
    """Both providers in one; ``outbox`` keeps the newest rendered messages for inspection."""

    def __init__(self, keep: int = 1000, *, domain: str = "sandbox.tidings.test") -> None:
        self.outbox: collections.deque[Email | Sms] = collections.deque(maxlen=keep)
        self._domain = domain

    async def send_email(self, email: Email) -> Result:
        try:
            built = mime.build(email, domain=self._domain)
        except mime.Unbuildable as exc:
            return Result("unbuildable", str(exc))
        result = _email_result(email.to, built["Message-ID"])
        if result.kind == "sent":
            self.outbox.append(email)
        return result

    async def send_sms(self, sms: Sms) -> Result:
        if sms.to == SMS_REJECT:
            return Result("rejected", "sandbox: number rejected by the carrier")
        if sms.to == SMS_DEFER:
            return Result("deferred", "sandbox: gateway busy")
        self.outbox.append(sms)
        provider_id = f"SM-{ids.hex32()}"
        receipt = _SMS_RECEIPTS.get(sms.to)  # the gateway takes it; then the carrier's receipt
        later = (receipt,) if receipt else ()
        return Result("sent", "accepted by the sandbox", provider_id=provider_id, later=later)

    async def close(self) -> None:
        return None
