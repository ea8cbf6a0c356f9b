"""SQL for the definitions table (SFMC email and SMS send definitions)."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.storage import jsonb
from app.storage.db import Db, Row, values_of

ORDERABLE = {
    "definitionkey": "definition_key",
    "name": "name",
    "createddate": "created_at",
    "modifieddate": "modified_at",
    "status": "status",
}


@dataclasses.dataclass(frozen=True)
class Definition:
    id: str
    account_id: int
    channel: str  # "email" | "sms"
    definition_key: str
    name: str
    status: str  # "Active" | "Inactive" | "Deleted"
    body: dict[str, Any]  # description, classification, content, subscriptions, options
    created_at: int
    modified_at: int

    @property
    def is_active(self) -> bool:
        return self.status == "Active"

    @classmethod
    def from_row(cls, row: Row) -> Definition:
        fields = {f.name: row[f.name] for f in dataclasses.fields(cls)}
        fields["body"] = jsonb.load(row["body"])
        return cls(**fields)

    def values(self) -> dict[str, Any]:
        values = values_of(self)
        values["body"] = jsonb.dump(self.body)
        values["key_lc"] = self.definition_key.lower()
        return values


async def insert(db: Db, definition: Definition) -> None:
    await db.execute(
        "INSERT INTO definitions (id, account_id, channel, definition_key, key_lc, name, status,"
        " body, created_at, modified_at) VALUES (:id, :account_id, :channel, :definition_key,"
        " :key_lc, :name, :status, :body, :created_at, :modified_at)",
        definition.values(),
    )


async def update(db: Db, definition: Definition) -> None:
    values = definition.values()
    del values["created_at"], values["account_id"], values["channel"]
    await db.execute(
        "UPDATE definitions SET definition_key = :definition_key, key_lc = :key_lc, name = :name,"
        " status = :status, body = :body, modified_at = :modified_at WHERE id = :id",
        values,
    )


async def get_by_key(db: Db, account_id: int, channel: str, key: str) -> Definition | None:
    row = await db.fetch_one(
        "SELECT * FROM definitions WHERE account_id = :account_id AND channel = :channel"
        " AND key_lc = :key",
        {"account_id": account_id, "channel": channel, "key": key.lower()},
    )
    return None if row is None else Definition.from_row(row)


async def get(db: Db, definition_id: str) -> Definition | None:
    row = await db.fetch_one("SELECT * FROM definitions WHERE id = :id", {"id": definition_id})
    return None if row is None else Definition.from_row(row)


async def name_taken(db: Db, account_id: int, channel: str, name: str, *, other_than: str) -> bool:
    found = await db.fetch_val(
        "SELECT 1 FROM definitions WHERE account_id = :account_id AND channel = :channel"
        " AND name = :name AND status <> 'Deleted' AND id <> :id",
        {"account_id": account_id, "channel": channel, "name": name, "id": other_than},
    )
    return found is not None


async def list_page(
    db: Db,
    account_id: int,
    channel: str,
    *,
    status: tuple[str, bool] | None,
    order_by: str,
    descending: bool,
    limit: int,
    offset: int,
) -> list[Definition]:
    """``status`` is (value, equal?) from ``$filter=status eq|neq value``."""
    where = "account_id = :account_id AND channel = :channel"
    values: dict[str, Any] = {"account_id": account_id, "channel": channel}
    if status is not None:
        where += " AND status = :status" if status[1] else " AND status <> :status"
        values["status"] = status[0]
    column = ORDERABLE[order_by]
    direction = "DESC" if descending else "ASC"
    rows = await db.fetch_all(
        f"SELECT * FROM definitions WHERE {where} ORDER BY {column} {direction}, id"
        " LIMIT :limit OFFSET :offset",
        values | {"limit": limit, "offset": offset},
    )
    return [Definition.from_row(row) for row in rows]
