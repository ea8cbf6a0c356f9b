"""Broadcast-compatible transactional email: validate, store, replay by Idempotency-Key, render.

A Broadcast send is an email message without a send definition: its subject, body and
preheader travel with the message, are sent as written (no %%Name%% personalisation), and end
in the same EmailSent / EmailNotSent / EmailBounced events as SFMC sends.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import orjson

from app import clock, ids
from app.errors import Conflict, InvalidFields, NotFound
from app.services.sending import render
from app.services.wakeups import Wakeups
from app.storage import idempotency, messages, subscribers
from app.storage.db import Db, values_of
from app.wire import vocabulary
from app.wire.transactionals import TransactionalIn

_LONG = "is too long (maximum is {} characters)"
IDEMPOTENCY_WINDOW_S = 24 * 3600
_KEY_LOCK_MS = 60_000  # an in-flight claim older than this belonged to a process that died
MAX_KEY_LENGTH = 255


@dataclasses.dataclass(frozen=True)
class Request:
    """A valid send request, normalised."""

    to: str
    subject: str
    body: str
    recipient_name: str
    preheader: str
    reply_to: str | None
    queue_at: int | None  # epoch ms, only when in the future

    @property
    def digest(self) -> str:
        payload = orjson.dumps(values_of(self), option=orjson.OPT_SORT_KEYS)  # not asdict's copies
        return hashlib.sha256(payload).hexdigest()


def normalised(sent: TransactionalIn, *, now: int) -> Request:
    """The valid request (``app.wire`` checked it), normalised for sending and hashing."""
    return Request(
        to=sent.to,
        subject=render.single_line(sent.subject),
        body=sent.body,
        recipient_name=render.single_line(sent.recipient_name),
        preheader=sent.preheader,
        reply_to=sent.reply_to or None,
        queue_at=_queue_at(sent.queue_at, now),
    )


def _queue_at(raw: str, now: int) -> int | None:
    """Epoch ms when in the future; absent or past means now (None)."""
    at = clock.parse_iso_ms(raw) if raw else None
    return at if at is not None and at > now else None


@dataclasses.dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


async def create(
    db: Db,
    account_id: int,
    sent: TransactionalIn,
    *,
    key: str | None,
    now: int,
    base_url: str,
    wake: Wakeups,
) -> Answer:
    """Store the email (201), or replay the first answer for a reused Idempotency-Key."""
    request = normalised(sent, now=now)
    if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
        raise InvalidFields({"idempotency_key": [_LONG.format(MAX_KEY_LENGTH)]})
    if key is not None:
        earlier = await _claim(db, account_id, key, request.digest, now=now)
        if earlier is not None:
            return earlier
    message = await _message(db, account_id, request, now=now)
    wire = to_wire(message, base_url)

    async def store() -> None:
        await messages.insert_many(db, [message])
        if key is not None:
            await idempotency.complete(db, account_id, key, 201, wire)

    await db.grouped(store)  # committed, with whatever else is queued, before the 201
    wake.sender()
    return Answer(201, wire)


async def purge_idempotency_keys(db: Db, *, now: int) -> int:
    """Idempotency-Key rows past their window are dropped; the count dropped."""
    async with db.write():
        return await idempotency.purge(db, older_than=now - IDEMPOTENCY_WINDOW_S * 1000)


async def _claim(db: Db, account_id: int, key: str, digest: str, *, now: int) -> Answer | None:
    """None when this request owns the key now; else the first request's answer to replay."""
    mine = idempotency.Entry(
        account_id, key, digest, created_at=now, locked_until=now + _KEY_LOCK_MS
    )
    async with db.write():
        if await idempotency.claim(db, mine):
            return None
        earlier = await idempotency.get(db, account_id, key)
        expired = earlier is not None and earlier.created_at < now - IDEMPOTENCY_WINDOW_S * 1000
        if earlier is None or expired:
            await idempotency.replace(db, mine)
            return None
        if earlier.request_hash != digest:
            raise InvalidFields({"idempotency_key": ["was already used with a different request"]})
        if earlier.status_code is not None:
            return Answer(earlier.status_code, earlier.response, replayed=True)
        if (earlier.locked_until or 0) > now:
            raise Conflict("A request with this Idempotency-Key is still being processed")
        await idempotency.replace(db, mine)  # the first request's process died mid-way
        return None


async def _message(db: Db, account_id: int, request: Request, *, now: int) -> messages.Message:
    subscriber = await subscribers.find_by_email(db, account_id, request.to)
    message_id = ids.uuid4()
    looks_like_html = render.looks_like_html(request.body)
    overrides = {
        "subject": request.subject,
        "preheader": request.preheader,
        "html": render.wrap_html(request.body),
        "text": "" if looks_like_html else request.body,  # "": generated from the HTML
        "reply_to": request.reply_to,
        "to_name": request.recipient_name,
        "body": request.body,
        "subscriber_id": subscriber.contact_key if subscriber else None,
    }
    return messages.Message(
        id=message_id,
        account_id=account_id,
        channel="email",
        message_key=message_id,
        request_id=ids.uuid4(),
        definition_id=None,
        definition_key=None,
        contact_key=subscriber.contact_key if subscriber else request.to,
        recipient=request.to,
        attributes={},
        overrides=overrides,
        payload_hash=request.digest,
        status=messages.QUEUED,
        created_at=now,
        updated_at=now,
        next_attempt_at=request.queue_at or now,
        queue_at=request.queue_at,
    )


async def get(db: Db, account_id: int, message_id: str) -> messages.Message:
    message = await messages.get(db, message_id)
    if message is None or message.account_id != account_id or not is_transactional(message):
        raise NotFound("Transactional email not found")
    return message


async def page(
    db: Db, account_id: int, *, limit: int, offset: int
) -> tuple[list[messages.Message], int]:
    """Transactional emails, newest first, and their total."""
    return await messages.transactionals_page(db, account_id, limit=limit, offset=offset)


def is_transactional(message: messages.Message) -> bool:
    return message.channel == "email" and message.definition_id is None


def status(message: messages.Message) -> str:
    """queued / sent / not_sent / bounced: what sent_at alone cannot tell."""
    return message.status if message.status in messages.FINAL else "queued"


def status_reason(message: messages.Message) -> str | None:
    if message.status == messages.BOUNCED:
        return message.status_message
    if message.status == messages.NOT_SENT:
        code = message.status_code or int(vocabulary.NotSent.ERROR)
        name = vocabulary.NotSent.name_of(code)
        return f"{name} ({code}): {message.status_message}"
    return None


def to_wire(message: messages.Message, base_url: str) -> dict[str, Any]:
    o = message.overrides
    return {
        "id": message.id,
        "recipient_email": message.recipient,
        "recipient_name": o.get("to_name") or None,
        "subject": o.get("subject", ""),
        "body": o.get("body", ""),
        "preheader": o.get("preheader") or None,
        "reply_to": o.get("reply_to"),
        "queue_at": clock.iso_utc(message.queue_at or message.created_at),
        "sent_at": None if message.sent_at is None else clock.iso_utc(message.sent_at),
        "created_at": clock.iso_utc(message.created_at),
        "updated_at": clock.iso_utc(message.updated_at),
        "status_url": f"{base_url}api/v1/transactionals/{message.id}.json",
        # Extensions (not in Broadcast's object):
        "status": status(message),
        "status_reason": status_reason(message),
        "subscriber_id": o.get("subscriber_id"),
    }
