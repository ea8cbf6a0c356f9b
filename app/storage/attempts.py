"""SQL for the attempts log: one row per webhook POST, with its answer and latency."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.storage.db import Db, Row, insert_statement


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

    @classmethod
    def from_row(cls, row: Row) -> Attempt:
        fields = {f.name: row[f.name] for f in dataclasses.fields(cls)}
        fields["ok"] = bool(fields["ok"])
        return cls(**fields)


async def insert(db: Db, attempt: Attempt) -> None:
    values = dataclasses.asdict(attempt)
    values.pop("id")
    values["ok"] = int(attempt.ok)
    columns = list(values)
    await db.execute(insert_statement("attempts", columns), values)


async def page(db: Db, callback_id: str, *, limit: int, before_id: int | None) -> list[Attempt]:
    """Newest first; ``before_id`` pages back."""
    where = "callback_id = :callback_id"
    values: dict[str, Any] = {"callback_id": callback_id, "limit": limit}
    if before_id is not None:
        where += " AND id < :before_id"
        values["before_id"] = before_id
    rows = await db.fetch_all(
        f"SELECT * FROM attempts WHERE {where} ORDER BY id DESC LIMIT :limit", values
    )
    return [Attempt.from_row(row) for row in rows]


async def purge(db: Db, *, older_than: int) -> None:
    """Attempts made before ``older_than``."""
    await db.execute(
        "DELETE FROM attempts WHERE attempted_at < :older_than", {"older_than": older_than}
    )
