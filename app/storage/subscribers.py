"""SQL for the subscribers table (contacts known to an account)."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.storage import jsonb
from app.storage.db import IN_LIST_MAX, Db, Row, in_list, values_of


@dataclasses.dataclass(frozen=True)
class Subscriber:
    account_id: int
    contact_key: str
    email: str | None
    phone: str | None
    attributes: dict[str, Any]
    created_at: int
    updated_at: int

    @classmethod
    def from_row(cls, row: Row) -> Subscriber:
        fields = {f.name: row[f.name] for f in dataclasses.fields(cls)}
        fields["attributes"] = jsonb.load(row["attributes"])
        return cls(**fields)


async def get(db: Db, account_id: int, contact_key: str) -> Subscriber | None:
    row = await db.fetch_one(
        "SELECT * FROM subscribers WHERE account_id = :account_id AND contact_key = :contact_key",
        {"account_id": account_id, "contact_key": contact_key},
    )
    return None if row is None else Subscriber.from_row(row)


async def get_many(db: Db, account_id: int, contact_keys: list[str]) -> dict[str, Subscriber]:
    """The account's subscribers with these contact keys, by contact key."""
    found: dict[str, Subscriber] = {}
    unique = sorted(set(contact_keys))
    for start in range(0, len(unique), IN_LIST_MAX):
        listed, binds = in_list("c", unique[start : start + IN_LIST_MAX])
        rows = await db.fetch_all(
            f"SELECT * FROM subscribers WHERE account_id = :account_id AND contact_key IN {listed}",
            {"account_id": account_id, **binds},
        )
        found.update({row["contact_key"]: Subscriber.from_row(row) for row in rows})
    return found


async def find_by_email(db: Db, account_id: int, email: str) -> Subscriber | None:
    row = await db.fetch_one(
        "SELECT * FROM subscribers WHERE account_id = :account_id AND email_lc = :email"
        " ORDER BY created_at LIMIT 1",
        {"account_id": account_id, "email": email.lower()},
    )
    return None if row is None else Subscriber.from_row(row)


async def upsert(db: Db, subscriber: Subscriber, *, update: bool) -> None:
    """Insert; on an existing contact key, overwrite only when ``update`` (updateSubscriber)."""
    values = values_of(subscriber)
    values["attributes"] = jsonb.dump(subscriber.attributes)
    values["email_lc"] = subscriber.email.lower() if subscriber.email else None
    on_conflict = (
        "DO UPDATE SET email = COALESCE(excluded.email, subscribers.email),"
        " email_lc = COALESCE(excluded.email_lc, subscribers.email_lc),"
        " phone = COALESCE(excluded.phone, subscribers.phone),"
        " updated_at = excluded.updated_at"
        if update
        else "DO NOTHING"
    )
    await db.execute(
        "INSERT INTO subscribers (account_id, contact_key, email, email_lc, phone, attributes,"
        " created_at, updated_at) VALUES (:account_id, :contact_key, :email, :email_lc, :phone,"
        " :attributes, :created_at, :updated_at)"
        f" ON CONFLICT (account_id, contact_key) {on_conflict}",
        values,
    )
