"""SQL for ENS subscriptions: which event types (and filters) go to which callback."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.storage import jsonb
from app.storage.db import Db, Row, insert_statement, values_of

ACTIVE, PAUSED = "active", "paused"


@dataclasses.dataclass(frozen=True)
class Subscription:
    id: str
    account_id: int
    callback_id: str
    name: str
    event_types: list[str]  # canonical ENS types
    filters: list[str]  # "name=value", all must match
    status: str
    status_reason: str
    buffer_while_paused: bool
    created_at: int
    updated_at: int

    @classmethod
    def from_row(cls, row: Row) -> Subscription:
        fields = {f.name: row[f.name] for f in dataclasses.fields(cls)}
        fields["event_types"] = jsonb.load(row["event_types"])
        fields["filters"] = jsonb.load(row["filters"])
        fields["buffer_while_paused"] = bool(row["buffer_while_paused"])
        return cls(**fields)


def _values(subscription: Subscription) -> dict[str, Any]:
    values = values_of(subscription)
    values["event_types"] = jsonb.dump(subscription.event_types)
    values["filters"] = jsonb.dump(subscription.filters)
    values["buffer_while_paused"] = int(subscription.buffer_while_paused)
    values["name_lc"] = subscription.name.lower()
    return values


_COLUMNS = [*(f.name for f in dataclasses.fields(Subscription)), "name_lc"]


async def insert(db: Db, subscription: Subscription) -> None:
    await db.execute(
        insert_statement("subscriptions", _COLUMNS),
        _values(subscription),
    )


async def save(db: Db, subscription: Subscription) -> None:
    columns = [c for c in _COLUMNS if c not in ("id", "account_id", "callback_id", "created_at")]
    values = _values(subscription)
    await db.execute(
        f"UPDATE subscriptions SET {', '.join(f'{c} = :{c}' for c in columns)} WHERE id = :id",
        {c: values[c] for c in [*columns, "id"]},
    )


async def get(db: Db, account_id: int, subscription_id: str) -> Subscription | None:
    row = await db.fetch_one(
        "SELECT * FROM subscriptions WHERE id = :id AND account_id = :account_id",
        {"id": subscription_id, "account_id": account_id},
    )
    return None if row is None else Subscription.from_row(row)


async def by_name(db: Db, account_id: int, name: str) -> Subscription | None:
    row = await db.fetch_one(
        "SELECT * FROM subscriptions WHERE account_id = :account_id AND name_lc = :name",
        {"account_id": account_id, "name": name.lower()},
    )
    return None if row is None else Subscription.from_row(row)


async def for_callback(db: Db, callback_id: str) -> list[Subscription]:
    rows = await db.fetch_all(
        "SELECT * FROM subscriptions WHERE callback_id = :callback_id ORDER BY created_at, id",
        {"callback_id": callback_id},
    )
    return [Subscription.from_row(row) for row in rows]


async def for_account(db: Db, account_id: int) -> list[Subscription]:
    rows = await db.fetch_all(
        "SELECT * FROM subscriptions WHERE account_id = :account_id", {"account_id": account_id}
    )
    return [Subscription.from_row(row) for row in rows]


async def count_for_account(db: Db, account_id: int) -> int:
    found = await db.fetch_val(
        "SELECT COUNT(*) FROM subscriptions WHERE account_id = :account_id",
        {"account_id": account_id},
    )
    return int(found or 0)


async def version(db: Db, account_id: int) -> int:
    """The account's subscription generation: moves with every committed change."""
    found = await db.fetch_val(
        "SELECT subscriptions_version FROM accounts WHERE id = :id", {"id": account_id}
    )
    return int(found or 0)


async def bump_version(db: Db, account_id: int) -> None:
    """Call first in every transaction that changes the account's subscriptions: on PostgreSQL
    the row lock also makes such transactions of one account take turns."""
    await db.execute(
        "UPDATE accounts SET subscriptions_version = subscriptions_version + 1 WHERE id = :id",
        {"id": account_id},
    )


async def delete(db: Db, subscription_id: str) -> None:
    """Events buffered only for this subscription go with it; queued deliveries stay."""
    await db.execute(
        "DELETE FROM outbox WHERE subscription_id = :id AND held = 1", {"id": subscription_id}
    )
    await db.execute(
        "UPDATE outbox SET subscription_id = NULL WHERE subscription_id = :id",
        {"id": subscription_id},
    )
    await db.execute("DELETE FROM subscriptions WHERE id = :id", {"id": subscription_id})
