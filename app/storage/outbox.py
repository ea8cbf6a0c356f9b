"""SQL for webhook delivery: outbox rows per (callback, event), batches, and attempts."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from app.storage import events
from app.storage.db import Db, Row, insert_statement

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"


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
        [dataclasses.asdict(row) | {"held": int(row.held)} for row in rows],
    )


@dataclasses.dataclass(frozen=True)
class Batch:
    id: str  # also the webhook-id header: stable across retries
    account_id: int
    callback_id: str
    status: str
    event_count: int
    first_outbox_id: int
    attempts: int
    next_attempt_at: int
    created_at: int
    updated_at: int
    lease_until: int | None = None
    last_status: int | None = None
    last_error: str | None = None
    delivered_at: int | None = None

    @classmethod
    def from_row(cls, row: Row) -> Batch:
        return cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})


async def callbacks_with_unbatched(db: Db) -> list[str]:
    rows = await db.fetch_all(
        "SELECT DISTINCT callback_id FROM outbox WHERE batch_id IS NULL AND held = 0"
    )
    return [row["callback_id"] for row in rows]


async def has_open_batch(db: Db, callback_id: str) -> bool:
    found = await db.fetch_val(
        "SELECT 1 FROM batches WHERE callback_id = :callback_id"
        " AND status IN ('pending', 'sending') LIMIT 1",
        {"callback_id": callback_id},
    )
    return found is not None


_BATCH_COLUMNS = [f.name for f in dataclasses.fields(Batch)]


async def form_batches(
    db: Db, *, account_id: int, callback_id: str, size: int, count: int, now: int
) -> int:
    """The callback's oldest unbatched rows become up to ``count`` pending batches of up to
    ``size`` rows each; the number formed. Call under ``Db.exclusive()``: one former at a time.

    One read and two driver-level batches per call, whatever the number of batches (one
    statement per batch made forming, not POSTing, the limit with maxBatchSize 1).
    """
    rows = await db.fetch_all(
        "SELECT id FROM outbox WHERE callback_id = :callback_id AND batch_id IS NULL"
        " AND held = 0 ORDER BY id LIMIT :limit",
        {"callback_id": callback_id, "limit": size * count},
    )
    ids = [int(row["id"]) for row in rows]
    batches: list[dict[str, Any]] = []
    assignments: list[dict[str, Any]] = []
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        batch_id = "msg_" + uuid.uuid4().hex
        assignments += [{"batch_id": batch_id, "id": outbox_id} for outbox_id in chunk]
        batches.append(
            {name: None for name in _BATCH_COLUMNS}
            | {
                "id": batch_id,
                "account_id": account_id,
                "callback_id": callback_id,
                "status": PENDING,
                "event_count": len(chunk),
                "first_outbox_id": chunk[0],
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
    await db.execute_many("UPDATE outbox SET batch_id = :batch_id WHERE id = :id", assignments)
    await db.execute_many(insert_statement("batches", _BATCH_COLUMNS), batches)
    return len(batches)


_DUE_CALLBACKS = (
    "WITH RECURSIVE due(callback_id) AS ("
    " SELECT MIN(callback_id) FROM batches WHERE status = 'pending' AND next_attempt_at <= :now"
    " UNION ALL SELECT (SELECT MIN(b.callback_id) FROM batches b WHERE b.status = 'pending'"
    " AND b.next_attempt_at <= :now AND b.callback_id > due.callback_id)"
    " FROM due WHERE due.callback_id IS NOT NULL"
    ") SELECT callback_id FROM due WHERE callback_id IS NOT NULL"
)
OLDEST_DUE = (
    "SELECT id, account_id, next_attempt_at, first_outbox_id FROM batches"
    " WHERE callback_id = :callback_id AND status = 'pending' AND next_attempt_at <= :now"
    " ORDER BY next_attempt_at, first_outbox_id LIMIT :per_callback"
)


async def due_batches(
    db: Db, *, now: int, per_callback: int, skip_callbacks: set[str]
) -> list[tuple[int, str]]:
    """``(account_id, batch id)`` of due batches, oldest first, at most ``per_callback`` per
    callback, leaving out ``skip_callbacks`` (disabled, or at their concurrency here).

    Two index walks on ``batches_pending``: the callbacks with due batches (a skip scan),
    then each one's oldest ``per_callback``; the cost follows the number of callbacks, not
    the size of the backlog."""
    due = [row["callback_id"] for row in await db.fetch_all(_DUE_CALLBACKS, {"now": now})]
    found: list[tuple[int, int, int, str]] = []
    for callback_id in due:
        if callback_id in skip_callbacks:
            continue
        rows = await db.fetch_all(
            OLDEST_DUE, {"callback_id": callback_id, "now": now, "per_callback": per_callback}
        )
        found += [
            (r["next_attempt_at"], r["first_outbox_id"], int(r["account_id"]), r["id"])
            for r in rows
        ]
    return [(account_id, batch_id) for *_, account_id, batch_id in sorted(found)]


async def claim(db: Db, batch_ids: list[str], *, now: int, lease_ms: int) -> list[Batch]:
    """Lease these batches if still pending (SKIP LOCKED on PostgreSQL), in the order given."""
    if not batch_ids:
        return []
    ids = {f"b{i}": batch_id for i, batch_id in enumerate(batch_ids)}
    skip_locked = " FOR UPDATE SKIP LOCKED" if db.dialect == "postgresql" else ""
    rows = await db.fetch_all(
        "UPDATE batches SET status = 'sending', lease_until = :lease_until,"
        " attempts = attempts + 1, updated_at = :now WHERE id IN (SELECT id FROM batches"
        f" WHERE id IN ({', '.join(':' + name for name in ids)}) AND status = 'pending'"
        f"{skip_locked}) RETURNING *",
        {"now": now, "lease_until": now + lease_ms, **ids},
    )
    order = {batch_id: i for i, batch_id in enumerate(batch_ids)}
    return sorted((Batch.from_row(row) for row in rows), key=lambda b: order[b.id])


async def batch_events(db: Db, batch_id: str) -> list[events.Event]:
    rows = await db.fetch_all(
        "SELECT e.* FROM outbox o JOIN events e ON e.id = o.event_id"
        " WHERE o.batch_id = :batch_id ORDER BY o.id",
        {"batch_id": batch_id},
    )
    return [events.Event.from_row(row) for row in rows]


async def release(db: Db, batch_id: str, *, now: int) -> None:
    """A claimed batch this process gives up on (it is stopping): due again at once."""
    await db.execute(
        "UPDATE batches SET status = 'pending', lease_until = NULL, next_attempt_at = :now,"
        " updated_at = :now WHERE id = :id AND status = 'sending'",
        {"id": batch_id, "now": now},
    )


async def settle_batch(
    db: Db,
    batch_id: str,
    *,
    status: str,
    now: int,
    next_attempt_at: int | None = None,
    last_status: int | None = None,
    last_error: str | None = None,
) -> None:
    """After an attempt: delivered, failed for good, or pending again at ``next_attempt_at``."""
    await db.execute(
        "UPDATE batches SET status = :status, lease_until = NULL, updated_at = :now,"
        " next_attempt_at = COALESCE(:next_attempt_at, next_attempt_at),"
        " last_status = :last_status, last_error = :last_error,"
        " delivered_at = CASE WHEN :status = 'delivered' THEN :now ELSE delivered_at END"
        " WHERE id = :id",
        {
            "id": batch_id,
            "status": status,
            "now": now,
            "next_attempt_at": next_attempt_at,
            "last_status": last_status,
            "last_error": last_error,
        },
    )


async def reclaim_expired(db: Db, *, now: int) -> int:
    rows = await db.fetch_all(
        "UPDATE batches SET status = 'pending', lease_until = NULL, next_attempt_at = :now"
        " WHERE status = 'sending' AND lease_until < :now RETURNING id",
        {"now": now},
    )
    return len(rows)


async def release_held(db: Db, subscription_id: str) -> None:
    await db.execute(
        "UPDATE outbox SET held = 0 WHERE subscription_id = :id AND held = 1",
        {"id": subscription_id},
    )


async def retry_now(db: Db, callback_id: str, *, now: int) -> None:
    """A re-enabled callback's waiting batches are due at once."""
    await db.execute(
        "UPDATE batches SET next_attempt_at = :now WHERE callback_id = :callback_id"
        " AND status = 'pending'",
        {"callback_id": callback_id, "now": now},
    )


