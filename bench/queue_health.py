"""Queue health under a held snapshot (PostgreSQL): a backlog drained for a fixed time while
another connection holds a ``REPEATABLE READ`` transaction open, so vacuum can remove none of
the row versions the drain leaves behind. Throughput in the first and the last part of the
drain, and the dead row versions the queue tables hold at its end, beside the same drain with
no snapshot held.

A plain ``FOR UPDATE SKIP LOCKED`` queue slows as dead versions pile up in its indexes (each
claim walks past them); what the measure shows is what Tidings' queue does.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench import webhooks

TABLES = ("batches", "outbox", "messages")


async def dead_rows(connection: Any) -> dict[str, int]:
    await connection.execute("SELECT pg_stat_clear_snapshot()")
    rows = await connection.fetch(
        "SELECT relname, n_dead_tup FROM pg_stat_user_tables WHERE relname = ANY($1::text[])",
        list(TABLES),
    )
    return {row["relname"]: int(row["n_dead_tup"]) for row in rows}


async def drain(
    tidings: webhooks.Tidings,
    receiver: webhooks.Receiver,
    url: str,
    *,
    events: int,
    seconds: float,
    held: bool,
) -> dict[str, Any]:
    """Build a backlog of ``events`` (one callback, maxBatchSize 1: a batch row per event),
    release it, and count what arrives in ``seconds``; with ``held``, under a snapshot."""
    await tidings.callbacks(receiver, 1, batch_size=1, paused=True)
    await tidings.send_batches(events, prefix=f"health{int(held)}-")
    await tidings.wait_sent(events, within_s=900)
    watcher = await asyncpg.connect(url)
    holder = await asyncpg.connect(url)
    try:
        if held:
            await holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            await holder.fetchval("SELECT count(*) FROM batches")  # the snapshot is taken here
        receiver.reset()
        await tidings.resume()
        started = time.monotonic()
        counts: list[int] = []
        while time.monotonic() - started < seconds and receiver.events < events:
            await asyncio.sleep(1.0)
            counts.append(receiver.events)
        took = time.monotonic() - started
        after = await dead_rows(watcher)
        if held:
            await holder.execute("ROLLBACK")
    finally:
        await holder.close()
        await watcher.close()
    tenth = max(1, len(counts) // 10)
    first = counts[tenth - 1] / tenth
    last = (counts[-1] - counts[-1 - tenth]) / tenth if len(counts) > tenth else first
    return {
        "events_per_s": receiver.events / took,
        "first_per_s": first,
        "last_per_s": last,
        "drained": receiver.events >= events,
        "dead": after,  # at the end (autovacuum may have cleaned what no snapshot kept)
    }
