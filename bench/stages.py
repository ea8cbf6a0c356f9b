"""Where send → webhook latency goes: the stages of each paced send, from the stored rows.

The bench notes when each request was written and when its webhook arrived (wall clock, ms);
the rows Tidings wrote in between carry the rest, all stamped with the same machine's clock:

    request written → accepted (messages.created_at) → claimed by the sender
    (messages.claimed_at) → provider answered (messages.sent_at) → outcome committed, dispatcher
    woken, batch formed (batches.created_at) → batch claimed (batches.claimed_at) → POST
    received (the receiver's clock)

Row times are whole milliseconds, so a stage below 1 ms reads as 0 or 1.
"""

from __future__ import annotations

import asyncio
import pathlib
import sqlite3
from typing import Any

import asyncpg  # type: ignore[import-untyped]

STAGES = (
    "request → accepted",
    "→ sender claimed",
    "→ provider answered",
    "→ batch formed (commit, wake)",
    "→ batch claimed",
    "→ POST received",
)
_QUERY = (
    "SELECT m.message_key, m.created_at, m.claimed_at, m.sent_at, b.created_at AS formed_at,"
    " b.claimed_at AS batch_claimed_at FROM messages m JOIN events e ON e.message_id = m.id"
    " JOIN outbox o ON o.event_id = e.id JOIN batches b ON b.id = o.batch_id"
    " WHERE m.message_key LIKE 'lat%'"
)


async def _rows(url: str) -> list[Any]:
    if url.startswith("sqlite"):
        path = pathlib.Path(url.split("://", 1)[1].removeprefix("/"))

        def read() -> list[Any]:
            with sqlite3.connect(path) as connection:
                connection.row_factory = sqlite3.Row
                return list(connection.execute(_QUERY))

        return await asyncio.to_thread(read)
    connection = await asyncpg.connect(url)
    try:
        return list(await connection.fetch(_QUERY))
    finally:
        await connection.close()


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    if not ordered:
        return (0.0, 0.0)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def breakdown(
    url: str, sent_at: dict[str, float], arrived: dict[str, float]
) -> dict[str, tuple[float, float]]:
    """p50 and p99 (ms) of every stage and of the whole (``total``), over the sends given;
    the stages are left out when the rows lack their columns (older code)."""
    deltas: dict[str, list[float]] = {stage: [] for stage in STAGES}
    deltas["total"] = [arrived[key] - at for key, at in sent_at.items() if key in arrived]
    try:
        rows = await _rows(url)
    except (sqlite3.Error, asyncpg.PostgresError):  # a schema before claimed_at: totals only
        rows = []
    for row in rows:
        key = row["message_key"]
        if key not in sent_at or key not in arrived:
            continue
        points = [sent_at[key], row["created_at"], row["claimed_at"], row["sent_at"],
                  row["formed_at"], row["batch_claimed_at"], arrived[key]]  # fmt: skip
        if any(point is None for point in points):
            continue
        for stage, before, after in zip(STAGES, points, points[1:], strict=False):
            deltas[stage].append(after - before)
    return {stage: percentiles(values) for stage, values in deltas.items() if values}
