"""SQL for the events table: immutable, append-only outcome events."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.storage import jsonb
from app.storage.db import Db, Row, values_of


@dataclasses.dataclass(frozen=True)
class Event:
    event_id: str
    account_id: int
    message_id: str | None
    channel: str
    type: str  # canonical ENS type, e.g. "TransactionalSendEvents.EmailSent"
    definition_key: str | None
    definition_id: str | None
    occurred_at: int
    info: dict[str, Any]
    id: int | None = None  # assigned by the database; the NotSent feed's cursor

    @classmethod
    def from_row(cls, row: Row) -> Event:
        fields = {f.name: row[f.name] for f in dataclasses.fields(cls)}
        fields["info"] = jsonb.load(row["info"])
        return cls(**fields)


async def insert(db: Db, event: Event) -> int:
    values = values_of(event)
    values.pop("id")
    values["info"] = jsonb.dump(event.info)
    new_id = await db.fetch_val(
        "INSERT INTO events (event_id, account_id, message_id, channel, type, definition_key,"
        " definition_id, occurred_at, info) VALUES (:event_id, :account_id, :message_id,"
        " :channel, :type, :definition_key, :definition_id, :occurred_at, :info) RETURNING id",
        values,
    )
    return int(new_id)


async def not_sent_feed(
    db: Db,
    account_id: int,
    channel: str,
    *,
    not_sent_type: str,
    bounced_type: str,
    after_id: int,
    limit: int,
) -> list[Event]:
    """NotSent events, and bounces of messages that were never sent (refused at hand-over),
    oldest first, strictly after ``after_id``."""
    rows = await db.fetch_all(
        "SELECT * FROM events WHERE account_id = :account_id AND channel = :channel"
        " AND id > :after_id AND (type = :not_sent OR (type = :bounced AND EXISTS"
        " (SELECT 1 FROM messages m WHERE m.id = events.message_id AND m.sent_at IS NULL)))"
        " ORDER BY id LIMIT :limit",
        {
            "account_id": account_id,
            "channel": channel,
            "not_sent": not_sent_type,
            "bounced": bounced_type,
            "after_id": after_id,
            "limit": limit,
        },
    )
    return [Event.from_row(row) for row in rows]


async def in_range(
    db: Db,
    account_id: int,
    types: list[str],
    *,
    after: tuple[int, int],
    until: int,
    limit: int,
) -> list[Event]:
    """The account's events of ``types`` after the position ``after`` (``occurred_at``, id)
    and before ``until``, in that order: one page of a replay's scan (``events_account_time``)."""
    binds = {f"t{i}": t for i, t in enumerate(types)}
    rows = await db.fetch_all(
        "SELECT * FROM events WHERE account_id = :account_id AND occurred_at >= :after_at"
        " AND occurred_at < :until AND (occurred_at > :after_at OR id > :after_id)"
        f" AND type IN ({', '.join(':' + name for name in binds)})"
        " ORDER BY occurred_at, id LIMIT :limit",
        {
            "account_id": account_id,
            "after_at": after[0],
            "after_id": after[1],
            "until": until,
            "limit": limit,
            **binds,
        },
    )
    return [Event.from_row(row) for row in rows]


async def for_message(db: Db, message_id: str) -> list[Event]:
    rows = await db.fetch_all(
        "SELECT * FROM events WHERE message_id = :message_id ORDER BY id",
        {"message_id": message_id},
    )
    return [Event.from_row(row) for row in rows]


async def recent(db: Db, account_id: int, *, limit: int) -> list[tuple[Event, str | None]]:
    """The account's newest events, each with its message's subject (rendered, else requested)."""
    rows = await db.fetch_all(
        "SELECT e.*, m.rendered AS m_rendered, m.overrides AS m_overrides FROM events e"
        " LEFT JOIN messages m ON m.id = e.message_id WHERE e.account_id = :account_id"
        " ORDER BY e.occurred_at DESC, e.id DESC LIMIT :limit",
        {"account_id": account_id, "limit": limit},
    )
    found = []
    for row in rows:
        rendered = jsonb.load(row["m_rendered"]) or {}
        overrides = jsonb.load(row["m_overrides"]) or {}
        subject = rendered.get("subject") or overrides.get("subject")
        found.append((Event.from_row(row), subject))
    return found


async def purge(db: Db, *, older_than: int) -> int:
    """Events older than ``older_than`` that no delivery still needs (rollups keep the counts)."""
    rows = await db.fetch_all(
        "DELETE FROM events WHERE occurred_at < :older_than AND NOT EXISTS"
        " (SELECT 1 FROM outbox o WHERE o.event_id = events.id) RETURNING id",
        {"older_than": older_than},
    )
    return len(rows)
