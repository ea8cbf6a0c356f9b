"""SQL for the sender's queue in the messages table: which messages are due, their claims
and leases."""

from __future__ import annotations

from app.storage import leases, messages
from app.storage.db import Db

QUEUED_ACCOUNTS = (
    "WITH RECURSIVE queued(account_id) AS ("
    f" SELECT MIN(account_id) FROM messages WHERE status = '{messages.QUEUED}'"
    " UNION ALL SELECT (SELECT MIN(m.account_id) FROM messages m"
    f" WHERE m.status = '{messages.QUEUED}' AND m.account_id > queued.account_id)"
    " FROM queued WHERE queued.account_id IS NOT NULL"
    ") SELECT account_id FROM queued WHERE account_id IS NOT NULL"
)
OLDEST_QUEUED = (
    "SELECT id, account_id, next_attempt_at FROM messages WHERE account_id = :account_id"
    f" AND status = '{messages.QUEUED}' AND next_attempt_at <= :now"
    " ORDER BY next_attempt_at LIMIT :limit"
)


async def due_by_account(db: Db, *, now: int, per_account: int) -> list[tuple[int, str]]:
    """``(account_id, message id)`` of each account's oldest due messages, at most
    ``per_account`` each, oldest first across accounts.

    Two index walks on ``messages_queued``: the accounts with queued messages (a skip scan),
    then each one's oldest due; the cost follows the number of accounts, not the backlog.
    """
    accounts = [row["account_id"] for row in await db.fetch_all(QUEUED_ACCOUNTS)]
    found: list[tuple[int, int, str]] = []
    for account_id in accounts:
        rows = await db.fetch_all(
            OLDEST_QUEUED, {"account_id": account_id, "now": now, "limit": per_account}
        )
        found += [(int(r["next_attempt_at"]), int(r["account_id"]), r["id"]) for r in rows]
    return [(account_id, message_id) for _, account_id, message_id in sorted(found)]


async def claim(
    db: Db, message_ids: list[str], *, now: int, lease_ms: int
) -> list[messages.Message]:
    """Lease these messages if still queued (SKIP LOCKED on PostgreSQL), in the order given."""
    rows = await leases.claim(
        db,
        "messages",
        message_ids,
        waiting=messages.QUEUED,
        taken=messages.SENDING,
        now=now,
        lease_ms=lease_ms,
    )
    return [messages.Message.from_row(row) for row in rows]


async def release(db: Db, message_ids: list[str], *, now: int) -> None:
    """Claimed messages this process will not send after all (it is stopping): back to the
    queue at once, not after their lease."""
    await db.execute_many(
        f"UPDATE messages SET status = '{messages.QUEUED}', lease_until = NULL,"
        " attempts = attempts - 1, updated_at = :now"
        f" WHERE id = :id AND status = '{messages.SENDING}'",
        [{"id": message_id, "now": now} for message_id in message_ids],
    )


async def reclaim_expired_leases(db: Db, *, now: int) -> int:
    """Messages whose sender died mid-send go back to the queue."""
    rows = await db.fetch_all(
        f"UPDATE messages SET status = '{messages.QUEUED}', lease_until = NULL,"
        f" next_attempt_at = :now, updated_at = :now WHERE status = '{messages.SENDING}'"
        " AND lease_until < :now RETURNING id",
        {"now": now},
    )
    return len(rows)
