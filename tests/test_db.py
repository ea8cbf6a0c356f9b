"""The database handle: group commit keeps each piece of work atomic on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from app.storage.db import Db


async def test_grouped_work_fails_alone_and_answers_after_commit(db: Db) -> None:
    await db.execute("CREATE TABLE t (name TEXT PRIMARY KEY)")

    def work(name: str, *, fail: bool = False) -> Callable[[], Awaitable[str]]:
        async def run() -> str:
            await db.execute("INSERT INTO t (name) VALUES (:name)", {"name": name})
            if fail:
                raise ValueError(name)
            return name

        return run

    results = await asyncio.gather(
        db.grouped(work("a")),
        db.grouped(work("b", fail=True)),
        db.grouped(work("c")),
        return_exceptions=True,
    )
    assert results[0] == "a" and results[2] == "c"
    assert isinstance(results[1], ValueError)
    names = [row["name"] for row in await db.fetch_all("SELECT name FROM t ORDER BY name")]
    assert names == ["a", "c"]  # b's insert was undone, a's and c's committed
    with pytest.raises(ValueError):
        await db.grouped(work("d", fail=True))
    assert await db.fetch_val("SELECT COUNT(*) FROM t") == 2


async def test_claims_walk_the_index_not_the_backlog(db: Db) -> None:
    """EXPLAIN: both claim queries use batches_pending; neither sorts nor scans the table."""
    if db.dialect != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL runs the same statements in the webhook tests")
    from app.storage import batches

    values = {"now": 0, "callback_id": "c", "per_callback": 8}
    for sql in (batches._DUE_CALLBACKS, batches.OLDEST_DUE):
        plan = [str(r["detail"]) for r in await db.fetch_all("EXPLAIN QUERY PLAN " + sql, values)]
        reads = [line for line in plan if line.startswith(("SEARCH", "SCAN")) and "due" not in line]
        assert reads and all(
            line.startswith("SEARCH") and "USING INDEX batches_pending" in line for line in reads
        ), plan
        assert not any("TEMP B-TREE" in line for line in plan), plan


async def test_send_claims_walk_the_index_not_the_backlog(db: Db) -> None:
    """EXPLAIN: the accounts with queued messages and each one's oldest due come from
    messages_queued; no sort, no scan of the table."""
    if db.dialect != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL runs the same statements in the sending tests")
    from app.storage import send_queue

    values = {"now": 0, "account_id": 1, "limit": 8}
    for sql in (send_queue.QUEUED_ACCOUNTS, send_queue.OLDEST_QUEUED):
        plan = [str(r["detail"]) for r in await db.fetch_all("EXPLAIN QUERY PLAN " + sql, values)]
        reads = [line for line in plan if line.startswith(("SEARCH", "SCAN"))]
        reads = [line for line in reads if line != "SCAN queued"]  # the CTE's own rows
        assert reads and all(
            line.startswith("SEARCH") and "USING INDEX messages_queued" in line for line in reads
        ), plan
        assert not any("TEMP B-TREE" in line for line in plan), plan
