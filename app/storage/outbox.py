"""SQL for the outbox: one row per (callback, event) owed, until a batch carries it."""

from __future__ import annotations

import dataclasses

from app.storage.db import Db, values_of


@dataclasses.dataclass(frozen=True)
class Entry:
    """One event to deliver to one callback (``held``: buffered by a paused subscription)."""

    account_id: int
    callback_id: str
    event_id: int
    subscription_id: str | None
    held: bool
    created_at: int


async def insert_rows(db: Db, rows: list[Entry]) -> None:
    await db.execute_many(
        "INSERT INTO outbox (account_id, callback_id, event_id, subscription_id, held, batch_id,"
        " created_at) VALUES (:account_id, :callback_id, :event_id, :subscription_id, :held,"
        " NULL, :created_at)",
        [values_of(row) | {"held": int(row.held)} for row in rows],
    )


async def for_batch(db: Db, batch_id: str) -> list[Entry]:
    """The rows a batch carries, in order (a replay of the batch queues them again)."""
    rows = await db.fetch_all(
        "SELECT account_id, callback_id, event_id, subscription_id, held, created_at"
        " FROM outbox WHERE batch_id = :batch_id ORDER BY id",
        {"batch_id": batch_id},
    )
    return [
        Entry(
            account_id=int(row["account_id"]), callback_id=row["callback_id"],
            event_id=int(row["event_id"]), subscription_id=row["subscription_id"],
            held=bool(row["held"]), created_at=int(row["created_at"]),
        )
        for row in rows
    ]  # fmt: skip


async def callbacks_with_unbatched(db: Db, *, above: int = 0) -> list[str]:
    """Callbacks with rows to batch, among the rows with ids above ``above``."""
    rows = await db.fetch_all(
        "SELECT DISTINCT callback_id FROM outbox WHERE batch_id IS NULL AND held = 0"
        " AND id > :above",
        {"above": above},
    )
    return [row["callback_id"] for row in rows]


async def release_held(db: Db, subscription_id: str) -> None:
    await db.execute(
        "UPDATE outbox SET held = 0 WHERE subscription_id = :id AND held = 1",
        {"id": subscription_id},
    )


@dataclasses.dataclass(frozen=True)
class Backlog:
    events: int  # not yet delivered: unbatched, held, or in a pending/sending batch
    held: int
    failed_batches: int
    oldest_created_at: int | None


async def backlog(db: Db, callback_id: str) -> Backlog:
    row = await db.fetch_one(
        "SELECT COUNT(*) AS n, SUM(CASE WHEN o.held = 1 THEN 1 ELSE 0 END) AS held,"
        " MIN(o.created_at) AS oldest FROM outbox o LEFT JOIN batches b ON b.id = o.batch_id"
        " WHERE o.callback_id = :callback_id"
        " AND (o.batch_id IS NULL OR b.status IN ('pending', 'sending'))",
        {"callback_id": callback_id},
    )
    failed = await db.fetch_val(
        "SELECT COUNT(*) FROM batches WHERE callback_id = :callback_id AND status = 'failed'",
        {"callback_id": callback_id},
    )
    assert row is not None
    return Backlog(
        events=int(row["n"] or 0),
        held=int(row["held"] or 0),
        failed_batches=int(failed or 0),
        oldest_created_at=None if row["oldest"] is None else int(row["oldest"]),
    )
