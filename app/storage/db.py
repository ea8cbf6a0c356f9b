"""The database handle for SQLite or PostgreSQL, and its dialect.

SQL is written once with ``:named`` binds. PostgreSQL goes through an asyncpg pool
(``app.storage.postgres``, which rewrites the binds as ``$n``); SQLite through held sqlite3
connections (``app.storage.sqlite``), since sqlite3 takes ``:named`` binds itself. A driver
failure that a retry can fix leaves this module as one error, ``StorageUnavailable``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import pathlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Literal, TypeVar

from app import ids
from app.errors import StorageUnavailable
from app.storage import postgres, sqlite

Dialect = Literal["sqlite", "postgresql"]
T = TypeVar("T")
Row = Mapping[str, Any]
_EXCLUSIVE_LOCK_ID = 7_105_347  # arbitrary, constant
_UNAVAILABLE = sqlite.UNAVAILABLE + postgres.UNAVAILABLE


class Db:
    """One database, opened by URL. Queries take raw SQL text with ``:named`` values."""

    def __init__(self, url: str, *, busy_timeout_s: float = 5.0) -> None:
        self.url = url
        self.token = ids.hex32()  # signs this handle's NOTIFYs (app.storage.listen)
        self.dialect: Dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        self._sqlite: sqlite.Sqlite | None = None
        self._backend: sqlite.Sqlite | postgres.Postgres
        if self.dialect == "sqlite":
            self._sqlite = sqlite.Sqlite(self.sqlite_path_of(url), busy_timeout_s=busy_timeout_s)
            self._backend = self._sqlite
        else:
            self._backend = postgres.Postgres(url)

    @staticmethod
    def sqlite_path_of(url: str) -> pathlib.Path:
        return pathlib.Path(url.split("://", 1)[1].removeprefix("/"))

    async def connect(self) -> None:
        try:
            await self._backend.connect()
        except _UNAVAILABLE as exc:
            raise StorageUnavailable(str(exc)) from exc

    async def disconnect(self) -> None:
        await self._backend.disconnect()

    async def fetch_one(self, sql: str, values: Mapping[str, Any] | None = None) -> Row | None:
        rows = await self.fetch_all(sql, values)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, values: Mapping[str, Any] | None = None) -> list[Row]:
        try:
            return await self._backend.fetch_all(sql, values or {})  # type: ignore[return-value]
        except _UNAVAILABLE as exc:
            raise StorageUnavailable(str(exc)) from exc

    async def fetch_val(self, sql: str, values: Mapping[str, Any] | None = None) -> Any:
        rows = await self.fetch_all(sql, values)
        return next(iter(rows[0].values())) if rows else None

    async def execute(self, sql: str, values: Mapping[str, Any] | None = None) -> None:
        try:
            await self._backend.execute(sql, values or {})
        except _UNAVAILABLE as exc:
            raise StorageUnavailable(str(exc)) from exc

    async def ping(self) -> None:
        """A round trip to the database (readiness); raises ``StorageUnavailable`` when it fails."""
        await self.fetch_val("SELECT 1")

    async def execute_many(self, sql: str, rows: list[dict[str, Any]]) -> None:
        """One statement for many rows, through the driver; inside ``transaction()`` it joins
        that transaction."""
        if rows:
            try:
                await self._backend.execute_many(sql, rows)
            except _UNAVAILABLE as exc:
                raise StorageUnavailable(str(exc)) from exc

    def transaction(self) -> contextlib.AbstractAsyncContextManager[None]:
        """One atomic unit on both dialects; queries awaited inside it join it (nested calls
        join the outer one). A failed BEGIN or COMMIT raises ``StorageUnavailable``."""
        return self._backend.transaction()

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
        """Run ``work`` in a write transaction shared with other queued work (group commit:
        one COMMIT for everything waiting); returns once it is committed."""
        try:
            return await self._backend.grouped(work)
        except _UNAVAILABLE as exc:  # the shared transaction failed around this work
            raise StorageUnavailable(str(exc)) from exc

    async def grouped_statement(self, work: Callable[[], Awaitable[T]]) -> T:
        """``work`` of one write statement: grouped on SQLite (one COMMIT for the writes queued
        with it); on PostgreSQL run as it is, a statement that commits itself (one round trip,
        where ``grouped``'s transaction of its own takes three)."""
        if self.dialect == "postgresql":
            return await work()
        return await self.grouped(work)

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
        async with self._backend.raw_connection() as raw:
            yield raw


def insert_statement(table: str, columns: list[str]) -> str:
    """``INSERT INTO table (a, b) VALUES (:a, :b)`` for rows given as dicts."""
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    )


def values_of(record: Any) -> dict[str, Any]:
    """A dataclass row's fields by name, shallow: ``dataclasses.asdict`` deep-copies every
    nested dict and list, which the callers only serialise (a tenth of a delivered message's
    time went to copying its event's ``info`` and the subscriber's attributes)."""
    return {name: getattr(record, name) for name in field_names(type(record))}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(kind: type) -> tuple[str, ...]:
    """A dataclass's field names, looked up once per class."""
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


def in_list(name: str, values: list[Any]) -> tuple[str, dict[str, Any]]:
    """``(:name0, :name1, …)`` and its binds, for ``column IN`` over ``values`` (at most
    ``IN_LIST_MAX`` of them, which both dialects take in one statement)."""
    assert len(values) <= IN_LIST_MAX
    binds = {f"{name}{i}": value for i, value in enumerate(values)}
    return "(" + ", ".join(":" + bind for bind in binds) + ")", binds


IN_LIST_MAX = 500
