"""Driver failures a retry can fix leave ``app.storage`` as one error, ``StorageUnavailable``,
with the driver's exception chained; programming errors stay the driver's own."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from app.errors import StorageUnavailable
from app.storage.db import Db
from bench.pg import free_port


async def test_sqlite_locked_past_the_timeout_is_storage_unavailable(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path}/locked.db"
    db = Db(url, busy_timeout_s=0.1)
    await db.connect()
    other = sqlite3.connect(Db.sqlite_path_of(url), isolation_level=None)
    try:
        await db.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with pytest.raises(StorageUnavailable) as in_transaction:
            async with db.write():
                await db.execute("INSERT INTO t VALUES (1)")
        assert isinstance(in_transaction.value.__cause__, sqlite3.OperationalError)
        with pytest.raises(StorageUnavailable):
            await db.execute("INSERT INTO t VALUES (1)")
        other.execute("COMMIT")
        await db.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(sqlite3.IntegrityError):  # a bug or a race the caller handles
            await db.execute("INSERT INTO t VALUES (1)")
    finally:
        other.close()
        await db.disconnect()


async def test_postgresql_down_is_storage_unavailable() -> None:
    db = Db(f"postgresql://tidings@127.0.0.1:{free_port()}/none")
    with pytest.raises(StorageUnavailable) as caught:
        await db.connect()
    assert isinstance(caught.value.__cause__, OSError)
