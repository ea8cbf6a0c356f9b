"""SQL for the messages table: one message to one recipient, from acceptance to final outcome."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.storage import jsonb
from app.storage.db import IN_LIST_MAX, Db, Row, field_names, in_list, values_of

QUEUED, HELD, SENDING = "queued", "held", "sending"
SENT, NOT_SENT, BOUNCED = "sent", "not_sent", "bounced"
FINAL = (SENT, NOT_SENT, BOUNCED)


@dataclasses.dataclass(frozen=True)
class Message:
    id: str
    account_id: int
    channel: str
    message_key: str
    request_id: str
    definition_id: str | None
    definition_key: str | None
    contact_key: str
    recipient: str
    attributes: dict[str, Any]
    overrides: dict[str, Any]  # per-send content (SMS content.message, Broadcast subject/body)
    payload_hash: str
    status: str
    created_at: int
    updated_at: int
    next_attempt_at: int
    attempts: int = 0
    status_code: int | None = None
    status_message: str | None = None
    lease_until: int | None = None
    rendered: dict[str, Any] | None = None
    provider_id: str | None = None
    sent_at: int | None = None
    queue_at: int | None = None  # a scheduled send: not before this time

    @classmethod
    def from_row(cls, row: Row) -> Message:
        fields = {name: row[name] for name in field_names(cls)}
        for name in ("attributes", "overrides", "rendered"):
            fields[name] = jsonb.load(row[name])
        return cls(**fields)


_INSERT = (
    "INSERT INTO messages (id, account_id, channel, message_key, key_lc, request_id,"
    " definition_id, definition_key, contact_key, recipient, attributes, overrides, payload_hash,"
    " status, status_code, status_message, attempts, next_attempt_at, lease_until, rendered,"
    " provider_id, created_at, updated_at, sent_at, queue_at) VALUES (:id, :account_id, :channel,"
    " :message_key, :key_lc, :request_id, :definition_id, :definition_key, :contact_key,"
    " :recipient, :attributes, :overrides, :payload_hash, :status, :status_code,"
    " :status_message, :attempts, :next_attempt_at, :lease_until, :rendered, :provider_id,"
    " :created_at, :updated_at, :sent_at, :queue_at)"
)


def _values(message: Message) -> dict[str, Any]:
    values = values_of(message)
    values["key_lc"] = message.message_key.lower()
    for name in ("attributes", "overrides"):
        values[name] = jsonb.dump(values[name])
    values["rendered"] = None if message.rendered is None else jsonb.dump(message.rendered)
    return values


async def insert_many(db: Db, batch: list[Message]) -> None:
    """All rows in one driver call; call inside a transaction."""
    await db.execute_many(_INSERT, [_values(message) for message in batch])


async def by_keys(db: Db, account_id: int, channel: str, keys: list[str]) -> dict[str, Message]:
    """Existing messages for these keys (any casing), by lower-cased key."""
    found: dict[str, Message] = {}
    lowered = sorted({key.lower() for key in keys})
    for start in range(0, len(lowered), IN_LIST_MAX):
        listed, binds = in_list("k", lowered[start : start + IN_LIST_MAX])
        rows = await db.fetch_all(
            "SELECT * FROM messages WHERE account_id = :account_id AND channel = :channel"
            f" AND key_lc IN {listed}",
            {"account_id": account_id, "channel": channel, **binds},
        )
        found.update({row["key_lc"]: Message.from_row(row) for row in rows})
    return found


async def retire_keys(db: Db, message_ids: list[str]) -> None:
    """Free the keys of messages older than the idempotency window so they can be reused."""
    await db.execute_many(
        "UPDATE messages SET key_lc = key_lc || '#' || id WHERE id = :id",
        [{"id": message_id} for message_id in message_ids],
    )


async def get_by_key(db: Db, account_id: int, channel: str, key: str) -> Message | None:
    row = await db.fetch_one(
        "SELECT * FROM messages WHERE account_id = :account_id AND channel = :channel"
        " AND key_lc = :key",
        {"account_id": account_id, "channel": channel, "key": key.lower()},
    )
    return None if row is None else Message.from_row(row)


async def get(db: Db, message_id: str) -> Message | None:
    row = await db.fetch_one("SELECT * FROM messages WHERE id = :id", {"id": message_id})
    return None if row is None else Message.from_row(row)


async def transactionals_page(
    db: Db, account_id: int, *, limit: int, offset: int
) -> tuple[list[Message], int]:
    """Definition-less (Broadcast-style) email messages, newest first, and their total."""
    where = "account_id = :account_id AND definition_id IS NULL AND channel = 'email'"
    rows = await db.fetch_all(
        f"SELECT * FROM messages WHERE {where} ORDER BY created_at DESC, id DESC"
        " LIMIT :limit OFFSET :offset",
        {"account_id": account_id, "limit": limit, "offset": offset},
    )
    total = await db.fetch_val(
        f"SELECT COUNT(*) FROM messages WHERE {where}", {"account_id": account_id}
    )
    return [Message.from_row(row) for row in rows], int(total)


async def finish(
    db: Db,
    message_id: str,
    *,
    status: str,
    now: int,
    status_code: int | None = None,
    status_message: str | None = None,
    rendered: dict[str, Any] | None = None,
    provider_id: str | None = None,
    claimed: bool = False,
) -> bool:
    """Record a final status; call inside the transaction that writes its event.

    ``claimed``: only if the message is still claimed by a sender ('sending'). False when it
    is not: another pass finished it already (a COMMIT whose answer was lost, then a retry).
    """
    only_claimed = f" AND status = '{SENDING}'" if claimed else ""
    rows = await db.fetch_all(
        "UPDATE messages SET status = :status, status_code = :status_code,"
        " status_message = :status_message, lease_until = NULL, updated_at = :now,"
        " rendered = COALESCE(:rendered, rendered), summary = COALESCE(:summary, summary),"
        " provider_id = COALESCE(:provider_id,"
        f" provider_id), sent_at = CASE WHEN :status = '{SENT}' THEN :now ELSE sent_at END"
        f" WHERE id = :id{only_claimed} RETURNING id",
        {
            "id": message_id,
            "status": status,
            "status_code": status_code,
            "status_message": status_message,
            "now": now,
            "rendered": None if rendered is None else jsonb.dump(rendered),
            "summary": summary_of(rendered),
            "provider_id": provider_id,
        },
    )
    return bool(rows)


def summary_of(rendered: dict[str, Any] | None) -> str | None:
    """What a search lists for a message: the email's subject, or the start of the SMS text."""
    if not rendered:
        return None
    subject = rendered.get("subject")
    return subject if subject is not None else (rendered.get("text") or "")[:200]


