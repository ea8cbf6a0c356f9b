"""Outcome events: what a message ended as, written with its status change in one transaction."""

from __future__ import annotations

import dataclasses
from typing import Any

from app import ids
from app.services.sending.rollup_shards import SHARDS
from app.services.webhooks import fanout
from app.storage import events, messages
from app.storage import stats as rollups
from app.storage.db import Db
from app.wire import vocabulary


@dataclasses.dataclass(frozen=True)
class Outcome:
    status: str  # the message's new status: sent / not_sent / bounced (or unchanged for SMS)
    event_type: vocabulary.EventType
    info: dict[str, Any]
    status_code: int | None = None
    status_message: str | None = None


def _base(message: messages.Message) -> dict[str, Any]:
    return {
        "to": message.recipient,
        "subscriberKey": message.contact_key,
        "messageKey": message.message_key,
    }


def _type(message: messages.Message, outcome: vocabulary.Outcome) -> vocabulary.EventType:
    return vocabulary.EventType.of(message.channel, outcome)


def sent(message: messages.Message, *, rendered_subject: str | None = None) -> Outcome:
    info = _base(message)
    if message.channel == "email":
        info |= {"status": "Sent", "renderedSubject": rendered_subject or ""}
    return Outcome(messages.SENT, _type(message, vocabulary.Outcome.SENT), info)


def not_sent(message: messages.Message, code: int, reason: str | None = None) -> Outcome:
    """Not handed over, for the reason ``code`` stands for unless a more specific one is given."""
    if reason is None:
        known = vocabulary.NotSent.lookup(code)
        reason = "" if known is None else known.reason
    info = _base(message) | {
        "reason": reason,
        "statusCode": str(int(code)),
        "statusMessage": vocabulary.NotSent.name_of(code),
    }
    event_type = _type(message, vocabulary.Outcome.NOT_SENT)
    return Outcome(messages.NOT_SENT, event_type, info, int(code), reason[:500])


def hand_over_bounce_code(smtp_reason: str) -> vocabulary.NotSent:
    """The NotSent code of a message the recipient's server refused before accepting it:
    5 InvalidEmailAddress when the address is what it refused (5.1.x), else 101 Failure."""
    if smtp_reason.startswith("5.1."):
        return vocabulary.NotSent.INVALID_EMAIL_ADDRESS
    return vocabulary.NotSent.FAILURE


def bounced(
    message: messages.Message,
    *,
    hard: bool,
    smtp_reason: str,
    bounce_message: str,
    at_hand_over: bool = False,
) -> Outcome:
    """A bounce; ``at_hand_over``: refused at RCPT/DATA, so the message was never sent either.

    That one also carries the NotSent code and reason the status API and the NotSent feed show
    (``statusCode``, ``statusMessage``, ``reason`` in info, beside the ENS bounce fields).
    """
    code = vocabulary.BounceClass.HARD if hard else vocabulary.BounceClass.SOFT
    info = _base(message) | {
        "bounceCode": code.value,
        "bounceMessage": bounce_message[:500],
        "smtpReason": smtp_reason,
    }
    event_type = _type(message, vocabulary.Outcome.BOUNCED)
    if not at_hand_over:
        return Outcome(messages.BOUNCED, event_type, info, None, bounce_message[:500])
    status_code = hand_over_bounce_code(smtp_reason)
    reason = f"{code} bounce {smtp_reason} at hand-over: {bounce_message}"[:500]
    info |= {
        "reason": reason,
        "statusCode": str(int(status_code)),
        "statusMessage": status_code.sfmc_name,
    }
    return Outcome(messages.BOUNCED, event_type, info, int(status_code), reason)


def sms_receipt(
    message: messages.Message,
    *,
    kind: vocabulary.Outcome,
    status_code: str,
    status_message: str,
    sender: str = "",
    country_code: str = "",
) -> Outcome:
    """A delivery receipt: kind is Transient, Delivered or Bounced."""
    info = _base(message) | {
        "ordinal": 0,
        "statusCode": status_code,
        "statusMessage": status_message,
        "fromAddress": sender,
        "countryCode": country_code,
    }
    status = messages.BOUNCED if kind == vocabulary.Outcome.BOUNCED else message.status
    return Outcome(status, vocabulary.EventType.of(message.channel, kind), info)


async def record(
    db: Db,
    message: messages.Message,
    outcome: Outcome,
    *,
    now: int,
    rendered: dict[str, Any] | None = None,
    provider_id: str | None = None,
    claimed: bool = False,
) -> events.Event | None:
    """The message's status change and its event, atomically.

    ``claimed``: the sender's outcome for a message it claimed; None (nothing recorded) when
    the message was finished meanwhile, so a retried send never makes a second outcome.
    """
    event = _event(message, outcome, now=now)

    async def write() -> events.Event | None:
        finished = await messages.finish(
            db,
            message.id,
            status=outcome.status,
            now=now,
            status_code=outcome.status_code,
            status_message=outcome.status_message,
            rendered=rendered,
            provider_id=provider_id,
            claimed=claimed,
        )
        if not finished:
            return None
        stored = dataclasses.replace(event, id=await events.insert(db, event))
        await fanout.enqueue(db, stored, now=now)  # the webhook outbox, in the same transaction
        await count(db, stored, shard=shard)  # and the rollups
        return stored

    with SHARDS.taken(db) as shard:  # held through the COMMIT
        return await db.grouped(write)  # one COMMIT for all the outcomes finishing together


def _event(message: messages.Message, outcome: Outcome, *, now: int) -> events.Event:
    """The event an outcome makes, not yet stored."""
    return events.Event(
        event_id=ids.uuid4(),
        account_id=message.account_id,
        message_id=message.id,
        channel=message.channel,
        type=outcome.event_type.value,
        definition_key=message.definition_key,
        definition_id=message.definition_id,
        occurred_at=now,
        info=outcome.info,
    )


def detail_of(event: events.Event) -> str:
    """What an event's rollup row is broken down by: NotSent code, bounce code, receipt code
    (its type's ``detail_fields``)."""
    event_type = vocabulary.EventType.lookup(event.type)
    if event_type is None:
        return ""
    values = [str(event.info.get(field, "")) for field in event_type.detail_fields]
    return values[0] if len(values) == 1 else " ".join(values).strip()


async def count(db: Db, event: events.Event, *, shard: int = 0) -> None:
    """Add an event to its hour; call in the transaction that writes it."""
    await rollups.count_event(
        db,
        account_id=event.account_id,
        at=event.occurred_at,
        channel=event.channel,
        event_type=event.type,
        definition_key=event.definition_key or "",
        detail=detail_of(event),
        shard=shard,
    )
