"""SQLite on held stdlib connections, run on the event loop's own thread.

A point query on SQLite takes tens of microseconds; handing it to a worker thread (aiosqlite,
or a connection per query as encode/databases does) costs more than the query: two thread
switches and a futex wake per statement. Measured here, an authenticated status read
reached 2.3k/s through held aiosqlite connections with the server process spending as much
time in the kernel as in Python. So:

- every write runs on the one writer connection, inline, serialised by an asyncio lock, so
  SQLite never sees two writers in this process ("database is locked" cannot happen here).
  A write lock held by another process (a CLI command) is waited for without blocking the
  loop: BEGIN is retried with backoff until the busy timeout.
- Statements that can touch many rows (``DELETE``, and ``execute_many`` with more than a few
  dozen rows) run on a worker thread, still holding the lock, so a purge or a batch of 1,000
  recipients does not stall every other request.
- Reads outside a transaction run inline on a reader connection that WAL lets run alongside
  the writer, with a progress handler that interrupts any read taking more than a few
  thousand VM steps (well under a millisecond); an interrupted read is run again on a
  worker thread with a connection of its own. Point lookups stay inline; stats and listing
  queries over many rows move off the loop by themselves.
- Inside a transaction every query, read or write, uses the writer and so sees its changes.
- WAL checkpoints run on a worker thread after writes, not inside a COMMIT, and keep the
  WAL bounded under endless readers (``sqlite_wal``).
- A cursor on a shared connection is closed by the call that opened it, on its thread. Left
  to the garbage collector, it resets its statement (the connection caches one per SQL text)
  whenever and on whichever thread it is freed: perhaps while a worker thread is in
  ``executemany`` with that same statement, which then fails with "bad parameter or other
  API misuse".
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import pathlib
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, TypeVar

from app.errors import StorageUnavailable
from app.storage import grouping, sqlite_calls, sqlite_wal
from app.storage.sqlite_calls import Rows

# Failures a retry can fix (locked past the timeout, disk full, I/O); they leave storage as
# StorageUnavailable. Programming errors (IntegrityError, …) stay the driver's.
UNAVAILABLE: tuple[type[Exception], ...] = (sqlite3.OperationalError,)

_HEAVY_WRITES = re.compile(r"\s*DELETE\b", re.I)
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA)\b", re.I)
_THREAD_READERS = 2
# Called every this many VM steps on the inline reader; the first call interrupts the query.
_INLINE_STEPS = 20_000
_INLINE_ROWS = 64  # execute_many with more rows than this runs on a worker thread
T = TypeVar("T")


class Sqlite:
    def __init__(self, path: pathlib.Path, *, busy_timeout_s: float) -> None:
        self._path = path
        self._timeout = busy_timeout_s
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._thread_readers: asyncio.Queue[sqlite3.Connection] = asyncio.Queue()
        self._all: list[sqlite3.Connection] = []
        self._lock = asyncio.Lock()
        self._group = grouping.GroupCommit(self._run_group, "sqlite-group")
        self._wal = sqlite_wal.Checkpointer(
            path,
            open_connection=lambda: self._open(timeout_s=sqlite_wal.TRUNCATE_WAIT_S),
            write_lock=self._lock,
        )
        # The writer connection while this task is inside transaction().
        self._current: contextvars.ContextVar[sqlite3.Connection | None] = contextvars.ContextVar(
            f"sqlite_tx_{id(self)}", default=None
        )

    def _open(self, *, timeout_s: float) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self._path, timeout=timeout_s, isolation_level=None, check_same_thread=False
        )
        # WAL: readers never block the writer. NORMAL: a commit survives the process being
        # killed (the WAL is written before COMMIT returns); only an OS crash can lose the last.
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(f"PRAGMA journal_size_limit={sqlite_wal.LIMIT_BYTES}")
        self._all.append(connection)
        return connection

    async def connect(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # Busy waits happen in _begin's backoff, never inside a call on the loop's thread.
        self._writer = self._open(timeout_s=0)
        self._writer.execute("PRAGMA wal_autocheckpoint=0")
        self._reader = self._open(timeout_s=0)  # busy: the read is retried on a thread
        self._reader.set_progress_handler(lambda: 1, _INLINE_STEPS)
        for _ in range(_THREAD_READERS):
            self._thread_readers.put_nowait(self._open(timeout_s=self._timeout))
        self._wal.start()

    async def disconnect(self) -> None:
        await self._wal.stop()  # after a checkpoint it is running
        async with self._lock:
            if self._writer is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            for connection in self._all:
                connection.close()
        self._all.clear()
        self._thread_readers = asyncio.Queue()
        self._writer = self._reader = None

    async def fetch_all(self, sql: str, values: Mapping[str, Any]) -> Rows:
        writer = self._current.get()
        if writer is not None:
            return await self._on_writer(writer, sql, values)
        if _WRITES.match(sql):
            async with self._autocommit() as writer:
                return await self._on_writer(writer, sql, values)
        assert self._reader is not None, "not connected"
        try:
            return sqlite_calls.rows(self._reader, sql, values)
        except sqlite3.OperationalError as exc:
            if "interrupted" not in str(exc) and not sqlite_calls.is_busy(exc):
                raise
        reader = await self._thread_readers.get()
        try:
            return await sqlite_calls.in_thread(sqlite_calls.rows, reader, sql, values)
        finally:
            self._thread_readers.put_nowait(reader)

    async def execute(self, sql: str, values: Mapping[str, Any]) -> None:
        await self.fetch_all(sql, values)

    async def execute_many(self, sql: str, rows: list[dict[str, Any]]) -> None:
        writer = self._current.get()
        if writer is not None:
            await self._many_on_writer(writer, sql, rows)
            return
        async with self._autocommit() as writer:
            await self._many_on_writer(writer, sql, rows)

    async def _many_on_writer(
        self, writer: sqlite3.Connection, sql: str, rows: list[dict[str, Any]]
    ) -> None:
        if len(rows) <= _INLINE_ROWS:
            sqlite_calls.many(writer, sql, rows)
        else:
            await sqlite_calls.in_thread(sqlite_calls.many, writer, sql, rows)

    async def _on_writer(
        self, writer: sqlite3.Connection, sql: str, values: Mapping[str, Any]
    ) -> Rows:
        if _HEAVY_WRITES.match(sql):
            return await sqlite_calls.in_thread(sqlite_calls.rows, writer, sql, values)
        return sqlite_calls.rows(writer, sql, values)

    @contextlib.asynccontextmanager
    async def _autocommit(self) -> AsyncIterator[sqlite3.Connection]:
        """A single write statement outside transaction(): its own short transaction."""
        async with self.transaction():
            writer = self._current.get()
            assert writer is not None
            yield writer

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """BEGIN IMMEDIATE on the writer; nested calls join the outer transaction."""
        if self._current.get() is not None:
            yield
            return
        assert self._writer is not None, "not connected"
        async with self._lock:
            writer = self._writer
            token = self._current.set(writer)
            try:
                try:
                    await self._begin(writer)
                except UNAVAILABLE as exc:
                    raise StorageUnavailable(str(exc)) from exc
                try:
                    yield
                except BaseException:
                    if writer.in_transaction:
                        writer.execute("ROLLBACK")
                    raise
                try:
                    writer.execute("COMMIT")
                except UNAVAILABLE as exc:
                    raise StorageUnavailable(str(exc)) from exc
                self._wal.written()
            finally:
                self._current.reset(token)

    async def _begin(self, writer: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE, waiting out another process's write lock without blocking."""
        deadline = time.monotonic() + self._timeout
        pause = 0.002
        while True:
            try:
                writer.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not sqlite_calls.is_busy(exc) or time.monotonic() + pause > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.1)

    async def grouped(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` in a transaction shared with whatever else is queued (group commit).

        Each piece of work gets a savepoint, so one that fails is undone alone; all of them
        are answered after the one COMMIT, so nothing is acknowledged before it is durable.
        """
        return await self._group.run(work)

    async def _run_group(self, works: list[grouping.Work]) -> list[tuple[bool, Any]]:
        results: list[tuple[bool, Any]] = []
        async with self.transaction():
            writer = self._current.get()
            assert writer is not None
            for work in works:
                writer.execute("SAVEPOINT work")
                try:
                    results.append((True, await work()))
                except Exception as exc:
                    writer.execute("ROLLBACK TO work")
                    results.append((False, exc))
                writer.execute("RELEASE work")
        return results

    @contextlib.asynccontextmanager
    async def raw_connection(self) -> AsyncIterator[sqlite3.Connection]:
        """The writer (a blocking sqlite3 connection), for scripts that manage their own
        transactions, such as migrations at start-up."""
        assert self._writer is not None, "not connected"
        async with self._lock:
            self._writer.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            try:
                yield self._writer
            finally:
                self._writer.execute("PRAGMA busy_timeout = 0")
