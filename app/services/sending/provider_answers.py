"""What a provider's answer means for a message (pure): its outcome, or when to try again."""

from __future__ import annotations

from app import providers
from app.services.sending import outcomes
from app.storage import messages
from app.wire import vocabulary

_RETRY_DELAYS_S = (5, 15, 60, 180, 300)
# Final refusals before hand-over: the NotSent code, whose reason starts the message's.
_REFUSALS = {
    "rejected": vocabulary.NotSent.ERROR,
    "sender_refused": vocabulary.NotSent.UNVERIFIED_FROM_ADDRESS,
    "unbuildable": vocabulary.NotSent.MESSAGE_BUILD_ERROR,
}


def retry_delay_s(attempts: int) -> int:
    """Delay before the next provider attempt after ``attempts`` failed ones (pure)."""
    return _RETRY_DELAYS_S[min(max(attempts, 1), len(_RETRY_DELAYS_S)) - 1]


def outcome_of(
    message: messages.Message, result: providers.Result, subject: str | None
) -> outcomes.Outcome:
    """What a provider's final answer means for the message (pure)."""
    if result.kind in _REFUSALS:
        code = _REFUSALS[result.kind]
        return outcomes.not_sent(message, code, f"{code.reason}: {result.detail}")
    if result.kind == "bounced" and message.channel == "sms":
        return outcomes.sms_receipt(
            message,
            kind=vocabulary.Outcome.BOUNCED,
            status_code=result.enhanced_code or "4500",
            status_message=result.detail,
        )
    if result.kind == "bounced":
        return outcomes.bounced(
            message,
            hard=True,
            smtp_reason=result.enhanced_code or "5.0.0",
            bounce_message=result.detail,
            at_hand_over=True,
        )
    return outcomes.sent(message, rendered_subject=subject)
