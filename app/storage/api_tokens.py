"""SQL for the api_tokens table (long-lived bearer tokens of the Broadcast-style API)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from app.storage import grants
from app.storage.db import Db


@dataclasses.dataclass(frozen=True)
class ApiToken(grants.Grant):
    table: ClassVar[str] = "api_tokens"
    key: ClassVar[str] = "id"

    id: str
    account_id: int
    name: str
    token_hash: str
    scopes: str  # space-separated
    created_at: int
    revoked_at: int | None = None


async def insert(db: Db, token: ApiToken) -> None:
    await grants.insert(db, token)


async def get_by_hash(db: Db, token_hash: str) -> ApiToken | None:
    row = await db.fetch_one(
        "SELECT * FROM api_tokens WHERE token_hash = :token_hash", {"token_hash": token_hash}
    )
    return None if row is None else ApiToken.from_row(row)


async def list_all(db: Db, *, account_id: int | None = None) -> list[ApiToken]:
    return await grants.list_all(db, ApiToken, account_id=account_id)


async def revoke(db: Db, token_id: str, *, at: int) -> bool:
    """Mark the token revoked; False when there is no such token."""
    return await grants.revoke(db, ApiToken, token_id, at=at)


async def restore(db: Db, token_id: str, *, scopes: str) -> None:
    """Clear revocation and reset scopes (bootstrap keeps its token as configured)."""
    await db.execute(
        "UPDATE api_tokens SET revoked_at = NULL, scopes = :scopes WHERE id = :id",
        {"id": token_id, "scopes": scopes},
    )
