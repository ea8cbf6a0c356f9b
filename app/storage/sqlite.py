"""SQLite on held aiosqlite connections: one writer, a few readers.

encode/databases opens a new SQLite connection for every query outside a transaction, which
caps a request at a few hundred per second here (reference/performance.md: 521 vs 9.7k
single-row inserts per second on a held connection). This keeps the connections open:

- every write (an autocommit statement or a ``transaction()``) runs on the one writer
  connection, serialised by an asyncio lock, so SQLite never sees two writers
  ("database is locked" cannot happen in this process);
- reads outside a transaction go to a small pool of reader connections, which WAL lets run
  alongside the writer;
- inside a transaction every query, read or write, uses the writer connection and so sees
  the transaction's own changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import pathlib
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, TypeVar

import aiosqlite

_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA)\b", re.I)
_READERS = 4
T = TypeVar("T")


class Sqlite:
    def __init__(self, path: pathlib.Path, *, busy_timeout_s: float) -> None:
        self._path = path
        self._timeout = busy_timeout_s
        self._writer: aiosqlite.Connection | None = None
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all_readers: list[aiosqlite.Connection] = []
        self._lock = asyncio.Lock()
        self._queued: list[tuple[Callable[[], Awaitable[Any]], asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None
        # The writer connection while this task is inside transaction().
        self._current: contextvars.ContextVar[aiosqlite.Connection | None] = contextvars.ContextVar(
            f"sqlite_tx_{id(self)}", default=None
        )

    async def _open(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(
            self._path, timeout=self._timeout, isolation_level=None
        )
        # WAL: readers never block the writer. NORMAL: a commit survives the process being
        # killed (the WAL is written before COMMIT returns); only an OS crash can lose the last.
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    async def connect(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._open()
        for _ in range(_READERS):
            reader = await self._open()
            self._all_readers.append(reader)
            self._readers.put_nowait(reader)

    async def disconnect(self) -> None:
        for connection in [*self._all_readers, self._writer]:
            if connection is not None:
                await connection.close()
        self._all_readers.clear()
        self._readers = asyncio.Queue()
        self._writer = None

    @contextlib.asynccontextmanager
    async def _connection(self, sql: str) -> AsyncIterator[aiosqlite.Connection]:
        current = self._current.get()
        if current is not None:
            yield current
        elif _WRITES.match(sql):
            assert self._writer is not None, "not connected"
            async with self._lock:
                yield self._writer
        else:
            reader = await self._readers.get()
            try:
                yield reader
            finally:
                self._readers.put_nowait(reader)

    async def fetch_all(self, sql: str, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        async with self._connection(sql) as connection:
            cursor = await connection.execute(sql, dict(values))
            try:
                rows = await cursor.fetchall()
                names = [d[0] for d in cursor.description or ()]
            finally:
                await cursor.close()
        return [dict(zip(names, row, strict=True)) for row in rows]

    async def execute(self, sql: str, values: Mapping[str, Any]) -> None:
        async with self._connection(sql) as connection:
            await connection.execute(sql, dict(values))

    async def execute_many(self, sql: str, rows: list[dict[str, Any]]) -> None:
        async with self._connection(sql) as connection:
            await connection.executemany(sql, rows)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """BEGIN IMMEDIATE on the writer; nested calls join the outer transaction."""
        if self._current.get() is not None:
            yield
            return
        assert self._writer is not None, "not connected"
        async with self._lock:
            token = self._current.set(self._writer)
            try:
                await self._writer.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    await self._writer.execute("ROLLBACK")
                    raise
                await self._writer.execute("COMMIT")
            finally:
                self._current.reset(token)

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
                    assert self._writer is not None
                    for work, _ in batch:
                        await self._writer.execute("SAVEPOINT work")
                        try:
                            results.append((True, await work()))
                        except Exception as exc:
                            await self._writer.execute("ROLLBACK TO work")
                            results.append((False, exc))
                        await self._writer.execute("RELEASE work")
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
    async def raw_connection(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writer, for scripts that manage their own transactions (migrations)."""
        assert self._writer is not None, "not connected"
        async with self._lock:
            yield self._writer


Error = sqlite3.Error
