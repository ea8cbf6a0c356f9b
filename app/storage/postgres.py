"""PostgreSQL on an asyncpg pool.

This replaced encode/databases, which leaks a pooled connection whenever COMMIT or ROLLBACK
fails (databases 0.9.0, ``Transaction.commit``/``rollback`` skip releasing the connection when
the driver call raises): after a PostgreSQL restart under load the pool emptied and every
request then waited forever (``tests/test_faults.py`` found it). Here the pool's own
``acquire()`` context returns (or discards) the connection whatever happens inside.

SQL keeps ``:named`` binds; they are rewritten once per statement into asyncpg's ``$n``.
Inside ``transaction()`` every query uses that transaction's connection; nested calls join
the outer transaction, as on SQLite.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]

from app.errors import StorageUnavailable

# Failures a retry can fix (down, restarting, out of connections); they leave storage as
# StorageUnavailable (here and in Db). A programming error (bad SQL) stays the driver's, a
# 500, so that it is noticed.
UNAVAILABLE: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,  # a connection cut mid-protocol by a restart
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.CannotConnectNowError,
    ConnectionError,
)

T = TypeVar("T")
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_ACQUIRE_TIMEOUT_S = 10.0  # all connections busy this long: a 503, not a hang


@functools.lru_cache(maxsize=2048)
def dollar_params(sql: str) -> tuple[str, tuple[str, ...]]:
    """``:name`` binds rewritten as asyncpg's ``$n``, with the names in order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    return _NAMED.sub(number, sql), tuple(names)


async def _keep_session(connection: Any) -> None:
    """What a connection needs when it goes back to the pool: nothing past what asyncpg does
    anyway (an open transaction rolled back). Its default reset is a round trip per release
    (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL) undoing session state Tidings never
    sets: locks are transaction-level, settings ``SET LOCAL``, LISTEN on its own connection."""


class Postgres:
    def __init__(self, url: str, *, max_size: int = 10) -> None:
        self._url = url
        self._max_size = max_size
        self._pool: Any = None
        self._current: contextvars.ContextVar[Any] = contextvars.ContextVar(
            f"pg_tx_{id(self)}", default=None
        )

    async def connect(self) -> None:
        self._pool = await asyncpg.create_pool(
            self._url, min_size=1, max_size=self._max_size, reset=_keep_session
        )

    async def disconnect(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await pool.close()
            except Exception:  # a connection that cannot close politely is cut
                pool.terminate()

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        current = self._current.get()
        if current is not None:
            yield current
            return
        assert self._pool is not None, "not connected"
        async with self._pool.acquire(timeout=_ACQUIRE_TIMEOUT_S) as connection:
            yield connection

    async def fetch_all(self, sql: str, values: Mapping[str, Any]) -> list[Any]:
        compiled, names = dollar_params(sql)
        async with self._connection() as connection:
            return list(await connection.fetch(compiled, *(values[n] for n in names)))

    async def execute(self, sql: str, values: Mapping[str, Any]) -> None:
        compiled, names = dollar_params(sql)
        async with self._connection() as connection:
            await connection.execute(compiled, *(values[n] for n in names))

    async def execute_many(self, sql: str, rows: list[dict[str, Any]]) -> None:
        compiled, names = dollar_params(sql)
        async with self._connection() as connection:
            await connection.executemany(compiled, [tuple(row[n] for n in names) for row in rows])

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self._current.get() is not None:
            yield
            return
        try:
            async with self._connection() as connection:
                token = self._current.set(connection)
                try:
                    async with connection.transaction():
                        yield
                finally:
                    self._current.reset(token)
        except UNAVAILABLE as exc:  # no connection, or BEGIN or COMMIT failed
            raise StorageUnavailable(str(exc)) from exc

    async def grouped(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` in a transaction of its own, or in the caller's when there is one.

        Not a group commit as on SQLite: the statements of a group run one after another on
        its one connection, so a group of n costs n times the round trips of one and the
        process's writes would queue behind it (measured: sends waited seconds to be accepted
        at 100/s on a busy machine). Separate transactions run side by side on the pool.
        """
        async with self.transaction():
            return await work()

    @contextlib.asynccontextmanager
    async def raw_connection(self) -> AsyncIterator[Any]:
        async with self._connection() as connection:
            yield connection
