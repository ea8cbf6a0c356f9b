"""SQL for finding messages (newest first, keyset pages) and what a message's timeline joins."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.storage.db import Db, Row


@dataclasses.dataclass(frozen=True)
class Filter:
    """What a search asks for; None: any. ``channels``: those the caller may see."""

    account_id: int
    channels: tuple[str, ...]
    recipient: str | None = None
    message_key: str | None = None
    definition_key: str | None = None
    statuses: tuple[str, ...] | None = None
    since: int | None = None
    until: int | None = None


@dataclasses.dataclass(frozen=True)
class Found:
    """A message as a search lists it (no bodies)."""

    id: str
    channel: str
    message_key: str
    definition_key: str | None
    recipient: str
    status: str
    status_code: int | None
    status_message: str | None
    summary: str | None
    created_at: int
    updated_at: int

    @classmethod
    def from_row(cls, row: Row) -> Found:
        return cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})


_COLUMNS = ", ".join(f.name for f in dataclasses.fields(Found))
# Which index a search walks is chosen by its most selective filter (below), or by the pair of
# a definition or a channel with a rare status (0013's partial indexes hold both); the other
# filters are written so that no index is used for them (``x || ''``): without statistics
# (SQLite) a planner could otherwise prefer one that returns the order but not the few rows.


def _driver(where: Filter) -> str:
    """The filter whose index the search walks."""
    if where.message_key is not None:
        return "message_key"
    if where.recipient is not None:
        return "recipient"
    rare = where.statuses is not None and "sent" not in where.statuses
    if where.definition_key is not None:
        return "definition_key, status" if rare else "definition_key"
    if rare:
        return "channel, status" if len(where.channels) == 1 else "status"
    return "channel" if len(where.channels) == 1 else "recent"


def _conditions(where: Filter) -> tuple[list[str], dict[str, Any]]:
    driver = _driver(where)
    terms = ["account_id = :account_id"]
    values: dict[str, Any] = {"account_id": where.account_id}
    if len(where.channels) == 1:
        values["channel"] = where.channels[0]
        plain = not driver.startswith("channel")
        terms.append("channel || '' = :channel" if plain else "channel = :channel")
    if where.message_key is not None:
        terms.append("lower(message_key) = lower(:message_key)")
        values["message_key"] = where.message_key
    if where.recipient is not None:
        column = "lower(recipient)" if driver == "recipient" else "lower(recipient) || ''"
        terms.append(f"{column} = lower(:recipient)")
        values["recipient"] = where.recipient
    if where.definition_key is not None:
        plain = not driver.startswith("definition_key")
        column = "lower(definition_key) || ''" if plain else "lower(definition_key)"
        terms.append(f"{column} = lower(:definition_key)")
        values["definition_key"] = where.definition_key
    if where.statuses is not None:
        binds = {f"s{i}": s for i, s in enumerate(where.statuses)}
        walked = driver.endswith("status")
        column = "status" if walked else "status || ''"
        terms.append(f"{column} IN ({', '.join(':' + b for b in binds)})")
        if walked:
            terms.append("status <> 'sent'")  # the partial index's own condition, literally
        values |= binds
    return terms, values


async def messages(
    db: Db, where: Filter, *, limit: int, after: tuple[int, str] | None
) -> list[Found]:
    """Up to ``limit`` matching messages, newest first (``created_at``, then ``id``), after the
    position ``after`` (the last one of the previous page)."""
    terms, values = _conditions(where)
    if where.since is not None:
        terms.append("created_at >= :since")
        values["since"] = where.since
    if where.until is not None:
        terms.append("created_at < :until")
        values["until"] = where.until
    if after is not None:
        terms.append("(created_at < :after_at OR (created_at = :after_at AND id < :after_id))")
        values |= {"after_at": after[0], "after_id": after[1]}
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM messages WHERE {' AND '.join(terms)}"
        " ORDER BY created_at DESC, id DESC LIMIT :limit",
        values | {"limit": limit},
    )
    return [Found.from_row(row) for row in rows]


def plan_sql(where: Filter) -> tuple[str, dict[str, Any]]:
    """The search's statement without paging (for tests that check its plan)."""
    terms, values = _conditions(where)
    sql = f"SELECT {_COLUMNS} FROM messages WHERE {' AND '.join(terms)}"
    return sql + " ORDER BY created_at DESC, id DESC LIMIT 50", values


@dataclasses.dataclass(frozen=True)
class CarriedAttempt:
    """A webhook POST that carried one of a message's events."""

    id: int
    event_id: str
    callback_id: str
    callback_name: str | None
    batch_id: str
    attempted_at: int
    ok: bool
    status_code: int | None
    latency_ms: int
    error_class: str | None
    response_excerpt: str | None

    @classmethod
    def from_row(cls, row: Row) -> CarriedAttempt:
        fields = {f.name: row[f.name] for f in dataclasses.fields(cls)}
        return cls(**fields | {"ok": bool(row["ok"])})


async def attempts_for(db: Db, account_id: int, message_id: str) -> list[CarriedAttempt]:
    """Every attempt whose batch carried one of the message's events, oldest first (through
    ``events_message``, ``outbox_event`` and ``attempts_batch``)."""
    rows = await db.fetch_all(
        "SELECT a.id, e.event_id, a.callback_id, c.name AS callback_name, a.batch_id,"
        " a.attempted_at, a.ok, a.status_code, a.latency_ms, a.error_class, a.response_excerpt"
        " FROM events e JOIN outbox o ON o.event_id = e.id"
        " JOIN attempts a ON a.batch_id = o.batch_id"
        " LEFT JOIN callbacks c ON c.id = a.callback_id"
        " WHERE e.message_id = :message_id AND e.account_id = :account_id"
        " ORDER BY a.attempted_at, a.id",
        {"message_id": message_id, "account_id": account_id},
    )
    return [CarriedAttempt.from_row(row) for row in rows]
