"""The built-in sandbox: accepts everything and keeps it, except reserved test recipients."""

from __future__ import annotations

import collections

from app.providers import Email, Result, Sms

# Reserved recipients that misbehave on purpose (listed in the README).
EMAIL_DOMAIN = "simulator.tidings.test"
SMS_BOUNCE, SMS_REJECT, SMS_DEFER = "15550000001", "15550000002", "15550000003"


def _email_result(to: str) -> Result:
    local, _, domain = to.lower().partition("@")
    if domain != EMAIL_DOMAIN:
        return Result("sent", "250 2.0.0 accepted by the sandbox")
    outcomes = {
        "bounce": Result.from_smtp(550, "5.1.1 sandbox: no such user"),
        "softbounce": Result("sent", "250 2.0.0 accepted", soft_bounce_after=True),
        "reject": Result("rejected", "554 5.7.1 sandbox: message rejected"),
        "defer": Result.from_smtp(451, "4.3.0 sandbox: try again later"),
    }
    return outcomes.get(local, Result("sent", "250 2.0.0 accepted by the sandbox"))


class Sandbox:
    """Both providers in one; ``outbox`` keeps the newest rendered messages for inspection."""

    def __init__(self, keep: int = 1000) -> None:
        self.outbox: collections.deque[Email | Sms] = collections.deque(maxlen=keep)

    async def send_email(self, email: Email) -> Result:
        result = _email_result(email.to)
        if result.kind == "sent":
            self.outbox.append(email)
        return result

    async def send_sms(self, sms: Sms) -> Result:
        if sms.to == SMS_BOUNCE:
            return Result("bounced", "sandbox: unreachable handset", enhanced_code="4501")
        if sms.to == SMS_REJECT:
            return Result("rejected", "sandbox: number rejected by the carrier")
        if sms.to == SMS_DEFER:
            return Result("deferred", "sandbox: gateway busy")
        self.outbox.append(sms)
        return Result("sent", "accepted by the sandbox")

    async def close(self) -> None:
        return None
