"""APScheduler wiring: the safety-net sweeps behind the in-process wake-ups."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app import clock
from app.services.sending import broadcast, definitions
from app.services.wakeups import Wakeups
from app.settings import Settings
from app.storage import attempts, batches, events, portal, send_queue, stats
from app.storage.db import Db

log = logging.getLogger("tidings.scheduler")


class Jobs:
    def __init__(
        self, db: Db, wake: Wakeups, settings: Settings, *, now: clock.Clock = clock.now_ms
    ) -> None:
        self._db = db
        self._wake = wake
        self._settings = settings
        self._now = now
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._busy = asyncio.Lock()  # held by a running job, so stop() can wait for it

    def start(self) -> None:
        jobs = (
            (self.sweep, self._settings.sweep_interval_s),
            (self.expire_queues, 60),
            (self.purge_idempotency_keys, 3600),
            (self.purge_deliveries, 3600),
            (self.purge_events, 3600),
            (self.fold_rollup_shards, 900),
        )
        for job, every_s in jobs:
            self._scheduler.add_job(
                self._exclusive(job),
                "interval",
                seconds=every_s,
                max_instances=1,
                coalesce=True,
                id=job.__name__,
            )
        self._scheduler.start()

    def _exclusive(self, job: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
        @functools.wraps(job)
        async def run() -> None:
            async with self._busy:
                await job()

        return run

    async def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        async with self._busy:  # a job mid-query finishes before the database closes
            pass

    async def sweep(self) -> None:
        """Leases of a sender or dispatcher that died come back; both are woken (retries due)."""
        try:
            async with self._db.write():
                await send_queue.reclaim_expired_leases(self._db, now=self._now())
                await batches.reclaim_expired(self._db, now=self._now())
        except Exception:
            log.exception("sweep failed")
        self._wake.sender()
        self._wake.dispatcher()

    async def expire_queues(self) -> int:
        return await definitions.expire_held(
            self._db, now=self._now(), queue_window_s=self._settings.queue_window_s, wake=self._wake
        )

    async def purge_idempotency_keys(self) -> int:
        return await broadcast.purge_idempotency_keys(self._db, now=self._now())

    async def purge_deliveries(self) -> int:
        """Delivered batches and attempts older than the retention window are dropped, and
        portal sessions that have ended."""
        window_ms = self._settings.webhook_retention_s * 1000
        older_than = self._now() - window_ms
        async with self._db.write():
            await portal.purge_sessions(self._db, ended_before=self._now())
            await attempts.purge(self._db, older_than=older_than)
            return await batches.purge(self._db, older_than=older_than)

    async def fold_rollup_shards(self) -> int:
        """The rollup rows of hours before the last one, summed into one row each (shard 0):
        outcomes write the current hour's (migration 0014), so the reads stay as they were."""
        async with self._db.write():
            return await stats.fold_event_shards(
                self._db, before=stats.hour_of(self._now()) - stats.HOUR_MS
            )

    async def purge_events(self) -> int:
        """Raw events past TIDINGS_EVENT_RETENTION_S go (the rollups keep their counts)."""
        window_ms = self._settings.event_retention_s * 1000
        async with self._db.write():
            return await events.purge(self._db, older_than=self._now() - window_ms)
