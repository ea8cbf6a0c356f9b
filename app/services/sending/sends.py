"""Accepting SFMC sends: check each recipient, apply messageKey idempotency, store durably,
answer 202 (the request's own shape is checked by ``app.wire.sends``).

Nothing is delivered here: the request path only writes; the sender does the rest.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from collections.abc import Iterable
from typing import Any

import orjson

from app import ids
from app.errors import Invalid
from app.services.sending import definitions as definition_service
from app.services.wakeups import Wakeups
from app.storage import definitions, messages
from app.storage.db import Db
from app.wire import recipients
from app.wire import sends as shapes

MAX_RECIPIENTS = shapes.MAX_RECIPIENTS
MAX_KEY_LENGTH = recipients.MAX_KEY_LENGTH


@dataclasses.dataclass(frozen=True)
class Accepted:
    request_id: str
    responses: list[dict[str, Any]]
    created: int  # messages stored by this request (0 when all were replays or failures)

    @property
    def failures(self) -> int:
        return sum(1 for entry in self.responses if "errorcode" in entry)

    def to_wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "requestId": self.request_id,
            "errorcode": 0,
            "responses": self.responses,
        }
        if self.failures:
            body["errorcode"] = 109001
            body["message"] = (
                f"MCMS_UTM_ResponsesHasErrors: {self.failures} subscribers failed to queue"
                f" out of {len(self.responses)}"
            )
        return body


def _fail(code: int, name: str, detail: str) -> Invalid:
    return Invalid(f"MCMS_UTM_Validation_{name}: {detail}", code=code)


def _message_key(random: bytes) -> str:
    """22 base64url characters, like the keys SFMC generates."""
    return base64.urlsafe_b64encode(random).decode().rstrip("=")


def _random(count: int) -> list[tuple[str, bytes]]:
    """A message id (a version 4 UUID) and 16 bytes for a messageKey per recipient, from one
    read of the pool (``app.ids``)."""
    pool = ids.random_bytes(32 * count)
    return [(ids.uuid4(pool[i : i + 16]), pool[i + 16 : i + 32]) for i in range(0, 32 * count, 32)]


@dataclasses.dataclass(frozen=True)
class _Request:
    """What every recipient of one request shares."""

    model: type[recipients.Recipient]
    region: str | None  # the SMS definition's countryCode
    definition: definitions.Definition
    shared: dict[str, Any]  # the request's attributes
    overrides: dict[str, Any]
    request_id: str
    now: int


async def accept(
    db: Db,
    *,
    account_id: int,
    channel: str,
    body: shapes.SendIn,
    path_key: str | None,
    now: int,
    key_window_s: int,
    wake: Wakeups,
) -> Accepted:
    """Store one message per valid recipient, in one transaction; see ``Accepted``."""
    definition = await _definition(db, account_id, channel, body.definition_key)
    given = _recipients(body, path_key)
    overrides = _overrides(body)
    region = (definition.body.get("subscriptions") or {}).get("countryCode")
    request = _Request(
        recipients.RECIPIENT[channel], region, definition, body.attributes, overrides,
        request_id=ids.uuid4(), now=now,
    )  # fmt: skip
    responses, fresh = _answers(
        _one(raw, random, request) for raw, random in zip(given, _random(len(given)), strict=True)
    )
    created = await _store(db, fresh, responses, now, key_window_s)
    if created:
        wake.sender()
    return Accepted(request_id=request.request_id, responses=responses, created=created)


def _overrides(body: shapes.SendIn) -> dict[str, Any]:
    """What the request replaces in the definition's content (SMS: a non-empty message)."""
    content = body.content
    overrides = {"message": content.message} if isinstance(content, shapes.SmsOverride) else {}
    return {k: v for k, v in overrides.items() if v}


def _answers(
    made: Iterable[tuple[dict[str, Any], messages.Message | None]],
) -> tuple[list[dict[str, Any]], list[messages.Message]]:
    """Each recipient's answer, and the messages to store; a messageKey repeated within the
    request fails every recipient after the first that uses it."""
    responses: list[dict[str, Any]] = []
    fresh: list[messages.Message] = []
    seen: set[str] = set()
    for entry, message in made:
        key = entry["messageKey"].lower() if isinstance(entry.get("messageKey"), str) else None
        if message is not None and key in seen:
            repeated = "messageKey is repeated in this request"
            entry, message = _error(entry, 109110, "DuplicateMessageKey", repeated), None
        if key is not None:
            seen.add(key)
        responses.append(entry)
        if message is not None:
            fresh.append(message)
    return responses, fresh


