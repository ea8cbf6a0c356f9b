"""Recording a POST's result: the attempt and its rollup, the batch's next state, the callback's
health (disabled on 410 Gone, or after failing for longer than the breaker allows)."""

from __future__ import annotations

from app.delivery import client, policy
from app.services import latency_series
from app.storage import attempts, batches, callbacks, stats
from app.storage.db import Db

_HEALTH_EVERY_MS = 1000  # a healthy callback's last_success_at is kept to within this


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
        if not (reply.ok and _recently_healthy(target, now)):
            await callbacks.record_result(db, target.id, ok=reply.ok, now=now, error=error)
        if reply.ok:
            await batches.settle_batch(
                db, batch.id, status=batches.DELIVERED, now=now, last_status=reply.status
            )
        else:
            await _failed(db, batch, target, reply, error, now=now, retry=retry)
            await _break_if_failing(db, target, now=now, breaker_s=breaker_s)

    await db.grouped(store)


def _recently_healthy(target: callbacks.Callback, now: int) -> bool:
    """Not failing and a success stored within the last second, as read at this batch's
    claim: one more success changes nothing worth a write. Without this, every POST rewrote
    its callback's row, one row lock that the workers of a busy callback queued for."""
    last = target.last_success_at
    return target.failing_since is None and last is not None and now - last < _HEALTH_EVERY_MS


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
        request_headers=None if headers is None else signature_headers(headers),
    )


def signature_headers(headers: dict[str, str]) -> dict[str, str]:
    """What of a POST's headers the attempts log keeps: ids, timestamps and signatures (never
    anything else a callback may be configured to send, which may be a credential)."""
    return {
        name: value for name, value in headers.items()
        if name.lower().startswith(("webhook-", "x-tidings-")) or "signature" in name.lower()
    }  # fmt: skip
