"""SQL for the suppressions table (addresses an account must not send to)."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.storage.db import IN_LIST_MAX, Db, Row, in_list, values_of


@dataclasses.dataclass(frozen=True)
class Suppression:
    account_id: int
    address: str  # lower-cased email, or phone digits
    reason: str
    source: str  # "bounce" | "operator"
    event_id: str | None
    created_at: int
    message_id: str | None = None  # the message whose bounce added it

    @classmethod
    def from_row(cls, row: Row) -> Suppression:
        return cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})


async def add(db: Db, suppression: Suppression) -> bool:
    """Insert unless the address is listed already; True when it was new."""
    added = await db.fetch_val(
        "INSERT INTO suppressions (account_id, address, reason, source, event_id, created_at,"
        " message_id) VALUES (:account_id, :address, :reason, :source, :event_id, :created_at,"
        " :message_id)"
        " ON CONFLICT (account_id, address) DO NOTHING RETURNING address",
        values_of(suppression),
    )
    return added is not None


async def get(db: Db, account_id: int, address: str) -> Suppression | None:
    row = await db.fetch_one(
        "SELECT * FROM suppressions WHERE account_id = :account_id AND address = :address",
        {"account_id": account_id, "address": address},
    )
    return None if row is None else Suppression.from_row(row)


async def suppressed_among(db: Db, account_id: int, addresses: list[str]) -> set[str]:
    """Which of these (lower-cased) addresses the account suppresses."""
    found: set[str] = set()
    unique = sorted(set(addresses))
    for start in range(0, len(unique), IN_LIST_MAX):
        listed, binds = in_list("a", unique[start : start + IN_LIST_MAX])
        rows = await db.fetch_all(
            "SELECT address FROM suppressions WHERE account_id = :account_id"
            f" AND address IN {listed}",
            {"account_id": account_id, **binds},
        )
        found.update(row["address"] for row in rows)
    return found


async def is_suppressed(db: Db, account_id: int, address: str) -> bool:
    found = await db.fetch_val(
        "SELECT 1 FROM suppressions WHERE account_id = :account_id AND address = :address",
        {"account_id": account_id, "address": address},
    )
    return found is not None


async def list_page(
    db: Db, account_id: int, *, limit: int, offset: int, containing: str | None = None
) -> tuple[list[Suppression], int]:
    """One page, oldest first, and the total count; ``containing``: only addresses with this
    (lower-cased) text in them."""
    where = "account_id = :account_id"
    values: dict[str, Any] = {"account_id": account_id}
    if containing is not None:
        where += " AND address LIKE :pattern ESCAPE '!'"
        escaped = containing.replace("!", "!!").replace("%", "!%").replace("_", "!_")
        values["pattern"] = f"%{escaped}%"
    rows = await db.fetch_all(
        f"SELECT * FROM suppressions WHERE {where} ORDER BY created_at, address"
        " LIMIT :limit OFFSET :offset",
        values | {"limit": limit, "offset": offset},
    )
    total = await db.fetch_val(f"SELECT COUNT(*) FROM suppressions WHERE {where}", values)
    return [Suppression.from_row(row) for row in rows], int(total)


async def remove(db: Db, account_id: int, address: str) -> bool:
    gone = await db.fetch_val(
        "DELETE FROM suppressions WHERE account_id = :account_id AND address = :address"
        " RETURNING address",
        {"account_id": account_id, "address": address},
    )
    return gone is not None
