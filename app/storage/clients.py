"""SQL for the api_clients table (OAuth2 client-credentials clients)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from app.storage import grants
from app.storage.db import Db


@dataclasses.dataclass(frozen=True)
class Client(grants.Grant):
    table: ClassVar[str] = "api_clients"
    key: ClassVar[str] = "client_id"

    client_id: str
    account_id: int
    name: str
    secret_hash: str
    scopes: str  # space-separated
    created_at: int
    revoked_at: int | None = None


async def insert(db: Db, client: Client) -> None:
    await grants.insert(db, client)


async def get(db: Db, client_id: str) -> Client | None:
    row = await db.fetch_one(
        "SELECT * FROM api_clients WHERE client_id = :client_id", {"client_id": client_id}
    )
    return None if row is None else Client.from_row(row)


async def list_all(db: Db, *, account_id: int | None = None) -> list[Client]:
    return await grants.list_all(db, Client, account_id=account_id)


async def count(db: Db) -> int:
    return int(await db.fetch_val("SELECT COUNT(*) FROM api_clients"))


async def revoke(db: Db, client_id: str, *, at: int) -> bool:
    """Mark the client revoked; False when there is no such client."""
    return await grants.revoke(db, Client, client_id, at=at)


async def update_grant(db: Db, client_id: str, *, secret_hash: str, scopes: str) -> None:
    """Reset secret and scopes and clear revocation (bootstrap keeps its client as configured)."""
    await db.execute(
        "UPDATE api_clients SET secret_hash = :secret_hash, scopes = :scopes, revoked_at = NULL"
        " WHERE client_id = :client_id",
        {"client_id": client_id, "secret_hash": secret_hash, "scopes": scopes},
    )
