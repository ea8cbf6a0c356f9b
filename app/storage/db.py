"""The database handle for SQLite or PostgreSQL, and its dialect.

SQL is written once with ``:named`` binds. PostgreSQL goes through an encode/databases pool
(which compiles the binds for asyncpg); SQLite through held sqlite3 connections
(``app.storage.sqlite``), since sqlite3 takes ``:named`` binds itself.
"""

from __future__ import annotations

import contextlib
import pathlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Literal, TypeVar

import databases

from app.storage import sqlite

Dialect = Literal["sqlite", "postgresql"]
T = TypeVar("T")
Row = Mapping[str, Any]
_EXCLUSIVE_LOCK_ID = 7_105_347  # arbitrary, constant


class Db:
    """One database, opened by URL. Queries take raw SQL text with ``:named`` values."""

    def __init__(self, url: str, *, busy_timeout_s: float = 5.0) -> None:
        self.url = url
        self.dialect: Dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        self._sqlite: sqlite.Sqlite | None = None
        self._database: databases.Database
        if self.dialect == "sqlite":
            self._sqlite = sqlite.Sqlite(self.sqlite_path_of(url), busy_timeout_s=busy_timeout_s)
        else:
            self._database = databases.Database(url, min_size=1, max_size=10)

    @staticmethod
    def sqlite_path_of(url: str) -> pathlib.Path:
        return pathlib.Path(url.split("://", 1)[1].removeprefix("/"))

    @property
    def sqlite_path(self) -> pathlib.Path | None:
        return self.sqlite_path_of(self.url) if self.dialect == "sqlite" else None

    async def connect(self) -> None:
        if self._sqlite is not None:
            await self._sqlite.connect()
        else:
            await self._database.connect()

    async def disconnect(self) -> None:
        if self._sqlite is not None:
            await self._sqlite.disconnect()
        else:
            await self._database.disconnect()

    async def fetch_one(self, sql: str, values: Mapping[str, Any] | None = None) -> Row | None:
        rows = await self.fetch_all(sql, values)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, values: Mapping[str, Any] | None = None) -> list[Row]:
        if self._sqlite is not None:
            return await self._sqlite.fetch_all(sql, values or {})  # type: ignore[return-value]
        rows = await self._database.fetch_all(sql, dict(values or {}))
        return [row._mapping for row in rows]

    async def fetch_val(self, sql: str, values: Mapping[str, Any] | None = None) -> Any:
        if self._sqlite is not None:
            rows = await self._sqlite.fetch_all(sql, values or {})
            return next(iter(rows[0].values())) if rows else None
        return await self._database.fetch_val(sql, dict(values or {}))

    async def execute(self, sql: str, values: Mapping[str, Any] | None = None) -> None:
        if self._sqlite is not None:
            await self._sqlite.execute(sql, values or {})
        else:
            await self._database.execute(sql, dict(values or {}))

    async def execute_many(self, sql: str, rows: list[dict[str, Any]]) -> None:
        """One statement for many rows, through the driver (encode/databases loops in Python).

        Inside ``transaction()`` it joins that transaction.
        """
        if not rows:
            return
        if self._sqlite is not None:
            await self._sqlite.execute_many(sql, rows)
            return
        async with self._database.connection() as connection:
            compiled, names = _dollar_params(sql)
            await connection.raw_connection.executemany(
                compiled, [tuple(row[name] for name in names) for row in rows]
            )

    def transaction(self) -> contextlib.AbstractAsyncContextManager[Any]:
        """One atomic unit on both dialects; queries awaited inside it join it."""
        if self._sqlite is not None:
            return self._sqlite.transaction()
        return self._database.transaction()

    @contextlib.asynccontextmanager
    async def write(self, *, durable: bool = True) -> AsyncIterator[None]:
        """A transaction that writes: one writer at a time on SQLite, concurrent on PostgreSQL.

        ``durable=False`` is for bookkeeping that is redone if lost (claims, batch forming):
        PostgreSQL then commits without waiting for its WAL flush (``synchronous_commit``
        off for this transaction). Losing it takes a PostgreSQL crash, not ours, and the next
        durable commit flushes it anyway, since the WAL is written in order. On SQLite every
        commit is already written to the WAL without an fsync (``synchronous=NORMAL``).
        """
        async with self.transaction():
            if not durable and self.dialect == "postgresql":
                await self.execute("SET LOCAL synchronous_commit = off")
            yield

    async def grouped(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` in a write transaction, on SQLite one shared with other queued work
        (group commit: one COMMIT for everything waiting); returns once it is committed."""
        if self._sqlite is not None:
            return await self._sqlite.grouped(work)
        async with self.transaction():
            return await work()

    @contextlib.asynccontextmanager
    async def exclusive(self, *, durable: bool = True) -> AsyncIterator[None]:
        """A transaction that no other process runs at the same time (check-then-create steps).

        PostgreSQL takes an advisory lock; SQLite has one writer process by design.
        """
        async with self.write(durable=durable):
            if self.dialect == "postgresql":
                await self.execute("SELECT pg_advisory_xact_lock(:id)", {"id": _EXCLUSIVE_LOCK_ID})
            yield

    @contextlib.asynccontextmanager
    async def raw_connection(self) -> AsyncIterator[Any]:
        """The driver's own connection (blocking sqlite3, or asyncpg), for scripts and bulk work."""
        if self._sqlite is not None:
            async with self._sqlite.raw_connection() as raw:
                yield raw
            return
        async with self._database.connection() as connection:
            yield connection.raw_connection


def insert_statement(table: str, columns: list[str]) -> str:
    """``INSERT INTO table (a, b) VALUES (:a, :b)`` for rows given as dicts."""
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    )


_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def _dollar_params(sql: str) -> tuple[str, list[str]]:
    """``:name`` binds rewritten as asyncpg's ``$n``, with the names in order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    return _NAMED.sub(number, sql), names
