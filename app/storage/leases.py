"""SQL shared by the two leased queues (messages, batches): claiming rows by id with a lease."""

from __future__ import annotations

from app.storage.db import Db, Row


async def claim(
    db: Db, table: str, ids: list[str], *, waiting: str, taken: str, now: int, lease_ms: int
) -> list[Row]:
    """Lease the rows with these ids still ``waiting`` (SKIP LOCKED on PostgreSQL): they are
    ``taken`` until ``now + lease_ms``; in the order given."""
    if not ids:
        return []
    binds = {f"i{n}": row_id for n, row_id in enumerate(ids)}
    skip_locked = " FOR UPDATE SKIP LOCKED" if db.dialect == "postgresql" else ""
    rows = await db.fetch_all(
        f"UPDATE {table} SET status = '{taken}', lease_until = :lease_until,"
        f" attempts = attempts + 1, updated_at = :now, claimed_at = :now"
        f" WHERE id IN (SELECT id FROM {table}"
        f" WHERE id IN ({', '.join(':' + name for name in binds)}) AND status = '{waiting}'"
        f"{skip_locked}) RETURNING *",
        {"now": now, "lease_until": now + lease_ms, **binds},
    )
    order = {row_id: n for n, row_id in enumerate(ids)}
    return sorted(rows, key=lambda row: order[row["id"]])
