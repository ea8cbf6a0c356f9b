"""SQL for the api_tokens table (long-lived bearer tokens of the Broadcast-style API)."""

from __future__ import annotations

import dataclasses

from app.storage.db import Db, Row


@dataclasses.dataclass(frozen=True)
class ApiToken:
    id: str
    account_id: int
    name: str
    token_hash: str
    scopes: str  # space-separated
    created_at: int
    revoked_at: int | None = None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @classmethod
    def from_row(cls, row: Row) -> ApiToken:
        revoked_at = row["revoked_at"]
        return cls(
            id=row["id"],
            account_id=int(row["account_id"]),
            name=row["name"],
            token_hash=row["token_hash"],
            scopes=row["scopes"],
            created_at=int(row["created_at"]),
            revoked_at=None if revoked_at is None else int(revoked_at),
        )


async def insert(db: Db, token: ApiToken) -> None:
    await db.execute(
        "INSERT INTO api_tokens (id, account_id, name, token_hash, scopes, created_at, revoked_at)"
        " VALUES (:id, :account_id, :name, :token_hash, :scopes, :created_at, :revoked_at)",
        dataclasses.asdict(token),
    )


async def get_by_hash(db: Db, token_hash: str) -> ApiToken | None:
    row = await db.fetch_one(
        "SELECT * FROM api_tokens WHERE token_hash = :token_hash", {"token_hash": token_hash}
    )
    return None if row is None else ApiToken.from_row(row)


async def list_all(db: Db, *, account_id: int | None = None) -> list[ApiToken]:
    if account_id is None:
        rows = await db.fetch_all("SELECT * FROM api_tokens ORDER BY created_at, id")
    else:
        rows = await db.fetch_all(
            "SELECT * FROM api_tokens WHERE account_id = :account_id ORDER BY created_at, id",
            {"account_id": account_id},
        )
    return [ApiToken.from_row(row) for row in rows]


async def revoke(db: Db, token_id: str, *, at: int) -> bool:
    """Mark the token revoked; False when there is no such token."""
    found = await db.fetch_val(
        "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, :at) WHERE id = :id RETURNING id",
        {"id": token_id, "at": at},
    )
    return found is not None


async def restore(db: Db, token_id: str, *, scopes: str) -> None:
    """Clear revocation and reset scopes (bootstrap keeps its token as configured)."""
    await db.execute(
        "UPDATE api_tokens SET revoked_at = NULL, scopes = :scopes WHERE id = :id",
        {"id": token_id, "scopes": scopes},
    )
