"""SQL for the attempts log: one row per webhook POST, with its answer and latency."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.storage import jsonb
from app.storage.db import Db, Row, insert_statement, values_of


@dataclasses.dataclass(frozen=True)
class Attempt:
    account_id: int
    callback_id: str
    batch_id: str | None  # None for a test send
    attempted_at: int
    event_count: int
    ok: bool
    status_code: int | None
    latency_ms: int
    error_class: str | None
    response_excerpt: str | None
    id: int | None = None
    request_headers: dict[str, str] | None = None  # as sent (signatures, never a key)

    @classmethod
    def from_row(cls, row: Row) -> Attempt:
        fields = {f.name: row[f.name] for f in dataclasses.fields(cls)}
        fields["ok"] = bool(fields["ok"])
        if fields["request_headers"] is not None:
            fields["request_headers"] = jsonb.load(fields["request_headers"])
        return cls(**fields)


@dataclasses.dataclass(frozen=True)
class Filter:
    """Which attempts a page holds: each field None means any."""

    status_low: int | None = None  # status code in [status_low, status_high]
    status_high: int | None = None
    no_status: bool = False  # only attempts that got no HTTP answer
    error_class: str | None = None
    ok: bool | None = None
    since: int | None = None  # attempted_at in [since, until)
    until: int | None = None


_FILTERS = (
    ("status_low", "status_code >= :status_low"),
    ("status_high", "status_code <= :status_high"),
    ("error_class", "error_class = :error_class"),
    ("since", "attempted_at >= :since"),
    ("until", "attempted_at < :until"),
)


def _where(found: Filter, values: dict[str, Any]) -> str:
    where = ""
    for name, clause in _FILTERS:
        if getattr(found, name) is not None:
            where += " AND " + clause
            values[name] = getattr(found, name)
    if found.no_status:
        where += " AND status_code IS NULL"
    if found.ok is not None:
        where += " AND ok = :ok"
        values["ok"] = int(found.ok)
    return where


async def insert(db: Db, attempt: Attempt) -> None:
    await insert_many(db, [attempt])


async def insert_many(db: Db, found: list[Attempt]) -> None:
    """Attempt rows in one statement (``id`` assigned by the database)."""
    rows = [_values(attempt) for attempt in found]
    if rows:
        await db.execute_many(insert_statement("attempts", list(rows[0])), rows)


def _values(attempt: Attempt) -> dict[str, Any]:
    values = values_of(attempt)
    values.pop("id")
    values["ok"] = int(attempt.ok)
    headers = attempt.request_headers
    values["request_headers"] = None if headers is None else jsonb.dump(headers)
    return values


async def page(
    db: Db, callback_id: str, *, limit: int, before_id: int | None, only: Filter = Filter()
) -> list[Attempt]:
    """Newest first; ``before_id`` pages back; ``only`` narrows them."""
    values: dict[str, Any] = {"callback_id": callback_id, "limit": limit}
    where = "callback_id = :callback_id" + _where(only, values)
    if before_id is not None:
        where += " AND id < :before_id"
        values["before_id"] = before_id
    rows = await db.fetch_all(
        f"SELECT * FROM attempts WHERE {where} ORDER BY id DESC LIMIT :limit", values
    )
    return [Attempt.from_row(row) for row in rows]


async def get(db: Db, callback_id: str, attempt_id: int) -> Attempt | None:
    row = await db.fetch_one(
        "SELECT * FROM attempts WHERE id = :id AND callback_id = :callback_id",
        {"id": attempt_id, "callback_id": callback_id},
    )
    return None if row is None else Attempt.from_row(row)


async def purge(db: Db, *, older_than: int) -> None:
    """Attempts made before ``older_than``."""
    await db.execute(
        "DELETE FROM attempts WHERE attempted_at < :older_than", {"older_than": older_than}
    )
