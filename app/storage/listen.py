"""Cross-process wake-ups on PostgreSQL: NOTIFY at commit when deliveries were queued, NOTIFY
after commit from an API-only process when sends were queued, and a LISTEN connection that
wakes this process's dispatcher or sender.

A NOTIFY carries the sending ``Db``'s token, so a process skips its own: it woke its own
workers in-process already, and a second pass per commit was most of what each event cost.

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
CHANNEL = "tidings_outbox"  # deliveries queued: dispatchers
SENDS = "tidings_sends"  # messages queued: senders


async def outbox_filled(db: Db) -> None:
    """In a transaction that queued deliveries: other processes' dispatchers wake on commit."""
    if db.dialect == "postgresql":
        await db.execute(
            "SELECT pg_notify(:channel, :token)", {"channel": CHANNEL, "token": db.token}
        )


class Notifier:
    """Wakes other processes' workers after a commit, from a process that runs none (``api``):
    pokes between two round trips go out as one NOTIFY per channel."""

    def __init__(self, db: Db) -> None:
        self._db = db
        self._pending: set[str] = set()
        self._flushing: asyncio.Task[None] | None = None

    def sends(self) -> None:
        self._poke(SENDS)

    def outbox(self) -> None:
        self._poke(CHANNEL)

    def _poke(self, channel: str) -> None:
        self._pending.add(channel)
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush(), name="tidings-notify")

    async def _flush(self) -> None:
        while self._pending:
            channel = self._pending.pop()
            try:
                await self._db.execute(
                    "SELECT pg_notify(:channel, :token)",
                    {"channel": channel, "token": self._db.token},
                )
            except Exception:  # the workers' sweep finds the work, only later
                log.warning("NOTIFY %s failed; the sweep will find the work", channel)

    async def stop(self) -> None:
        if self._flushing is not None:
            with contextlib.suppress(Exception):
                await self._flushing


class Listener:
    """LISTEN on ``CHANNEL`` and ``SENDS``; call the channel's wake for each NOTIFY from another
    process (and every wake after a reconnect)."""

    def __init__(self, database_url: str, wakes: dict[str, Callable[[], None]], token: str) -> None:
        self._url = database_url
        self._wakes = wakes
        self._token = token
        self._connection: Any = None
        self._stopping = False
        self._reconnecting: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if not await self._listen():
            log.warning("LISTEN failed; relying on the sweep")
            self._lost()

    async def _listen(self) -> bool:
        try:
            connection = await asyncpg.connect(self._url)
            for channel in self._wakes:
                await connection.add_listener(channel, self._notified)
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
                log.info("LISTEN restored")
                for wake in self._wakes.values():
                    wake()
                return
            pause = min(pause * 2, _MAX_BACKOFF_S)

    def _notified(self, _connection: object, _pid: int, channel: str, token: str) -> None:
        if token != self._token:
            self._wakes[channel]()

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
