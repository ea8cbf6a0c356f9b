"""Recording a POST's result: the attempt and its rollup, the batch's next state, the callback's
health (disabled on 410 Gone, or after failing for longer than the breaker allows)."""

from __future__ import annotations

import asyncio
import dataclasses
import functools

from app.delivery import client, policy
from app.storage import attempts, batches, callbacks, stats
from app.storage import latency_rollup as rollup
from app.storage.db import Db

_HEALTH_EVERY_MS = 1000  # a healthy callback's last_success_at is kept to within this


@dataclasses.dataclass(frozen=True)
class Result:
    """One batch's POST, answered: what ``record`` stores."""

    batch: batches.Batch
    target: callbacks.Callback
    reply: client.Reply
    count: int
    now: int
    headers: dict[str, str] | None = None


class Recorder:
    """Stores results in groups: those that finish while a group is being written are
    written together next, one transaction with one multi-row statement per table (on
    PostgreSQL one COMMIT and a few round trips for the group, not per POST). ``record``
    returns once its result is committed; a batch whose result is lost in a crash is sent
    again (same webhook-id)."""

    def __init__(self, db: Db, *, retry: policy.Policy, breaker_s: float) -> None:
        self._db, self._retry, self._breaker_s = db, retry, breaker_s
        self._queue: list[tuple[Result, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, result: Result) -> None:
        done = asyncio.get_running_loop().create_future()
        self._queue.append((result, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued())
        await done

    async def _write_queued(self) -> None:
        while self._queue:
            group, self._queue = self._queue, []
            try:
                await self._db.grouped(functools.partial(self._store, [r for r, _ in group]))
            except Exception:  # one result's statement, or a lock conflict: each on its own
                for result, done in group:
                    await self._one(result, done)
                continue
            for _, done in group:
                if not done.done():  # not if its caller was cancelled meanwhile
                    done.set_result(None)

    async def _one(self, result: Result, done: asyncio.Future[None]) -> None:
        try:
            await self._db.grouped(lambda: self._store([result]))
        except Exception as exc:
            if not done.done():
                done.set_exception(exc)
        else:
            if not done.done():
                done.set_result(None)

    async def _store(self, found: list[Result]) -> None:
        await store(self._db, found, retry=self._retry, breaker_s=self._breaker_s)


async def store(db: Db, found: list[Result], *, retry: policy.Policy, breaker_s: float) -> None:
    """The results' rows: attempts, both rollups, callbacks' health, batches' next state."""
    await attempts.insert_many(
        db, [attempt(r.target, r.batch.id, r.reply, r.count, r.now, headers=r.headers)
             for r in found],
    )  # fmt: skip
    await stats.count_attempts(db, [
        stats.attempt_count(
            account_id=r.target.account_id, callback_id=r.target.id, at=r.now,
            result="ok" if r.reply.ok else r.reply.error_class or "error",
            first=r.batch.attempts == 1, events=r.count, latency_ms=r.reply.latency_ms,
        )
        for r in found
    ])  # fmt: skip
    await rollup.count_attempts(db, [
        rollup.Post(r.target.account_id, r.batch.id, r.now, r.reply.latency_ms, r.reply.ok)
        for r in found
    ])  # fmt: skip
    for r in found:
        if not (r.reply.ok and _recently_healthy(r.target, r.now)):
            await callbacks.record_result(
                db, r.target.id, ok=r.reply.ok, now=r.now, error=_error(r.reply)
            )
    await batches.settle_delivered(
        db, [(r.batch.id, r.now, r.reply.status) for r in found if r.reply.ok]
    )
    for r in found:
        if not r.reply.ok:
            error = _error(r.reply)
            await _failed(db, r.batch, r.target, r.reply, error, now=r.now, retry=retry)
            await _break_if_failing(db, r.target, now=r.now, breaker_s=breaker_s)


def _error(reply: client.Reply) -> str | None:
    return None if reply.ok else f"{reply.error_class} {reply.status or ''}".strip()


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
