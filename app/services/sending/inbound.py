"""Recording reports that arrive after hand-over (bounces, SMS receipts) as outcome events.

The report must name its message by our id, the provider's id, or account and messageKey;
a recipient address alone names none (see ``dsn``).
"""

from __future__ import annotations

import dataclasses

from app.errors import Conflict, Invalid, NotFound
from app.services.sending import outcomes, suppression
from app.services.sending.reports import Bounce, Receipt
from app.services.wakeups import Wakeups
from app.storage import events, messages
from app.storage.db import Db
from app.wire import inbound as shapes
from app.wire import validate


@dataclasses.dataclass(frozen=True)
class Recorded:
    message: messages.Message
    event: events.Event
    duplicate: bool  # the same report came before; nothing new was written

    def to_wire(self) -> shapes.Recorded:
        return shapes.Recorded(
            message_id=self.message.id,
            account_id=self.message.account_id,
            message_key=self.message.message_key,
            event_id=self.event.event_id,
            event_category_type=self.event.type,
            duplicate=self.duplicate,
        )


def _as_stored(address: str) -> str:
    """A reported address in the normal form sends are stored in (so ``xn--`` finds Unicode)."""
    try:
        return validate.email_address(address).lower()
    except Invalid:
        return address.lower()


async def find(db: Db, channel: str, report: Bounce | Receipt) -> messages.Message | None:
    """The message a report names, most specific id first."""
    candidates: list[messages.Message | None] = []
    if report.message_id:
        candidates.append(await messages.get(db, report.message_id))
    if report.provider_id:
        candidates.append(await messages.find_by_provider_id(db, report.provider_id))
    if report.message_key and report.account_id is not None:
        candidates.append(
            await messages.get_by_key(db, report.account_id, channel, report.message_key)
        )
    recipient = report.recipient if isinstance(report, Bounce) else None
    if recipient and report.account_id is not None:  # never across accounts
        candidates.append(
            await messages.latest_to(db, report.account_id, channel, _as_stored(recipient))
        )
    return next(
        (
            m
            for m in candidates
            if m is not None and m.channel == channel and report.account_id in (None, m.account_id)
        ),
        None,
    )


async def _named(
    db: Db, channel: str, report: Bounce | Receipt, *, missing: str
) -> messages.Message:
    message = await find(db, channel, report)
    if message is None:
        raise NotFound(missing)
    return message


async def record_bounce(db: Db, bounce: Bounce, *, now: int, wake: Wakeups) -> Recorded:
    message = await _named(db, "email", bounce, missing="No email message matches this bounce")
    outcome = outcomes.bounced(
        message,
        hard=bounce.hard,
        smtp_reason=bounce.smtp_reason,
        bounce_message=bounce.bounce_message,
    )
    recorded = await _record(db, message, outcome, now=now, wake=wake)
    if bounce.hard and not recorded.duplicate:
        await suppression.after_bounce(
            db, message, bounce.smtp_reason, recorded.event.event_id, now=now
        )
    return recorded


async def _record(
    db: Db, message: messages.Message, outcome: outcomes.Outcome, *, now: int, wake: Wakeups
) -> Recorded:
    """Write the event unless the same report (type and info) was recorded for this message."""
    if message.sent_at is None:
        raise Conflict(
            f"Message {message.message_key} was never handed to a provider ({message.status})"
        )
    wanted = outcome.event_type
    for earlier in await events.for_message(db, message.id):
        if earlier.type == wanted and earlier.info == outcome.info:
            return Recorded(message, earlier, duplicate=True)
    event = await outcomes.record(db, message, outcome, now=now)
    assert event is not None  # not a claimed outcome: always recorded
    wake.dispatcher()
    return Recorded(message, event, duplicate=False)


async def record_receipt(db: Db, receipt: Receipt, *, now: int, wake: Wakeups) -> Recorded:
    message = await _named(db, "sms", receipt, missing="No SMS message matches this receipt")
    outcome = outcomes.sms_receipt(
        message,
        kind=receipt.kind,
        status_code=receipt.status_code,
        status_message=receipt.status_message,
        sender=receipt.sender,
        country_code=receipt.country_code,
    )
    return await _record(db, message, outcome, now=now, wake=wake)
