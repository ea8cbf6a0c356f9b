"""SQL for webhook batches: forming them from the outbox, claims with a lease, settling them."""

from __future__ import annotations

import dataclasses
from typing import Any

from app import ids
from app.storage import events, leases
from app.storage.db import Db, Row, insert_statement

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"
_FORMING_LOCKS = 7_105_348  # advisory lock space of per-callback forming (arbitrary, constant)


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


async def has_open_batch(db: Db, callback_id: str) -> bool:
    found = await db.fetch_val(
        "SELECT 1 FROM batches WHERE callback_id = :callback_id"
        f" AND status IN ('{PENDING}', '{SENDING}') LIMIT 1",
        {"callback_id": callback_id},
    )
    return found is not None


_BATCH_COLUMNS = [f.name for f in dataclasses.fields(Batch)]


async def lock_callback(db: Db, callback_id: str) -> None:
    """In a write transaction: the formers of other processes wait for this callback's batches
    until it commits (PostgreSQL; SQLite has one writer). Only strict-order callbacks need it:
    one open batch at a time is a check-then-create step."""
    if db.dialect == "postgresql":
        await db.execute(
            "SELECT pg_advisory_xact_lock(:space, hashtext(:callback_id))",
            {"space": _FORMING_LOCKS, "callback_id": callback_id},
        )


@dataclasses.dataclass(frozen=True)
class Formed:
    batches: int
    rows: int
    last_row: int  # the highest outbox id batched (0: none)


async def form_batches(
    db: Db, *, account_id: int, callback_id: str, size: int, count: int, now: int, above: int = 0
) -> Formed:
    """The callback's oldest unbatched rows become up to ``count`` pending batches of up to
    ``size`` rows each, from the rows with ids above ``above``. Call in a write transaction.

    Processes form side by side: rows another former has locked are skipped (SKIP LOCKED on
    PostgreSQL), so no row joins two batches and nobody waits on a global lock; such a row is
    that former's. One read and two driver-level batches per call, whatever the number of
    batches (one statement per batch made forming, not POSTing, the limit with maxBatchSize 1).
    """
    skip_locked = " FOR UPDATE SKIP LOCKED" if db.dialect == "postgresql" else ""
    rows = await db.fetch_all(
        "SELECT id FROM outbox WHERE callback_id = :callback_id AND batch_id IS NULL"
        f" AND held = 0 AND id > :above ORDER BY id LIMIT :limit{skip_locked}",
        {"callback_id": callback_id, "limit": size * count, "above": above},
    )
    outbox_ids = [int(row["id"]) for row in rows]
    batches: list[dict[str, Any]] = []
    assignments: list[dict[str, Any]] = []
    for start in range(0, len(outbox_ids), size):
        chunk = outbox_ids[start : start + size]
        batch_id = "msg_" + ids.hex32()
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
    return Formed(len(batches), len(outbox_ids), max(outbox_ids, default=0))


_DUE_CALLBACKS = (
    "WITH RECURSIVE due(callback_id) AS ("
    f" SELECT MIN(callback_id) FROM batches WHERE status = '{PENDING}' AND next_attempt_at <= :now"
    f" UNION ALL SELECT (SELECT MIN(b.callback_id) FROM batches b WHERE b.status = '{PENDING}'"
    " AND b.next_attempt_at <= :now AND b.callback_id > due.callback_id)"
    " FROM due WHERE due.callback_id IS NOT NULL"
    ") SELECT callback_id FROM due WHERE callback_id IS NOT NULL"
)


