"""The deliveries log: attempts filtered, one attempt as sent and answered, a batch replayed."""

from __future__ import annotations

from typing import Any

import orjson

from app.errors import Invalid, NotFound
from app.services.wakeups import Wakeups
from app.services.webhooks import callbacks, fanout, operations
from app.storage import attempts as attempt_rows
from app.storage import batches, outbox
from app.storage.db import Db
from app.wire.deliveries import AttemptDetail, AttemptQuery
from app.wire.operations import AttemptPage

# Headers the delivery client adds to every POST beside the signed ones.
_CONTENT_TYPE = {"Content-Type": "application/json"}


def only(query: AttemptQuery) -> attempt_rows.Filter:
    """The storage filter the query asks for."""
    low, high, no_status = query.status_range()
    return attempt_rows.Filter(
        status_low=low, status_high=high, no_status=no_status, error_class=query.error_class,
        ok=None if query.ok is None else query.ok == "true", since=query.since, until=query.until,
    )  # fmt: skip


async def page(
    db: Db, callback: callbacks.Callback, query: AttemptQuery, *, limit: int, before_id: int | None
) -> AttemptPage:
    """The callback's attempts the query selects, newest first."""
    found = await attempt_rows.page(
        db, callback.id, limit=limit, before_id=before_id, only=only(query)
    )
    return operations.attempt_page(callback, found, limit=limit)


def _not_found(attempt_id: int) -> NotFound:
    return NotFound(f"No attempt {attempt_id} for this callback")


async def _attempt(db: Db, callback: callbacks.Callback, attempt_id: int) -> attempt_rows.Attempt:
    found = await attempt_rows.get(db, callback.id, attempt_id)
    if found is None:
        raise _not_found(attempt_id)
    return found


async def detail(db: Db, callback: callbacks.Callback, attempt_id: int) -> dict[str, Any]:
    """``AttemptDetail``: the request as sent (headers kept with the attempt, the body rendered
    again from the batch's stored events) and the receiver's answer. Never a signing key."""
    attempt = await _attempt(db, callback, attempt_id)
    body = None
    if attempt.batch_id is not None:
        carried = await batches.batch_events(db, attempt.batch_id)
        if carried:
            body = orjson.dumps([fanout.to_wire(event) for event in carried]).decode()
    headers = _CONTENT_TYPE | attempt.request_headers if attempt.request_headers else {}
    return AttemptDetail.model_validate(
        operations.attempt_out(attempt).model_dump()
        | {
            "callbackId": callback.id,
            "request": {"url": callback.url, "method": "POST", "headers": headers, "body": body},
            "response": {"statusCode": attempt.status_code, "excerpt": attempt.response_excerpt},
        }
    ).model_dump()


async def replay_batch(
    db: Db, callback: callbacks.Callback, attempt_id: int, *, now: int, wake: Wakeups
) -> dict[str, Any]:
    """Queue the events of the attempt's batch again, as a new batch with the same event ids."""
    operations.require_verified(callback, "replays")
    attempt = await _attempt(db, callback, attempt_id)
    if attempt.batch_id is None:
        raise Invalid(
            f"Attempt {attempt_id} was a test send: it has no batch to replay", code=10001
        )
    carried = await outbox.for_batch(db, attempt.batch_id)
    rows = [
        outbox.Entry(
            account_id=callback.account_id, callback_id=callback.id, event_id=row.event_id,
            subscription_id=row.subscription_id, held=False, created_at=now,
        )
        for row in carried
    ]  # fmt: skip
    if rows:
        async with db.write():
            await outbox.insert_rows(db, rows)
        wake.dispatcher()
    return {"callbackId": callback.id, "attemptId": attempt_id, "queued": len(rows)}
