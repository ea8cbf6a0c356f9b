"""SQL for Idempotency-Key rows: claimed before a request's work, holding its response after."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.storage import jsonb
from app.storage.db import Db, Row, values_of


@dataclasses.dataclass(frozen=True)
class Entry:
    account_id: int
    idem_key: str
    request_hash: str
    created_at: int
    status_code: int | None = None  # None while the first request is still working
    response: Any = None
    locked_until: int | None = None

    @classmethod
    def from_row(cls, row: Row) -> Entry:
        fields = {f.name: row[f.name] for f in dataclasses.fields(cls)}
        fields["response"] = None if row["response"] is None else jsonb.load(row["response"])
        return cls(**fields)


async def claim(db: Db, entry: Entry) -> bool:
    """Insert the in-progress row; False when the key is taken (call inside db.write())."""
    values = values_of(entry)
    values["response"] = None
    inserted = await db.fetch_val(
        "INSERT INTO idempotency_keys (account_id, idem_key, request_hash, status_code,"
        " response, locked_until, created_at) VALUES (:account_id, :idem_key, :request_hash,"
        " :status_code, :response, :locked_until, :created_at)"
        " ON CONFLICT (account_id, idem_key) DO NOTHING RETURNING idem_key",
        values,
    )
    return inserted is not None


async def get(db: Db, account_id: int, key: str) -> Entry | None:
    row = await db.fetch_one(
        "SELECT * FROM idempotency_keys WHERE account_id = :account_id AND idem_key = :key",
        {"account_id": account_id, "key": key},
    )
    return None if row is None else Entry.from_row(row)


async def replace(db: Db, entry: Entry) -> None:
    """Take over an expired or abandoned key (call inside db.write())."""
    await forget(db, entry.account_id, entry.idem_key)
    await claim(db, entry)


async def complete(db: Db, account_id: int, key: str, status_code: int, response: Any) -> None:
    await db.execute(
        "UPDATE idempotency_keys SET status_code = :status_code, response = :response,"
        " locked_until = NULL WHERE account_id = :account_id AND idem_key = :key",
        {
            "account_id": account_id,
            "key": key,
            "status_code": status_code,
            "response": jsonb.dump(response),
        },
    )


async def forget(db: Db, account_id: int, key: str) -> None:
    await db.execute(
        "DELETE FROM idempotency_keys WHERE account_id = :account_id AND idem_key = :key",
        {"account_id": account_id, "key": key},
    )


async def purge(db: Db, *, older_than: int) -> int:
    rows = await db.fetch_all(
        "DELETE FROM idempotency_keys WHERE created_at < :older_than RETURNING idem_key",
        {"older_than": older_than},
    )
    return len(rows)
