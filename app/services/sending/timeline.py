"""The console's messages: search, and one message's whole story (its timeline and content)."""

from __future__ import annotations

from typing import Any

from app import clock
from app.errors import NotFound
from app.services.webhooks import fanout
from app.storage import events, messages, search
from app.storage.db import Db
from app.wire import vocabulary
from app.wire.search import MessageQuery, encode_cursor

_NOT_FOUND = "No message with this id for this account"


def _summary(found: search.Found | messages.Message, summary: str | None) -> dict[str, Any]:
    email = found.channel == vocabulary.Channel.EMAIL
    return {
        "id": found.id,
        "channel": found.channel,
        "messageKey": found.message_key,
        "definitionKey": found.definition_key,
        "recipient": found.recipient,
        "subject": summary if email else None,
        "text": None if email else summary,
        "status": vocabulary.MessageState.of_stored(found.status).value,
        "statusCode": found.status_code,
        "statusReason": found.status_message,
        "createdAt": clock.iso_utc(found.created_at),
        "updatedAt": clock.iso_utc(found.updated_at),
    }


async def find(db: Db, account_id: int, channels: tuple[str, ...], query: MessageQuery) -> Any:
    """One page of the account's messages on ``channels`` (those the caller may read)."""
    wanted = channels if query.channel is None else tuple(c for c in channels if c == query.channel)
    if not wanted:
        return {"items": [], "nextCursor": None}
    where = search.Filter(
        account_id=account_id,
        channels=wanted,
        recipient=query.recipient,
        message_key=query.message_key,
        definition_key=query.definition_key,
        statuses=None if query.status is None else (query.status.stored,),
        since=query.since,
        until=query.until,
    )
    found = await search.messages(db, where, limit=query.limit + 1, after=query.cursor)
    page, more = found[: query.limit], len(found) > query.limit
    last = page[-1] if page else None
    return {
        "items": [_summary(m, m.summary) for m in page],
        "nextCursor": encode_cursor(last.created_at, last.id) if more and last else None,
    }


async def _message(
    db: Db, account_id: int, channels: tuple[str, ...], message_id: str
) -> messages.Message:
    """The message, if it is the account's and on a channel the caller may read."""
    found = await messages.get(db, message_id)
    if found is None or found.account_id != account_id or found.channel not in channels:
        raise NotFound(_NOT_FOUND)
    return found


async def detail(
    db: Db, account_id: int, channels: tuple[str, ...], message_id: str
) -> dict[str, Any]:
    """The summary, the timeline (oldest first), the content, and the raw event payloads."""
    message = await _message(db, account_id, channels, message_id)
    found = await events.for_message(db, message.id)
    carried = await search.attempts_for(db, account_id, message.id)
    steps = _start(message) + [_event_step(e) for e in found] + [_attempt_step(a) for a in carried]
    steps.sort(key=lambda step: step[0])
    summary = messages.summary_of(message.rendered)
    return _summary(message, summary) | {
        "timeline": [step for _, step in steps],
        "content": _content(message),
        "events": [fanout.to_wire(e) for e in found],
    }


async def html(db: Db, account_id: int, channels: tuple[str, ...], message_id: str) -> str:
    """The rendered HTML body."""
    message = await _message(db, account_id, channels, message_id)
    body = (message.rendered or {}).get("html")
    if not body:
        raise NotFound("This message has no HTML body (yet)")
    return str(body)


_Step = tuple[tuple[int, int], dict[str, Any]]  # ((time, order among equals), entry)


def _start(message: messages.Message) -> list[_Step]:
    """Accepted, queued, and handed to the provider (when it was)."""
    at = message.created_at
    queued = "for the sender"
    if message.queue_at and message.queue_at > at:
        queued = f"until {clock.iso_utc(message.queue_at)} (queue_at)"
    if message.status == messages.HELD:
        queued = "held: its definition is inactive"
    steps: list[_Step] = [
        ((at, 0), {"at": clock.iso_utc(at), "kind": "accepted", "detail": message.request_id}),
        ((at, 1), {"at": clock.iso_utc(at), "kind": "queued", "detail": queued}),
    ]
    rendered = message.rendered or {}
    handed_at = message.sent_at or (message.updated_at if "answer" in rendered else None)
    if handed_at is not None:
        entry = {"answer": rendered.get("answer"), "providerId": message.provider_id}
        when = clock.iso_utc(handed_at)
        steps.append(((handed_at, 2), {"at": when, "kind": "handedToProvider"} | entry))
    return steps


def _event_step(event: events.Event) -> _Step:
    info = event.info
    entry = {
        "at": clock.iso_utc(event.occurred_at),
        "kind": "event",
        "eventId": event.event_id,
        "type": event.type,
        "reason": info.get("reason") or info.get("bounceMessage") or info.get("statusMessage"),
        "statusCode": None if info.get("statusCode") is None else str(info["statusCode"]),
        "bounceCode": info.get("bounceCode"),
        "smtpReason": info.get("smtpReason"),
    }
    return (event.occurred_at, 3), entry


def _attempt_step(attempt: search.CarriedAttempt) -> _Step:
    entry = {
        "at": clock.iso_utc(attempt.attempted_at),
        "kind": "attempt",
        "attemptId": attempt.id,
        "eventId": attempt.event_id,
        "callbackId": attempt.callback_id,
        "callbackName": attempt.callback_name,
        "batchId": attempt.batch_id,
        "statusCode": attempt.status_code,
        "ok": attempt.ok,
        "latencyMs": attempt.latency_ms,
        "errorClass": attempt.error_class,
        "responseExcerpt": attempt.response_excerpt,
    }
    return (attempt.attempted_at, 4), entry


def _content(message: messages.Message) -> dict[str, Any] | None:
    rendered = message.rendered
    if not rendered:
        return None
    sender, to = rendered.get("from"), rendered.get("to") or message.recipient
    headers = {
        "From": sender,
        "To": to,
        "Cc": ", ".join(rendered.get("cc") or ()) or None,
        "Reply-To": rendered.get("replyTo"),
        "Subject": rendered.get("subject"),
        "Message-ID": message.provider_id if message.channel == "email" else None,
    }
    return {
        "subject": rendered.get("subject"),
        "from": sender,
        "to": to,
        "headers": {name: str(value) for name, value in headers.items() if value},
        "text": rendered.get("text"),
        "hasHtml": bool(rendered.get("html")),
    }