@dataclasses.dataclass(frozen=True)
class Attempt:
    account_id: int
    callback_id: str
    batch_id: str | None  # None for a test send
    attempted_at: int
    event_count: int
    ok: bool
    status_code: int | None
    latency_ms: int
    error_class: str | None
    response_excerpt: str | None
    id: int | None = None

    @classmethod
    def from_row(cls, row: Row) -> Attempt:
        fields = {f.name: row[f.name] for f in dataclasses.fields(cls)}
        fields["ok"] = bool(fields["ok"])
        return cls(**fields)


async def insert_attempt(db: Db, attempt: Attempt) -> None:
    values = dataclasses.asdict(attempt)
    values.pop("id")
    values["ok"] = int(attempt.ok)
    columns = list(values)
    await db.execute(insert_statement("attempts", columns), values)


async def attempts_page(
    db: Db, callback_id: str, *, limit: int, before_id: int | None
) -> list[Attempt]:
    """Newest first; ``before_id`` pages back."""
    where = "callback_id = :callback_id"
    values: dict[str, Any] = {"callback_id": callback_id, "limit": limit}
    if before_id is not None:
        where += " AND id < :before_id"
        values["before_id"] = before_id
    rows = await db.fetch_all(
        f"SELECT * FROM attempts WHERE {where} ORDER BY id DESC LIMIT :limit", values
    )
    return [Attempt.from_row(row) for row in rows]


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


async def purge(db: Db, *, older_than: int) -> int:
    """Delivered batches (with their outbox rows) and attempts older than ``older_than``."""
    gone = await db.fetch_all(
        "DELETE FROM batches WHERE status = 'delivered' AND delivered_at < :older_than"
        " RETURNING id",
        {"older_than": older_than},
    )
    await db.execute_many(
        "DELETE FROM outbox WHERE batch_id = :id", [{"id": row["id"]} for row in gone]
    )
    await db.execute(
        "DELETE FROM attempts WHERE attempted_at < :older_than", {"older_than": older_than}
    )
    return len(gone)
