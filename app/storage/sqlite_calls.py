"""Blocking sqlite3 calls that close their cursors, and running one on a worker thread."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")
Rows = list[dict[str, Any]]


def rows(connection: sqlite3.Connection, sql: str, values: Mapping[str, Any]) -> Rows:
    cursor = connection.execute(sql, values)
    try:
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()


def many(connection: sqlite3.Connection, sql: str, rows: list[dict[str, Any]]) -> None:
    """``executemany``, its cursor closed here and nothing returned: a cursor handed back to
    the event loop (in a future's result) would be freed later, on some thread, resetting
    the cached statement that the next batch may be running on a worker thread."""
    connection.executemany(sql, rows).close()


def checkpoint(connection: sqlite3.Connection, mode: str) -> tuple[int, int, int]:
    """``PRAGMA wal_checkpoint(mode)``: (busy, WAL frames, frames copied)."""
    cursor = connection.execute(f"PRAGMA wal_checkpoint({mode})")
    try:
        busy, frames, copied = cursor.fetchone()
        return busy, frames, copied
    finally:
        cursor.close()


async def in_thread(work: Callable[..., T], *args: Any) -> T:
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


def is_busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)