async def _definition(db: Db, account_id: int, channel: str, key: str) -> definitions.Definition:
    found = await definition_service.for_send(db, account_id, channel, key)
    if found is None or found.status == "Deleted":
        raise _fail(109111, "InvalidValue_definitionKey", f"no {channel} definition {key!r}")
    return found


def _recipients(body: shapes.SendIn, path_key: str | None) -> list[Any]:
    if path_key is None:
        return body.recipients or []
    if len(path_key) > MAX_KEY_LENGTH:
        raise _fail(109108, "InvalidValue_messageKey", "messageKey is over 100 characters")
    single = body.recipient
    return [single | {"messageKey": path_key} if isinstance(single, dict) else single]


def _error(entry: dict[str, Any], code: int, name: str, detail: str) -> dict[str, Any]:
    return entry | {"errorcode": code, "message": f"MCMS_UTM_Validation_{name}: {detail}"}


def _one(
    raw: Any, random: tuple[str, bytes], request: _Request
) -> tuple[dict[str, Any], messages.Message | None]:
    """The recipient's answer, and its message when it can be queued."""
    message_id, key_bytes = random
    key = raw.get("messageKey") if isinstance(raw, dict) else None
    entry: dict[str, Any] = {"messageKey": key if key is not None else _message_key(key_bytes)}
    recipient, code, problem = recipients.recipient_problem(
        request.model, raw, region=request.region
    )
    if recipient is None:
        shown = entry if isinstance(raw, dict) else {}  # a non-object has no messageKey
        return shown | {"errorcode": code, "message": problem}, None
    return entry, _message(recipient, message_id, entry["messageKey"], request)


def _message(
    recipient: recipients.Recipient, message_id: str, key: str, request: _Request
) -> messages.Message:
    definition, overrides, now = request.definition, request.overrides, request.now
    to, merged = recipient.to, request.shared | recipient.attributes
    contact = recipient.contact_key or to
    payload = {"d": definition.id, "c": contact, "t": to, "a": merged, "o": overrides}
    return messages.Message(
        id=message_id,
        account_id=definition.account_id,
        channel=definition.channel,
        message_key=key,
        request_id=request.request_id,
        definition_id=definition.id,
        definition_key=definition.definition_key,
        contact_key=contact,
        recipient=to,
        attributes=merged,
        overrides=overrides,
        payload_hash=hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest(),
        status=messages.QUEUED if definition.is_active else messages.HELD,
        created_at=now,
        updated_at=now,
        next_attempt_at=now,
    )


async def _store(
    db: Db,
    fresh: list[messages.Message],
    responses: list[dict[str, Any]],
    now: int,
    key_window_s: int,
) -> int:
    """Insert new messages; replays of the same payload answer as before, others get 109110."""
    if not fresh:
        return 0

    async def store() -> int:
        first = fresh[0]  # one request: one account, one channel
        keys = [m.message_key for m in fresh]
        existing = await messages.by_keys(db, first.account_id, first.channel, keys)
        window_start = now - key_window_s * 1000
        stale = [m.id for m in existing.values() if m.created_at < window_start]
        await messages.retire_keys(db, stale)
        keep: list[messages.Message] = []
        by_key = {
            entry["messageKey"].lower(): i
            for i, entry in enumerate(responses)
            if "errorcode" not in entry
        }
        for message in fresh:
            earlier = existing.get(message.message_key.lower())
            if earlier is None or earlier.created_at < window_start:
                keep.append(message)
            elif earlier.payload_hash != message.payload_hash:
                index = by_key[message.message_key.lower()]
                responses[index] = _error(
                    responses[index], 109110, "DuplicateMessageKey",
                    "messageKey was used in the last 72 hours",
                )  # fmt: skip
        await messages.insert_many(db, keep)
        return len(keep)

    # Group commit: concurrent sends share one transaction; each is answered after it commits.
    return await db.grouped(store)
