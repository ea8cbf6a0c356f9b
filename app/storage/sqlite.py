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
- WAL checkpoints run on a worker thread once a second after writes, not inside a COMMIT.
  They are PASSIVE, which readers that are always active can starve: the WAL is then never
  started over and grows without bound. So once the ``-wal`` file passes
  ``_WAL_LIMIT_BYTES`` the checkpointer takes the write lock (writers of this process wait,
  readers do not) and runs a TRUNCATE checkpoint, which waits briefly for the readers of
  older snapshots, copies the rest and empties the file; ``journal_size_limit`` cuts the file
  back whenever SQLite itself starts the WAL over. The WAL stays near that size under any load.
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
import os
import pathlib
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, TypeVar

from app.errors import StorageUnavailable

# Failures a retry can fix (locked past the timeout, disk full, I/O); they leave storage as
# StorageUnavailable. Programming errors (IntegrityError, …) stay the driver's.
UNAVAILABLE: tuple[type[Exception], ...] = (sqlite3.OperationalError,)

_HEAVY_WRITES = re.compile(r"\s*DELETE\b", re.I)
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA)\b", re.I)
_THREAD_READERS = 2
# Called every this many VM steps on the inline reader; the first call interrupts the query.
_INLINE_STEPS = 20_000
_CHECKPOINT_EVERY_S = 1.0
_INLINE_ROWS = 64  # execute_many with more rows than this runs on a worker thread
# A -wal file past this is emptied by a TRUNCATE checkpoint; SQLite's own restarts cut it back
# to this size (journal_size_limit).
_WAL_LIMIT_BYTES = 64 * 1024 * 1024
# How long a TRUNCATE checkpoint waits for readers of older snapshots (writers wait with it);
# when they outlast it, the next pass tries again.
_TRUNCATE_WAIT_S = 0.2
T = TypeVar("T")
Rows = list[dict[str, Any]]


def _rows(connection: sqlite3.Connection, sql: str, values: Mapping[str, Any]) -> Rows:
    cursor = connection.execute(sql, values)
    try:
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()


def _many(connection: sqlite3.Connection, sql: str, rows: list[dict[str, Any]]) -> None:
    """``executemany``, its cursor closed here and nothing returned: a cursor handed back to
    the event loop (in a future's result) would be freed later, on some thread, resetting
    the cached statement that the next batch may be running on a worker thread."""
    connection.executemany(sql, rows).close()


def _checkpoint(connection: sqlite3.Connection, mode: str) -> tuple[int, int, int]:
    """``PRAGMA wal_checkpoint(mode)``: (busy, WAL frames, frames copied)."""
    cursor = connection.execute(f"PRAGMA wal_checkpoint({mode})")
    try:
        busy, frames, copied = cursor.fetchone()
        return busy, frames, copied
    finally:
        cursor.close()


async def _in_thread(work: Callable[..., T], *args: Any) -> T:
    """``work(*args)`` on a worker thread. If the caller is cancelled, the thread still owns
    its connection until it returns, so wait for that before letting the cancel through:
    otherwise the connection goes back to the pool (or the write lock is released) while a
    thread is still using it, and two threads in one sqlite3 connection can crash."""
    future = asyncio.get_running_loop().run_in_executor(None, work, *args)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):
            await future
        raise


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


