"""SQL for the api_clients table (OAuth2 client-credentials clients)."""

from __future__ import annotations

import dataclasses

from app.storage.db import Db, Row


@dataclasses.dataclass(frozen=True)
class Client:
    client_id: str
    account_id: int
    name: str
    secret_hash: str
    scopes: str  # space-separated
    created_at: int
    revoked_at: int | None = None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @classmethod
    def from_row(cls, row: Row) -> Client:
        revoked_at = row["revoked_at"]
        return cls(
            client_id=row["client_id"],
            account_id=int(row["account_id"]),
            name=row["name"],
            secret_hash=row["secret_hash"],
            scopes=row["scopes"],
            created_at=int(row["created_at"]),
            revoked_at=None if revoked_at is None else int(revoked_at),
        )


async def insert(db: Db, client: Client) -> None:
    await db.execute(
        "INSERT INTO api_clients"
        " (client_id, account_id, name, secret_hash, scopes, created_at, revoked_at)"
        " VALUES (:client_id, :account_id, :name, :secret_hash, :scopes, :created_at, :revoked_at)",
        dataclasses.asdict(client),
    )


async def get(db: Db, client_id: str) -> Client | None:
    row = await db.fetch_one(
        "SELECT * FROM api_clients WHERE client_id = :client_id", {"client_id": client_id}
    )
    return None if row is None else Client.from_row(row)


async def list_all(db: Db, *, account_id: int | None = None) -> list[Client]:
    if account_id is None:
        rows = await db.fetch_all("SELECT * FROM api_clients ORDER BY created_at, client_id")
    else:
        rows = await db.fetch_all(
            "SELECT * FROM api_clients WHERE account_id = :account_id"
            " ORDER BY created_at, client_id",
            {"account_id": account_id},
        )
    return [Client.from_row(row) for row in rows]


async def count(db: Db) -> int:
    return int(await db.fetch_val("SELECT COUNT(*) FROM api_clients"))


async def revoke(db: Db, client_id: str, *, at: int) -> bool:
    """Mark the client revoked; False when there is no such client."""
    found = await db.fetch_val(
        "UPDATE api_clients SET revoked_at = COALESCE(revoked_at, :at)"
        " WHERE client_id = :client_id RETURNING client_id",
        {"client_id": client_id, "at": at},
    )
    return found is not None


async def update_grant(db: Db, client_id: str, *, secret_hash: str, scopes: str) -> None:
    """Reset secret and scopes and clear revocation (bootstrap keeps its client as configured)."""
    await db.execute(
        "UPDATE api_clients SET secret_hash = :secret_hash, scopes = :scopes, revoked_at = NULL"
        " WHERE client_id = :client_id",
        {"client_id": client_id, "secret_hash": secret_hash, "scopes": scopes},
    )
