"""SQL for the per-minute latency rollup (stats_latency): webhook POSTs and time to deliver."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.storage import stats
from app.storage.db import Db, Row

MINUTE_MS = 60_000
WEBHOOK_BOUNDS_MS = stats.LATENCY_BOUNDS_MS  # w0 … w13 (the last: slower than 10 s)
# d0 … d14: up to 100 ms … 24 h, and slower (send accepted -> webhook received).
DELIVER_BOUNDS_MS = (
    100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000,
    21_600_000, 86_400_000,
)  # fmt: skip
WEBHOOK = tuple(f"w{i}" for i in range(len(WEBHOOK_BOUNDS_MS) + 1))
DELIVER = tuple(f"d{i}" for i in range(len(DELIVER_BOUNDS_MS) + 1))
_COUNTERS = ("webhook_count", "webhook_sum_ms", "deliver_count", "deliver_sum_ms", *WEBHOOK,
             *DELIVER)  # fmt: skip
_KEY = ("account_id", "slice_by", "channel", "definition_key", "minute_at")


@dataclasses.dataclass(frozen=True)
class Carried:
    """One event a batch carried: its channel and definition, when its message was accepted,
    and whether an earlier delivery of it to the same callback exists (a replay)."""

    channel: str
    definition_key: str
    accepted_at: int | None
    replayed: bool


async def carried(db: Db, batch_id: str) -> list[Carried]:
    """The events of a batch (through ``outbox_batch``, ``outbox_event``)."""
    rows = await db.fetch_all(
        "SELECT e.channel, e.definition_key, m.created_at, EXISTS (SELECT 1 FROM outbox p"
        " WHERE p.event_id = o.event_id AND p.callback_id = o.callback_id AND p.id < o.id)"
        " AS replayed FROM outbox o JOIN events e ON e.id = o.event_id"
        " LEFT JOIN messages m ON m.id = e.message_id WHERE o.batch_id = :batch_id",
        {"batch_id": batch_id},
    )
    return [
        Carried(
            row["channel"],
            (row["definition_key"] or "").lower(),
            None if row["created_at"] is None else int(row["created_at"]),
            bool(row["replayed"]),
        )
        for row in rows
    ]


async def add(db: Db, rows: list[dict[str, Any]]) -> None:
    """Add counters (each row: the key columns and any of the counters); one driver call."""
    if not rows:
        return
    full = [dict.fromkeys(_COUNTERS, 0) | row for row in rows]
    columns = [*_KEY, *_COUNTERS]
    await db.execute_many(
        f"INSERT INTO stats_latency ({', '.join(columns)})"
        f" VALUES ({', '.join(':' + c for c in columns)})"
        f" ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
        + ", ".join(f"{c} = stats_latency.{c} + excluded.{c}" for c in _COUNTERS),
        full,
    )


@dataclasses.dataclass(frozen=True)
class Step:
    """The counters of one slice summed over one step of time."""

    at: int
    webhook: tuple[int, ...]
    deliver: tuple[int, ...]

    @classmethod
    def from_row(cls, row: Row) -> Step:
        return cls(
            at=int(row["bucket"]),
            webhook=tuple(int(row[c] or 0) for c in WEBHOOK),
            deliver=tuple(int(row[c] or 0) for c in DELIVER),
        )


async def steps(
    db: Db,
    account_id: int,
    *,
    channel: str | None,
    definition_key: str | None,
    since: int,
    until: int,
    step_ms: int,
) -> list[Step]:
    """Per step in [since, until), the slice's histograms (steps with no data left out)."""
    slice_by = (1 if channel else 0) | (2 if definition_key else 0)
    sums = ", ".join(f"SUM({c}) AS {c}" for c in (*WEBHOOK, *DELIVER))
    rows = await db.fetch_all(
        f"SELECT minute_at - minute_at % :step AS bucket, {sums} FROM stats_latency"
        " WHERE account_id = :account_id AND slice_by = :slice_by AND channel = :channel"
        " AND definition_key = :definition_key AND minute_at >= :since AND minute_at < :until"
        " GROUP BY minute_at - minute_at % :step",
        {
            "step": step_ms,
            "account_id": account_id,
            "slice_by": slice_by,
            "channel": channel or "",
            "definition_key": (definition_key or "").lower(),
            "since": since,
            "until": until,
        },
    )
    return [Step.from_row(row) for row in rows]
