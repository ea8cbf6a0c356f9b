"""SQLite's held connections: worker-thread batches leave nothing behind on the writer, and
the WAL stays bounded while readers are always active."""

from __future__ import annotations

import asyncio
import pathlib
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from app.storage import sqlite_calls, sqlite_wal
from app.storage.db import Db

INSERT = "INSERT INTO t (a, b) VALUES (:a, :b)"


@pytest.fixture
async def sqlite_db(tmp_path: pathlib.Path) -> AsyncIterator[Db]:
    handle = Db(f"sqlite:///{tmp_path / 'tidings.db'}")
    await handle.connect()
    await handle.execute("CREATE TABLE t (a TEXT, b TEXT)")
    yield handle
    await handle.disconnect()


def _rows(start: int, count: int, width: int = 40) -> list[dict[str, str]]:
    return [{"a": f"{start + i}", "b": "x" * width} for i in range(count)]


async def test_a_batch_on_a_worker_thread_survives_the_previous_one_being_freed(
    sqlite_db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever a worker-thread call returns is kept by futures and freed later, on the loop
    thread or another worker. Forced here: the previous call's result is freed while the next
    batch runs on a worker thread. A cursor returned by ``executemany`` reset the statement
    that batch was running ("bad parameter or other API misuse", a 500 for the send)."""
    kept: list[Any] = []

    async def freeing_the_last_result_midway(work: Callable[..., Any], *args: Any) -> Any:
        started = threading.Event()

        def run() -> Any:
            started.set()
            return work(*args)

        future = asyncio.get_running_loop().run_in_executor(None, run)
        while not started.is_set():
            await asyncio.sleep(0)
        await asyncio.sleep(0.001)  # inside executemany (20,000 rows take far longer)
        kept.clear()  # what the previous call returned goes, here on the loop thread
        result = await future
        kept.append(result)
        return result

    monkeypatch.setattr(sqlite_calls, "in_thread", freeing_the_last_result_midway)
    for round_ in range(8):
        await sqlite_db.execute_many(INSERT, _rows(round_ * 20_000, 20_000))
    assert await sqlite_db.fetch_val("SELECT COUNT(*) FROM t") == 8 * 20_000


def _reading(path: pathlib.Path, stop: threading.Event) -> None:
    """One reader on its own connection, inside a read transaction nearly all the time."""
    connection = sqlite3.connect(path, isolation_level=None)
    while not stop.is_set():
        connection.execute("BEGIN")
        connection.execute("SELECT COUNT(*) FROM t").fetchone()
        time.sleep(0.002)
        connection.execute("COMMIT")
    connection.close()


async def test_the_wal_stays_bounded_while_readers_never_stop(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of rows in hundreds of commits while a reader is always active (so a PASSIVE
    checkpoint never gets to start the WAL over): the -wal file stays near the limit during
    the load and is back under it after."""
    limit = 256 * 1024
    monkeypatch.setattr(sqlite_wal, "LIMIT_BYTES", limit)
    monkeypatch.setattr(sqlite_wal, "EVERY_S", 0.02)
    path = tmp_path / "tidings.db"
    db = Db(f"sqlite:///{path}")
    await db.connect()
    wal = pathlib.Path(f"{path}-wal")
    stop = threading.Event()
    readers = [threading.Thread(target=_reading, args=(path, stop)) for _ in range(2)]
    try:
        await db.execute("CREATE TABLE t (a TEXT, b TEXT)")
        for reader in readers:  # two, overlapping: some read is always under way
            reader.start()
            await asyncio.sleep(0.001)
        largest = 0
        for commit in range(400):  # ≈ 16 MB of pages written
            async with db.write():
                await db.execute_many(INSERT, _rows(commit * 10, 10, width=400))
            largest = max(largest, wal.stat().st_size)
            await asyncio.sleep(0.001)
        assert await db.fetch_val("SELECT COUNT(*) FROM t") == 4000
        assert largest < 8 * limit, largest  # the limit and a few checkpoint intervals' writes
        deadline = time.monotonic() + 5
        while wal.stat().st_size > limit and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert wal.stat().st_size <= limit
    finally:
        stop.set()
        for reader in readers:
            if reader.is_alive():
                reader.join()
        await db.disconnect()
