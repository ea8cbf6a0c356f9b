"""The dispatcher: forms batches from the outbox, claims due ones, POSTs them, records attempts.

Woken in-process when an event is committed (and through PostgreSQL NOTIFY from other
processes); the scheduler's sweep wakes it too. Work is leased, so several processes share one
backlog and a crashed one's batches come back when their lease runs out.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

import orjson

from app import clock, ids
from app.delivery import client, policy, results, signing
from app.services import fairshare
from app.services.webhooks import fanout
from app.services.webhooks.keys import KeyBox
from app.settings import Settings
from app.storage import attempts, batches, callbacks, events, outbox
from app.storage.db import Db
from app.wire.delivery import DeliveryOptions

log = logging.getLogger("tidings.dispatcher")
K = TypeVar("K")
_FORM_PER_PASS = 100  # batches formed per callback per pass, so one backlog cannot starve others
# A pass that batched every row it saw looks next time only at outbox ids above the highest it
# batched less this margin (rows that committed late, out of id order); a pass once a sweep
# interval looks at all. The unbatched-rows index keeps entries of batched rows until vacuum
# removes them, and a long transaction elsewhere keeps vacuum from it: without the floor each
# pass walked every one of them (a drain fell from 376 to 64 events/s in 15 s under a held
# REPEATABLE READ snapshot).
_FLOOR_MARGIN = 1000


class Dispatcher:
    def __init__(
        self,
        db: Db,
        poster: client.Poster,
        keys: KeyBox,
        settings: Settings,
        *,
        now: clock.Clock = clock.now_ms,
    ) -> None:
        self._db = db
        self._poster = poster
        self._keys = keys
        self._settings = settings
        self._now = now
        self._policy = policy.Policy(
            settings.webhook_retry_schedule_s, settings.webhook_retry_window_s
        )
        self._recorder = results.Recorder(
            db, retry=self._policy, breaker_s=settings.webhook_breaker_s
        )
        self._wake = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._claiming = asyncio.Lock()  # one pass at a time claims and starts POSTs
        self._per_callback: collections.Counter[str] = collections.Counter()
        self._per_account: collections.Counter[int] = collections.Counter()  # POSTs in flight
        self._posting = 0  # POSTs in flight; the rest of _inflight wait for their results' commit
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._news = True  # woken by new work since the last claim (not only by finished POSTs)
        self._floor = 0  # outbox ids at or below it were batched (see _FLOOR_MARGIN)
        self._full_pass_at = 0.0  # monotonic time of the last pass that looked at every row
        self._rescan = True  # the next pass looks at every row (woken by something else)

    @property
    def lease_ms(self) -> int:
        # Two full timeouts plus a margin: a claimed batch is posted at once (per-callback
        # bounds are applied before claiming), so a live process never outlives its lease.
        return int((2 * self._settings.webhook_timeout_s + 5) * 1000)

    def wake(self) -> None:
        """New work (events committed, retries due, held rows released): the next pass
        forms from every unbatched row and claims whatever is free."""
        self._rescan = True
        self.wake_for_outcomes()

    def wake_for_outcomes(self) -> None:
        """This process's sender committed outcomes: their outbox rows are new, above the
        floor (see ``_FLOOR_MARGIN``)."""
        self._news = True
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="tidings-dispatcher")

    async def stop(self, *, grace_s: float = 10.0) -> None:
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self.drain(grace_s=grace_s)

    async def drain(self, *, grace_s: float | None = None) -> None:
        """Wait for every POST claimed so far, including by a pass still claiming."""
        async with self._claiming:
            started = set(self._inflight)
        if not started:
            return
        _, pending = await asyncio.wait(started, timeout=grace_s)
        for task in pending:  # leased: another pass picks them up after the lease
            task.cancel()
        if pending:
            await asyncio.wait(pending)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:  # a database hiccup must not kill the dispatcher
                log.exception("dispatcher pass failed")
            if not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._settings.sweep_interval_s)

    async def run_once(self) -> int:
        """Form batches, claim what fits in the free slots, start POSTing; the number started."""
        async with self._claiming:
            # Taken before forming: work woken for meanwhile is formed and claimed next pass.
            news, self._news = self._news, False
            await self.form_batches()
            return await self._claim_and_start(news=news)

    async def _claim_and_start(self, *, news: bool) -> int:
        concurrency = self._settings.webhook_concurrency
        # Up to ``concurrency`` POSTs in flight, and as many more claimed batches whose POSTs
        # are answered and whose results wait for the next group commit (results.Recorder).
        room = min(concurrency - self._posting, 2 * concurrency - len(self._inflight))
        # A claim walks the index once per callback with due batches, so when only finished
        # POSTs woke this pass, wait until a quarter of the slots are free: one claim per dozen
        # finished POSTs, not one per POST. New work (which may be an account's with nothing in
        # flight) is claimed at once.
        if room <= 0 or (self._inflight and not news and room < concurrency // 4):
            return 0
        saturated = {
            callback_id
            for callback_id, n in self._per_callback.items()
            if n >= self._settings.webhook_per_callback
        }
        async with self._db.write(durable=False):  # a lost claim is claimed again
            now = self._now()
            due = await batches.due_batches(
                self._db,
                now=now,
                per_callback=self._settings.webhook_per_callback,
                skip_callbacks=await callbacks.disabled_ids(self._db) | saturated,
            )
            chosen = self._choose(due, room)
            claimed = await batches.claim(self._db, chosen, now=now, lease_ms=self.lease_ms)
            # Read once per pass, not once per POST: the callbacks and events of every claim.
            targets = await callbacks.get_many(self._db, list({b.callback_id for b in claimed}))
            bodies = await batches.events_of(self._db, [batch.id for batch in claimed])
        for batch in claimed:
            free = self._slot(batch)
            target = targets.get(batch.callback_id)
            task = asyncio.create_task(self._deliver(batch, target, bodies[batch.id], free))
            self._inflight.add(task)
            task.add_done_callback(self._finished(free))
        return len(claimed)

    def _choose(self, due: list[tuple[int, str]], room: int) -> list[str]:
        """Due batches for ``room`` free slots, accounts taking turns within their shares.

        A reserve of the slots stays free for an account with nothing in flight, which may take
        its first POST from it at once; the rest split between the accounts with POSTs in flight
        or batches due (alone, an account may fill them all). An account holding more than its
        share, as when another turns up, starts no more until its POSTs bring it below.
        """
        busy = set(self._per_account)
        waiting = {account_id for account_id, _ in due}
        slots = self._settings.webhook_concurrency
        share = fairshare.share(slots, len(busy | waiting), cap=self._settings.webhook_per_account)
        return fairshare.take_turns(
            due,
            limit=room,
            room=lambda account_id: share - self._per_account[account_id],
            reserve=fairshare.reserve(slots),
            idle=waiting - busy,
        )

    def _slot(self, batch: batches.Batch) -> Callable[[], None]:
        """Count a POST in flight; returns what frees its slot (once, however often called)."""
        self._posting += 1
        self._per_callback[batch.callback_id] += 1
        self._per_account[batch.account_id] += 1
        freed = False

        def free() -> None:
            nonlocal freed
            if not freed:
                freed = True
                self._posting -= 1
                _decrement(self._per_callback, batch.callback_id)
                _decrement(self._per_account, batch.account_id)
                self._wake.set()  # a slot is free

        return free

    def _finished(self, free: Callable[[], None]) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            self._inflight.discard(task)
            free()
            self._wake.set()  # its result is committed: room to claim

        return done

    async def form_batches(self) -> int:
        """Unbatched outbox rows become batches of up to maxBatchSize, oldest rows first.

        No lock spans processes: each skips the rows another is batching (SKIP LOCKED), and
        only a strict-order callback, which has at most one open batch so that a failing one
        holds the rest, is formed under its own lock. Batches lost in a crash are formed again.
        A pass woken by this process's outcomes looks only above a floor (``_FLOOR_MARGIN``);
        any other wake, and once a sweep interval, a pass looks at every row.
        """
        full = (
            self._rescan or time.monotonic() - self._full_pass_at >= self._settings.sweep_interval_s
        )
        if full:  # taken before reading: a wake from now on makes the next pass full too
            self._rescan, self._full_pass_at = False, time.monotonic()
        above = 0 if full else self._floor
        waiting = await outbox.callbacks_with_unbatched(self._db, above=above)
        if not waiting:
            return 0
        formed, done, highest = 0, True, 0
        async with self._db.write(durable=False):
            targets = await callbacks.get_many(self._db, waiting)
            for callback_id in sorted(waiting):  # one order for every process's locks
                target = targets.get(callback_id)
                if target is None or target.disabled_at is not None or not target.verified:
                    continue  # never a POST to a URL whose owner did not answer the probe
                strict = DeliveryOptions.load(target.options).strict_order
                if strict:
                    await batches.lock_callback(self._db, callback_id)
                    if await batches.has_open_batch(self._db, callback_id):
                        done = False  # its rows wait below any floor
                        continue
                count = 1 if strict else _FORM_PER_PASS
                made = await batches.form_batches(
                    self._db, account_id=target.account_id, callback_id=callback_id,
                    size=target.max_batch_size, count=count, now=self._now(), above=above,
                )  # fmt: skip
                formed += made.batches
                highest = max(highest, made.last_row)
                done = done and made.rows < target.max_batch_size * count
        if done and highest:
            self._floor = max(self._floor, highest - _FLOOR_MARGIN)
        return formed

    async def _deliver(
        self,
        batch: batches.Batch,
        target: callbacks.Callback | None,
        found: list[events.Event],
        free: Callable[[], None],
    ) -> None:
        """POST, free the slot, then wait for the result's commit (the batch stays leased)."""
        try:
            if target is None:
                return  # deleted with its batches
            body = orjson.dumps([fanout.to_wire(event) for event in found])
            try:
                reply, sent = await self._post(target, batch.id, body, attempt=batch.attempts)
            finally:
                free()
            await self._recorder.record(
                results.Result(batch, target, reply, len(found), self._now(), headers=sent)
            )
        except asyncio.CancelledError:
            # Stopping past the grace period: the batch goes back to pending now rather than
            # after its lease (it may have arrived; same webhook-id, so receivers de-duplicate).
            async with self._db.write():
                await batches.release(self._db, batch.id, now=self._now())
            raise
        except Exception:
            log.exception("delivering batch %s failed", batch.id)

    async def _post(
        self, target: callbacks.Callback, webhook_id: str, body: bytes, *, attempt: int
    ) -> tuple[client.Reply, dict[str, str]]:
        """The reply, and the headers sent (kept with the attempt: signatures, never a key)."""
        options = DeliveryOptions.load(target.options)
        headers = signing.for_callback(
            target, options, self._keys, webhook_id=webhook_id, now_ms=self._now(), body=body
        )
        headers |= {"x-tidings-attempt": str(attempt), "x-tidings-callback-id": target.id}
        if options.sfmc_strict:
            reply = await self._poster.post(
                target.url, body, headers, timeout_s=3.0, success=client.SFMC_SUCCESS
            )
        else:
            reply = await self._poster.post(
                target.url, body, headers, timeout_s=self._settings.webhook_timeout_s
            )
        return reply, headers

    async def test_send(self, target: callbacks.Callback, body: bytes) -> client.Reply:
        """A signed sample batch, now, outside the outbox; logged as an attempt."""
        reply, sent = await self._post(target, "msg_test_" + ids.hex32(), body, attempt=1)
        row = results.attempt(target, None, reply, 1, self._now(), headers=sent)
        async with self._db.write():
            await attempts.insert(self._db, row)
        return reply


def _decrement(counter: collections.Counter[K], key: K) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]
