"""Cross-process wake-ups on PostgreSQL: NOTIFY at commit when deliveries were queued, and a
LISTEN connection that wakes this process's dispatcher.

When the connection is lost (PostgreSQL restarted), it reconnects with backoff and then wakes
the dispatcher once, for anything committed while it was away. Meanwhile the sweep still finds
the work, only later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from app.storage.db import Db

log = logging.getLogger("tidings.notify")
_MAX_BACKOFF_S = 5.0
CHANNEL = "tidings_outbox"


async def outbox_filled(db: Db) -> None:
    """In a transaction that queued deliveries: other processes' dispatchers wake on commit."""
    if db.dialect == "postgresql":
        await db.execute(f"SELECT pg_notify('{CHANNEL}', '')")


class Listener:
    """LISTEN on ``CHANNEL`` and call ``on_notify`` for each NOTIFY (and after a reconnect)."""

    def __init__(self, database_url: str, on_notify: Callable[[], None]) -> None:
        self._url = database_url
        self._on_notify = on_notify
        self._connection: Any = None
        self._stopping = False
        self._reconnecting: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if not await self._listen():
            log.warning("LISTEN %s failed; relying on the sweep", CHANNEL)
            self._lost()

    async def _listen(self) -> bool:
        try:
            connection = await asyncpg.connect(self._url)
            await connection.add_listener(CHANNEL, self._notified)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return False
        connection.add_termination_listener(lambda _: self._lost())
        self._connection = connection
        return True

    def _lost(self) -> None:
        self._connection = None
        if not self._stopping and (self._reconnecting is None or self._reconnecting.done()):
            self._reconnecting = asyncio.create_task(self._reconnect(), name="tidings-listen")

    async def _reconnect(self) -> None:
        pause = 0.1
        while not self._stopping:
            await asyncio.sleep(pause)
            if await self._listen():
                log.info("LISTEN %s restored", CHANNEL)
                self._on_notify()
                return
            pause = min(pause * 2, _MAX_BACKOFF_S)

    def _notified(self, *_: object) -> None:
        self._on_notify()

    async def stop(self) -> None:
        self._stopping = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnecting
        if self._connection is not None:
            connection, self._connection = self._connection, None
            with contextlib.suppress(OSError, asyncpg.InterfaceError):
                await connection.close()
