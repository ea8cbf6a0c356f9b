"""The database handle: an encode/databases pool for SQLite or PostgreSQL, and its dialect.

SQL is written once with ``:named`` binds; encode/databases compiles it for either driver.
SQLite runs in WAL mode with a busy timeout so readers never block the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import pathlib
import re
from collections.abc import AsyncIterator, Mapping
from typing import Any, Literal

import databases

Dialect = Literal["sqlite", "postgresql"]
Row = Mapping[str, Any]
_EXCLUSIVE_LOCK_ID = 7_105_347  # arbitrary, constant
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
# Set while this task holds the SQLite write lock inside ``Db.write()``.
_in_write: contextvars.ContextVar[bool] = contextvars.ContextVar("tidings_in_write", default=False)


class Db:
    """One database, opened by URL. Queries take raw SQL text with ``:named`` values."""

    def __init__(self, url: str, *, busy_timeout_s: float = 5.0) -> None:
        self.url = url
        self.dialect: Dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        options: dict[str, Any] = {}
        if self.dialect == "sqlite":
            # aiosqlite passes `timeout` to sqlite3, which makes it the busy timeout.
            options["timeout"] = busy_timeout_s
        else:
            options.update(min_size=1, max_size=10)
        self._database = databases.Database(url, **options)
        # SQLite allows one writer; two deferred transactions that both upgrade to writing
        # fail with "database is locked" instead of waiting, so this process queues them.
        self._write_lock = asyncio.Lock()

    @property
    def sqlite_path(self) -> pathlib.Path | None:
        if self.dialect != "sqlite":
            return None
        return pathlib.Path(self.url.split("://", 1)[1].removeprefix("/"))

    async def connect(self) -> None:
        path = self.sqlite_path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        await self._database.connect()
        if path is not None:
            # WAL is a property of the file: set once, it holds for every later connection.
            await self._database.execute("PRAGMA journal_mode=WAL")

    async def disconnect(self) -> None:
        await self._database.disconnect()

    async def fetch_one(self, sql: str, values: Mapping[str, Any] | None = None) -> Row | None:
        async with self._writing(sql):
            row = await self._database.fetch_one(sql, dict(values or {}))
        return None if row is None else row._mapping

    async def fetch_all(self, sql: str, values: Mapping[str, Any] | None = None) -> list[Row]:
        async with self._writing(sql):
            rows = await self._database.fetch_all(sql, dict(values or {}))
        return [row._mapping for row in rows]

    async def fetch_val(self, sql: str, values: Mapping[str, Any] | None = None) -> Any:
        async with self._writing(sql):
            return await self._database.fetch_val(sql, dict(values or {}))

    async def execute(self, sql: str, values: Mapping[str, Any] | None = None) -> None:
        async with self._writing(sql):
            await self._database.execute(sql, dict(values or {}))

    @contextlib.asynccontextmanager
    async def _writing(self, sql: str) -> AsyncIterator[None]:
        """A write outside ``write()`` takes the SQLite write lock for its own autocommit."""
        if self.dialect == "sqlite" and not _in_write.get() and _WRITES.match(sql):
            async with self._write_lock:
                yield
            return
        yield

    async def execute_many(self, sql: str, rows: list[dict[str, Any]]) -> None:
        """One statement for many rows, through the driver (encode/databases loops in Python).

        Inside ``transaction()`` it joins that transaction: the task's connection is reused.
        """
        if not rows:
            return
        async with self._writing(sql), self._database.connection() as connection:
            raw = connection.raw_connection
            if self.dialect == "sqlite":
                await raw.executemany(sql, rows)  # sqlite3 binds :named from dicts itself
                return
            compiled, names = _dollar_params(sql)
            await raw.executemany(compiled, [tuple(row[name] for name in names) for row in rows])

    def transaction(self) -> contextlib.AbstractAsyncContextManager[Any]:
        """One atomic unit on both dialects; queries awaited inside it join it."""
        return self._database.transaction()

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[None]:
        """A transaction that writes: serialised in-process on SQLite, concurrent on PostgreSQL."""
        if self.dialect == "postgresql":
            async with self.transaction():
                yield
            return
        if _in_write.get():  # nested: already inside this task's write transaction
            yield
            return
        async with self._write_lock, self.transaction():
            token = _in_write.set(True)
            try:
                yield
            finally:
                _in_write.reset(token)

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """A transaction that no other process runs at the same time (check-then-create steps).

        PostgreSQL takes an advisory lock; SQLite has one writer process by design.
        """
        async with self.write():
            if self.dialect == "postgresql":
                await self.execute("SELECT pg_advisory_xact_lock(:id)", {"id": _EXCLUSIVE_LOCK_ID})
            yield

    @contextlib.asynccontextmanager
    async def raw_connection(self) -> AsyncIterator[Any]:
        """The driver's own connection (aiosqlite or asyncpg), for scripts and bulk work."""
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