async def retry_at(db: Db, message_id: str, *, at: int, now: int, note: str) -> None:
    """A claimed message goes back to the queue for a later try (if still claimed: a final
    status recorded meanwhile wins)."""
    await db.execute(
        f"UPDATE messages SET status = '{QUEUED}', lease_until = NULL, next_attempt_at = :at,"
        f" status_message = :note, updated_at = :now WHERE id = :id AND status = '{SENDING}'",
        {"id": message_id, "at": at, "now": now, "note": note},
    )


async def release_held(db: Db, definition_id: str, *, now: int) -> None:
    """A re-activated definition's queue goes out."""
    await db.execute(
        f"UPDATE messages SET status = '{QUEUED}', next_attempt_at = :now, updated_at = :now"
        f" WHERE definition_id = :definition_id AND status = '{HELD}'",
        {"definition_id": definition_id, "now": now},
    )


async def held_stats(db: Db, definition_id: str) -> tuple[int, int | None]:
    """(count, oldest created_at) of a definition's held queue."""
    row = await db.fetch_one(
        "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM messages"
        f" WHERE definition_id = :definition_id AND status = '{HELD}'",
        {"definition_id": definition_id},
    )
    assert row is not None
    return int(row["n"]), None if row["oldest"] is None else int(row["oldest"])


async def held(
    db: Db, *, definition_id: str | None = None, older_than: int | None = None, limit: int = 1000
) -> list[Message]:
    """Held messages of one definition, or of any definition held since before ``older_than``."""
    where, values = f"status = '{HELD}'", {"limit": limit}
    if definition_id is not None:
        where += " AND definition_id = :definition_id"
        values["definition_id"] = definition_id  # type: ignore[assignment]
    if older_than is not None:
        where += " AND created_at < :older_than"
        values["older_than"] = older_than
    rows = await db.fetch_all(
        f"SELECT * FROM messages WHERE {where} ORDER BY created_at LIMIT :limit", values
    )
    return [Message.from_row(row) for row in rows]


async def find_by_provider_id(db: Db, provider_id: str) -> Message | None:
    row = await db.fetch_one(
        "SELECT * FROM messages WHERE provider_id = :provider_id", {"provider_id": provider_id}
    )
    return None if row is None else Message.from_row(row)


async def latest_to(db: Db, account_id: int, channel: str, recipient: str) -> Message | None:
    """The account's newest sent message to a recipient (for JSON bounces without a key)."""
    row = await db.fetch_one(
        "SELECT * FROM messages WHERE account_id = :account_id AND channel = :channel"
        f" AND recipient = :recipient AND status IN ('{SENT}', '{BOUNCED}')"
        " ORDER BY created_at DESC LIMIT 1",
        {"account_id": account_id, "channel": channel, "recipient": recipient},
    )
    return None if row is None else Message.from_row(row)


async def hold(db: Db, message_id: str, *, now: int) -> None:
    """Back to its definition's queue (the definition went Inactive after acceptance)."""
    await db.execute(
        f"UPDATE messages SET status = '{HELD}', lease_until = NULL, updated_at = :now"
        " WHERE id = :id",
        {"id": message_id, "now": now},
    )
