"""SQL shared by the two credential tables (api_clients, api_tokens): insert, list, revoke."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Self, TypeVar

from app.storage.db import Db, Row, values_of

_INTEGERS = ("account_id", "created_at", "revoked_at")


class Grant:
    """A stored credential: a secret's hash, scopes, and revocation; subclasses are dataclasses."""

    table: ClassVar[str]
    key: ClassVar[str]  # the primary-key column
    revoked_at: int | None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @classmethod
    def from_row(cls, row: Row) -> Self:
        values = {field.name: row[field.name] for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
        for name in _INTEGERS:
            if values[name] is not None:
                values[name] = int(values[name])
        return cls(**values)


G = TypeVar("G", bound=Grant)


async def insert(db: Db, grant: Grant) -> None:
    values: dict[str, Any] = values_of(grant)
    await db.execute(
        f"INSERT INTO {grant.table} ({', '.join(values)})"
        f" VALUES ({', '.join(':' + name for name in values)})",
        values,
    )


async def list_all(db: Db, kind: type[G], *, account_id: int | None) -> list[G]:
    order = f" ORDER BY created_at, {kind.key}"
    if account_id is None:
        rows = await db.fetch_all(f"SELECT * FROM {kind.table}{order}")
    else:
        rows = await db.fetch_all(
            f"SELECT * FROM {kind.table} WHERE account_id = :account_id{order}",
            {"account_id": account_id},
        )
    return [kind.from_row(row) for row in rows]


async def revoke(db: Db, kind: type[Grant], key: str, *, at: int) -> bool:
    """Mark the row revoked (first revocation wins); False when there is no such row."""
    found = await db.fetch_val(
        f"UPDATE {kind.table} SET revoked_at = COALESCE(revoked_at, :at)"
        f" WHERE {kind.key} = :key RETURNING {kind.key}",
        {"key": key, "at": at},
    )
    return found is not None