OLDEST_DUE = (
    "SELECT id, account_id, next_attempt_at, first_outbox_id FROM batches"
    f" WHERE callback_id = :callback_id AND status = '{PENDING}' AND next_attempt_at <= :now"
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
    due = [callback_id for callback_id in due if callback_id not in skip_callbacks]
    if not due:
        return []
    # Each callback's walk is its own subquery; one statement for all (one round trip).
    values: dict[str, Any] = {"now": now, "per_callback": per_callback}
    walks = []
    for n, callback_id in enumerate(due):
        values[f"c{n}"] = callback_id
        walks.append("SELECT * FROM (" + OLDEST_DUE.replace(":callback_id", f":c{n}") + ") w")
    rows = await db.fetch_all(" UNION ALL ".join(walks), values)
    found = [
        (r["next_attempt_at"], r["first_outbox_id"], int(r["account_id"]), r["id"]) for r in rows
    ]
    return [(account_id, batch_id) for *_, account_id, batch_id in sorted(found)]


async def claim(db: Db, batch_ids: list[str], *, now: int, lease_ms: int) -> list[Batch]:
    """Lease these batches if still pending (SKIP LOCKED on PostgreSQL), in the order given."""
    rows = await leases.claim(
        db, "batches", batch_ids, waiting=PENDING, taken=SENDING, now=now, lease_ms=lease_ms
    )
    return [Batch.from_row(row) for row in rows]


async def events_of(db: Db, batch_ids: list[str]) -> dict[str, list[events.Event]]:
    """The events of many batches in one query (a pass's claims), each batch's in order."""
    found: dict[str, list[events.Event]] = {batch_id: [] for batch_id in batch_ids}
    if not batch_ids:
        return found
    binds = {f"b{n}": batch_id for n, batch_id in enumerate(batch_ids)}
    rows = await db.fetch_all(
        "SELECT o.batch_id AS outbox_batch_id, e.* FROM outbox o JOIN events e"
        f" ON e.id = o.event_id WHERE o.batch_id IN ({', '.join(':' + b for b in binds)})"
        " ORDER BY o.id",
        binds,
    )
    for row in rows:
        found[row["outbox_batch_id"]].append(events.Event.from_row(row))
    return found


async def batch_events(db: Db, batch_id: str) -> list[events.Event]:
    return (await events_of(db, [batch_id]))[batch_id]


async def release(db: Db, batch_id: str, *, now: int) -> None:
    """A claimed batch this process gives up on (it is stopping): due again at once."""
    await db.execute(
        f"UPDATE batches SET status = '{PENDING}', lease_until = NULL, next_attempt_at = :now,"
        f" updated_at = :now WHERE id = :id AND status = '{SENDING}'",
        {"id": batch_id, "now": now},
    )


async def settle_delivered(db: Db, delivered: list[tuple[str, int, int | None]]) -> None:
    """Batches delivered: (id, when, the receiver's status) each, in one statement."""
    rows = [
        {"id": batch_id, "now": now, "last_status": status}
        for batch_id, now, status in sorted(delivered)
    ]
    await db.execute_many(
        f"UPDATE batches SET status = '{DELIVERED}', lease_until = NULL, updated_at = :now,"
        " last_status = :last_status, last_error = NULL, delivered_at = :now WHERE id = :id",
        rows,
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
        f" delivered_at = CASE WHEN :status = '{DELIVERED}' THEN :now ELSE delivered_at END"
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
        f"UPDATE batches SET status = '{PENDING}', lease_until = NULL, next_attempt_at = :now"
        f" WHERE status = '{SENDING}' AND lease_until < :now RETURNING id",
        {"now": now},
    )
    return len(rows)


async def retry_now(db: Db, callback_id: str, *, now: int) -> None:
    """A re-enabled callback's waiting batches are due at once."""
    await db.execute(
        "UPDATE batches SET next_attempt_at = :now WHERE callback_id = :callback_id"
        f" AND status = '{PENDING}'",
        {"callback_id": callback_id, "now": now},
    )


async def purge(db: Db, *, older_than: int) -> int:
    """Delivered batches (with their outbox rows) delivered before ``older_than``."""
    gone = await db.fetch_all(
        f"DELETE FROM batches WHERE status = '{DELIVERED}' AND delivered_at < :older_than"
        " RETURNING id",
        {"older_than": older_than},
    )
    await db.execute_many(
        "DELETE FROM outbox WHERE batch_id = :id", [{"id": row["id"]} for row in gone]
    )
    return len(gone)
