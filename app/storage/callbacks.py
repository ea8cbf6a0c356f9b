"""SQL for ENS callbacks: the URLs events are delivered to, with their keys and health."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.storage import jsonb
from app.storage.db import Db, Row, insert_statement, values_of


@dataclasses.dataclass(frozen=True)
class Callback:
    id: str
    account_id: int
    name: str
    url: str
    max_batch_size: int
    verified: bool
    signature_key: str  # sealed by services.webhooks.keys.KeyBox ("fernet:…" or "plain:…")
    # One JSON document: app.wire.delivery.DeliveryOptions (signing, headers, ordering), with
    # any state an option keeps (sealed keys) beside it. Storage neither reads nor checks it.
    options: dict[str, Any]
    created_at: int
    updated_at: int
    verification_hash: str | None = None
    verification_expires_at: int | None = None
    previous_key: str | None = None
    previous_key_until: int | None = None
    disabled_at: int | None = None
    disabled_reason: str | None = None
    failing_since: int | None = None
    last_success_at: int | None = None
    last_error: str | None = None

    @classmethod
    def from_row(cls, row: Row) -> Callback:
        fields = {f.name: row[f.name] for f in dataclasses.fields(cls)}
        fields["verified"] = bool(fields["verified"])
        fields["options"] = jsonb.load(fields["options"])
        return cls(**fields)


def _values(callback: Callback) -> dict[str, Any]:
    values = values_of(callback)
    values["verified"] = int(values["verified"])
    values["options"] = jsonb.dump(values["options"])
    return values


_COLUMNS = [f.name for f in dataclasses.fields(Callback)]


async def insert(db: Db, callback: Callback) -> None:
    await db.execute(
        insert_statement("callbacks", _COLUMNS),
        _values(callback),
    )


async def save(db: Db, callback: Callback) -> None:
    """Write every column of an existing callback."""
    columns = [c for c in _COLUMNS if c not in ("id", "account_id", "created_at")]
    values = _values(callback)
    await db.execute(
        f"UPDATE callbacks SET {', '.join(f'{c} = :{c}' for c in columns)} WHERE id = :id",
        {c: values[c] for c in [*columns, "id"]},
    )


async def get(db: Db, account_id: int, callback_id: str) -> Callback | None:
    row = await db.fetch_one(
        "SELECT * FROM callbacks WHERE id = :id AND account_id = :account_id",
        {"id": callback_id, "account_id": account_id},
    )
    return None if row is None else Callback.from_row(row)


async def lock(db: Db, account_id: int, callback_id: str, *, exclusive: bool) -> Callback | None:
    """Read the callback and hold it until the transaction ends: ``exclusive`` to delete it,
    shared to add a subscription to it (PostgreSQL row locks; SQLite has one writer). The
    shared lock is KEY SHARE, as a foreign key takes: it waits only for a delete."""
    locking = ""
    if db.dialect == "postgresql":
        locking = " FOR UPDATE" if exclusive else " FOR KEY SHARE"
    row = await db.fetch_one(
        f"SELECT * FROM callbacks WHERE id = :id AND account_id = :account_id{locking}",
        {"id": callback_id, "account_id": account_id},
    )
    return None if row is None else Callback.from_row(row)


async def count_for_account(db: Db, account_id: int) -> int:
    found = await db.fetch_val(
        "SELECT COUNT(*) FROM callbacks WHERE account_id = :account_id", {"account_id": account_id}
    )
    return int(found or 0)


async def get_any(db: Db, callback_id: str) -> Callback | None:
    """By id alone: for the dispatcher, which works across accounts."""
    row = await db.fetch_one("SELECT * FROM callbacks WHERE id = :id", {"id": callback_id})
    return None if row is None else Callback.from_row(row)


async def get_many(db: Db, callback_ids: list[str]) -> dict[str, Callback]:
    """By id alone, many at once (the dispatcher reads each pass's callbacks in one query)."""
    if not callback_ids:
        return {}
    binds = {f"c{n}": callback_id for n, callback_id in enumerate(callback_ids)}
    rows = await db.fetch_all(
        f"SELECT * FROM callbacks WHERE id IN ({', '.join(':' + name for name in binds)})", binds
    )
    return {row["id"]: Callback.from_row(row) for row in rows}


async def by_url(db: Db, account_id: int, url: str) -> Callback | None:
    row = await db.fetch_one(
        "SELECT * FROM callbacks WHERE account_id = :account_id AND url = :url",
        {"account_id": account_id, "url": url},
    )
    return None if row is None else Callback.from_row(row)


async def list_all(db: Db, account_id: int) -> list[Callback]:
    rows = await db.fetch_all(
        "SELECT * FROM callbacks WHERE account_id = :account_id ORDER BY created_at, id",
        {"account_id": account_id},
    )
    return [Callback.from_row(row) for row in rows]


async def delete(db: Db, callback_id: str) -> None:
    for table in ("attempts", "outbox", "batches"):
        await db.execute(f"DELETE FROM {table} WHERE callback_id = :id", {"id": callback_id})
    await db.execute("DELETE FROM callbacks WHERE id = :id", {"id": callback_id})


async def record_result(db: Db, callback_id: str, *, ok: bool, now: int, error: str | None) -> None:
    """Health after an attempt: a success clears the failing streak, a failure may start one."""
    if ok:
        await db.execute(
            "UPDATE callbacks SET last_success_at = :now, failing_since = NULL WHERE id = :id",
            {"id": callback_id, "now": now},
        )
        return
    await db.execute(
        "UPDATE callbacks SET failing_since = COALESCE(failing_since, :now), last_error = :error"
        " WHERE id = :id",
        {"id": callback_id, "now": now, "error": error},
    )


async def disable(db: Db, callback_id: str, *, now: int, reason: str) -> None:
    await db.execute(
        "UPDATE callbacks SET disabled_at = :now, disabled_reason = :reason, updated_at = :now"
        " WHERE id = :id AND disabled_at IS NULL",
        {"id": callback_id, "now": now, "reason": reason},
    )


async def disabled_ids(db: Db) -> set[str]:
    rows = await db.fetch_all("SELECT id FROM callbacks WHERE disabled_at IS NOT NULL")
    return {row["id"] for row in rows}