class Sqlite:
    def __init__(self, path: pathlib.Path, *, busy_timeout_s: float) -> None:
        self._path = path
        self._timeout = busy_timeout_s
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._thread_readers: asyncio.Queue[sqlite3.Connection] = asyncio.Queue()
        self._all: list[sqlite3.Connection] = []
        self._lock = asyncio.Lock()
        self._queued: list[tuple[Callable[[], Awaitable[Any]], asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None
        self._checkpointer: asyncio.Task[None] | None = None
        self._dirty = asyncio.Event()
        self._closing = asyncio.Event()
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
        connection.execute(f"PRAGMA journal_size_limit={_WAL_LIMIT_BYTES}")
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
        self._checkpointer = asyncio.create_task(self._checkpoints(), name="sqlite-checkpoint")

    async def disconnect(self) -> None:
        if self._checkpointer is not None:  # let it finish a checkpoint it is running
            self._closing.set()
            self._dirty.set()
            await self._checkpointer
            self._checkpointer = None
        async with self._lock:
            if self._writer is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            for connection in self._all:
                connection.close()
        self._all.clear()
        self._closing.clear()
        self._thread_readers = asyncio.Queue()
        self._writer = self._reader = None

    async def _checkpoints(self) -> None:
        checkpointer = self._open(timeout_s=_TRUNCATE_WAIT_S)
        while not self._closing.is_set():
            await self._dirty.wait()
            self._dirty.clear()
            if self._closing.is_set():
                return
            with contextlib.suppress(sqlite3.Error):
                await _in_thread(_checkpoint, checkpointer, "PASSIVE")
                if self._wal_bytes() > _WAL_LIMIT_BYTES:
                    await self._truncate_wal(checkpointer)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), _CHECKPOINT_EVERY_S)

    def _wal_bytes(self) -> int:
        try:
            return os.stat(f"{self._path}-wal").st_size
        except FileNotFoundError:
            return 0

    async def _truncate_wal(self, checkpointer: sqlite3.Connection) -> None:
        """Empty the WAL, holding the write lock so that no commit of ours keeps it going;
        readers of older snapshots are waited for up to ``_TRUNCATE_WAIT_S``."""
        async with self._lock:
            busy, _, _ = await _in_thread(_checkpoint, checkpointer, "TRUNCATE")
        if busy:  # a reader outlasted the wait; the next pass tries again
            self._dirty.set()

    async def fetch_all(self, sql: str, values: Mapping[str, Any]) -> Rows:
        writer = self._current.get()
        if writer is not None:
            return await self._on_writer(writer, sql, values)
        if _WRITES.match(sql):
            async with self._autocommit() as writer:
                return await self._on_writer(writer, sql, values)
        assert self._reader is not None, "not connected"
        try:
            return _rows(self._reader, sql, values)
        except sqlite3.OperationalError as exc:
            if "interrupted" not in str(exc) and not _is_busy(exc):
                raise
        reader = await self._thread_readers.get()
        try:
            return await _in_thread(_rows, reader, sql, values)
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
            _many(writer, sql, rows)
        else:
            await _in_thread(_many, writer, sql, rows)

    async def _on_writer(
        self, writer: sqlite3.Connection, sql: str, values: Mapping[str, Any]
    ) -> Rows:
        if _HEAVY_WRITES.match(sql):
            return await _in_thread(_rows, writer, sql, values)
        return _rows(writer, sql, values)

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
                self._dirty.set()
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
                if not _is_busy(exc) or time.monotonic() + pause > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.1)

    async def grouped(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` in a transaction shared with whatever else is queued (group commit).

        Each piece of work gets a savepoint, so one that fails is undone alone; all of them
        are answered after the one COMMIT, so nothing is acknowledged before it is durable.
        """
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queued.append((work, done))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_queued(), name="sqlite-group")
        return await done  # type: ignore[no-any-return]

    async def _commit_queued(self) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            results: list[tuple[bool, Any]] = []
            try:
                async with self.transaction():
                    writer = self._current.get()
                    assert writer is not None
                    for work, _ in batch:
                        writer.execute("SAVEPOINT work")
                        try:
                            results.append((True, await work()))
                        except Exception as exc:
                            writer.execute("ROLLBACK TO work")
                            results.append((False, exc))
                        writer.execute("RELEASE work")
            except Exception as exc:  # the COMMIT itself failed: nobody's work is stored
                results = [(False, exc)] * len(batch)
            for (_, done), (ok, value) in zip(batch, results, strict=True):
                if done.done():
                    continue
                if ok:
                    done.set_result(value)
                else:
                    done.set_exception(value)

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
