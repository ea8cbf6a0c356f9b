"""SQL for the accounts table (tenants; the SFMC MID)."""

from __future__ import annotations

import dataclasses

from app.storage.db import Db, Row, values_of

FIRST_ACCOUNT_ID = 100_000_001


@dataclasses.dataclass(frozen=True)
class Account:
    id: int
    name: str
    created_at: int

    @classmethod
    def from_row(cls, row: Row) -> Account:
        return cls(id=int(row["id"]), name=row["name"], created_at=int(row["created_at"]))


async def insert(db: Db, account: Account) -> None:
    await db.execute(
        "INSERT INTO accounts (id, name, created_at) VALUES (:id, :name, :created_at)",
        values_of(account),
    )


async def next_id(db: Db) -> int:
    """One past the highest id, so ids read like SFMC MIDs (nine digits)."""
    highest = await db.fetch_val("SELECT MAX(id) FROM accounts")
    return FIRST_ACCOUNT_ID if highest is None else int(highest) + 1


async def get(db: Db, account_id: int) -> Account | None:
    row = await db.fetch_one("SELECT * FROM accounts WHERE id = :id", {"id": account_id})
    return None if row is None else Account.from_row(row)


async def list_all(db: Db) -> list[Account]:
    rows = await db.fetch_all("SELECT * FROM accounts ORDER BY id")
    return [Account.from_row(row) for row in rows]
