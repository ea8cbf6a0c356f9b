"""Keeping SQLite's WAL checkpointed and bounded, on a worker thread, outside any COMMIT.

Checkpoints run once a second after writes. They are PASSIVE, which readers that are always
active can starve: the WAL is then never started over and grows without bound. So once the
``-wal`` file passes ``LIMIT_BYTES`` the checkpointer takes the write lock (writers of this
process wait, readers do not) and runs a TRUNCATE checkpoint, which waits briefly for the
readers of older snapshots, copies the rest and empties the file; ``journal_size_limit`` cuts
the file back whenever SQLite itself starts the WAL over. The WAL stays near that size under
any load.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pathlib
import sqlite3
from collections.abc import Callable

from app.storage import sqlite_calls

# A -wal file past this is emptied by a TRUNCATE checkpoint; SQLite's own restarts cut it back
# to this size (journal_size_limit).
LIMIT_BYTES = 64 * 1024 * 1024
# How long a TRUNCATE checkpoint waits for readers of older snapshots (writers wait with it);
# when they outlast it, the next pass tries again.
TRUNCATE_WAIT_S = 0.2
EVERY_S = 1.0


class Checkpointer:
    """A task that checkpoints after writes (``written()``) until ``stop()``."""

    def __init__(
        self,
        path: pathlib.Path,
        *,
        open_connection: Callable[[], sqlite3.Connection],
        write_lock: asyncio.Lock,
    ) -> None:
        self._path = path
        self._open = open_connection  # one with a busy timeout of TRUNCATE_WAIT_S
        self._lock = write_lock
        self._task: asyncio.Task[None] | None = None
        self._dirty = asyncio.Event()
        self._closing = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sqlite-checkpoint")

    def written(self) -> None:
        self._dirty.set()

    async def stop(self) -> None:
        """Let a checkpoint under way finish, then end the task."""
        if self._task is not None:
            self._closing.set()
            self._dirty.set()
            await self._task
            self._task = None
        self._closing.clear()

    async def _run(self) -> None:
        checkpointer = self._open()
        while not self._closing.is_set():
            await self._dirty.wait()
            self._dirty.clear()
            if self._closing.is_set():
                return
            with contextlib.suppress(sqlite3.Error):
                await sqlite_calls.in_thread(sqlite_calls.checkpoint, checkpointer, "PASSIVE")
                if self._wal_bytes() > LIMIT_BYTES:
                    await self._truncate(checkpointer)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), EVERY_S)

    def _wal_bytes(self) -> int:
        try:
            return os.stat(f"{self._path}-wal").st_size
        except FileNotFoundError:
            return 0

    async def _truncate(self, checkpointer: sqlite3.Connection) -> None:
        """Empty the WAL, holding the write lock so that no commit of ours keeps it going;
        readers of older snapshots are waited for up to ``TRUNCATE_WAIT_S``."""
        async with self._lock:
            busy, _, _ = await sqlite_calls.in_thread(
                sqlite_calls.checkpoint, checkpointer, "TRUNCATE"
            )
        if busy:  # a reader outlasted the wait; the next pass tries again
            self._dirty.set()
