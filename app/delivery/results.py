"""Recording a POST's result: the attempt and its rollup, the batch's next state, the callback's
health (disabled on 410 Gone, or after failing for longer than the breaker allows)."""

from __future__ import annotations

from app.delivery import client, policy
from app.services import latency_series
from app.storage import attempts, batches, callbacks, stats
from app.storage.db import Db


async def record(
    db: Db,
    batch: batches.Batch,
    target: callbacks.Callback,
    reply: client.Reply,
    count: int,
    *,
    now: int,
    retry: policy.Policy,
    breaker_s: float,
    headers: dict[str, str] | None = None,
) -> None:
    """Store one batch's result (``headers``: as sent); POSTs finishing together share one
    transaction."""
    error = None if reply.ok else f"{reply.error_class} {reply.status or ''}".strip()

    async def store() -> None:
        await attempts.insert(db, attempt(target, batch.id, reply, count, now, headers=headers))
        await stats.count_attempt(
            db,
            account_id=target.account_id,
            callback_id=target.id,
            at=now,
            result="ok" if reply.ok else reply.error_class or "error",
            first=batch.attempts == 1,
            events=count,
            latency_ms=reply.latency_ms,
        )
        await latency_series.count_attempt(
            db, target.account_id, batch.id, at=now, latency_ms=reply.latency_ms, ok=reply.ok
        )
        await callbacks.record_result(db, target.id, ok=reply.ok, now=now, error=error)
        if reply.ok:
            await batches.settle_batch(
                db, batch.id, status=batches.DELIVERED, now=now, last_status=reply.status
            )
        else:
            await _failed(db, batch, target, reply, error, now=now, retry=retry)
            await _break_if_failing(db, target, now=now, breaker_s=breaker_s)

    await db.grouped(store)


async def _failed(
    db: Db,
    batch: batches.Batch,
    target: callbacks.Callback,
    reply: client.Reply,
    error: str | None,
    *,
    now: int,
    retry: policy.Policy,
) -> None:
    """The batch retried on the policy's schedule, or failed past its window."""
    if reply.gone:
        await callbacks.disable(db, target.id, now=now, reason="the receiver answered 410 Gone")
    at = retry.next_attempt_at(
        created_at=batch.created_at,
        now=now,
        failures=batch.attempts,
        retry_after_s=reply.retry_after_s,
    )
    await batches.settle_batch(
        db,
        batch.id,
        status=batches.FAILED if at is None else batches.PENDING,
        now=now,
        next_attempt_at=at,
        last_status=reply.status,
        last_error=error,
    )


async def _break_if_failing(
    db: Db, target: callbacks.Callback, *, now: int, breaker_s: float
) -> None:
    failing_since = target.failing_since or now
    if now - failing_since >= breaker_s * 1000:
        reason = f"no successful delivery for {breaker_s / 86400:g} days"
        await callbacks.disable(db, target.id, now=now, reason=reason)


def attempt(
    target: callbacks.Callback,
    batch_id: str | None,
    reply: client.Reply,
    count: int,
    now: int,
    *,
    headers: dict[str, str] | None = None,
) -> attempts.Attempt:
    """The attempt row for one POST (``batch_id`` None for a test send)."""
    return attempts.Attempt(
        account_id=target.account_id,
        callback_id=target.id,
        batch_id=batch_id,
        attempted_at=now,
        event_count=count,
        ok=reply.ok,
        status_code=reply.status,
        latency_ms=reply.latency_ms,
        error_class=reply.error_class,
        response_excerpt=reply.excerpt[:500] or None,
        request_headers=headers,
    )
