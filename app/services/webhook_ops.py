"""Operating a callback (extensions beyond ENS): attempt log, health, replay, test send."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from app import clock
from app.delivery import dispatcher
from app.errors import Invalid
from app.services import callbacks, fanout, stats
from app.storage import events, outbox, subscriptions
from app.storage.db import Db

_HEALTH_WINDOW_MS = 24 * 3600 * 1000
_REPLAY_LIMIT = 100_000


def attempt_to_wire(attempt: outbox.Attempt) -> dict[str, Any]:
    return {
        "attemptId": attempt.id,
        "attemptedAt": clock.iso_utc(attempt.attempted_at),
        "batchId": attempt.batch_id,
        "events": attempt.event_count,
        "ok": attempt.ok,
        "statusCode": attempt.status_code,
        "latencyMs": attempt.latency_ms,
        "errorClass": attempt.error_class,
        "responseExcerpt": attempt.response_excerpt,
    }


async def attempts(
    db: Db, callback: callbacks.Callback, *, limit: int, before_id: int | None
) -> dict[str, Any]:
    page = await outbox.attempts_page(db, callback.id, limit=limit, before_id=before_id)
    return {
        "callbackId": callback.id,
        "count": len(page),
        "attempts": [attempt_to_wire(a) for a in page],
        "nextBeforeId": page[-1].id if len(page) == limit else None,
    }


async def health(db: Db, callback: callbacks.Callback, *, now: int) -> dict[str, Any]:
    """The callback's health over the last 24 h (rollups) and its backlog now."""
    span = stats.Range(now - _HEALTH_WINDOW_MS, now + 1)
    return await stats.callback_health(db, callback, span, now=now)


def _time(body: dict[str, Any], field: str, default: int | None) -> int:
    value = body.get(field)
    if value is None and default is not None:
        return default
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return int(parsed.replace(tzinfo=parsed.tzinfo or UTC).timestamp() * 1000)
    raise Invalid(f"{field} must be an ISO 8601 time or epoch milliseconds", code=10001)


async def replay(db: Db, callback: callbacks.Callback, body: Any, *, now: int) -> dict[str, Any]:
    """Deliver the account's events in [from, to) again, by type (default: the subscribed ones)."""
    if not isinstance(body, dict):
        raise Invalid("Request body must be an object with from, to and eventCategoryTypes")
    since, until = _time(body, "from", None), _time(body, "to", now)
    if until <= since:
        raise Invalid("to must be after from", code=10001)
    if "eventCategoryTypes" in body:
        types = fanout.canonical_types(body["eventCategoryTypes"])
    else:
        subscribed = await subscriptions.for_callback(db, callback.id)
        types = sorted({t for s in subscribed for t in s.event_types}) or list(fanout.EVENT_TYPES)
    async with db.write():
        queued = await outbox.replay(
            db,
            account_id=callback.account_id,
            callback_id=callback.id,
            types=types,
            since=since,
            until=until,
            now=now,
            limit=_REPLAY_LIMIT,
        )
    return {
        "callbackId": callback.id,
        "queued": queued,
        "from": clock.iso_utc(since),
        "to": clock.iso_utc(until),
        "eventCategoryTypes": types,
        "truncated": queued == _REPLAY_LIMIT,
    }


def sample_event(callback: callbacks.Callback, *, now: int) -> events.Event:
    return events.Event(
        event_id=f"test-{now}",
        account_id=callback.account_id,
        message_id="test",
        channel="email",
        type=fanout.PREFIX + "EmailSent",
        definition_key="tidings-test",
        definition_id=None,
        occurred_at=now,
        info={
            "to": "test@example.com",
            "subscriberKey": "test",
            "messageKey": "test",
            "status": "Sent",
            "renderedSubject": "Tidings test event",
        },
    )


async def test_send(
    webhooks: dispatcher.Dispatcher, callback: callbacks.Callback, *, now: int
) -> dict[str, Any]:
    body = orjson.dumps([fanout.to_wire(sample_event(callback, now=now))])
    reply = await webhooks.test_send(callback, body)
    return {
        "callbackId": callback.id,
        "ok": reply.ok,
        "statusCode": reply.status,
        "latencyMs": reply.latency_ms,
        "errorClass": reply.error_class,
        "responseExcerpt": reply.excerpt[:500],
    }
