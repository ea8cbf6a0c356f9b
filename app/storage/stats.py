"""SQL for the rollup tables: upserts that add to hourly counters, and the reads over them."""

from __future__ import annotations

import bisect
import dataclasses
from typing import Any

from app.storage.db import Db, Row

HOUR_MS = 3600 * 1000
# Upper bounds (ms) of the latency buckets, fastest first; the last bucket is everything slower.
LATENCY_BOUNDS_MS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
# Their columns: up to 25 ms split in five (migration 0008), then b1…b8, and b9 above 10 s.
BUCKETS = ("b0_1", "b0_2", "b0_5", "b0_10", "b0_25", *(f"b{i}" for i in range(1, 10)))
# Attempts up to 25 ms counted before the split, in one bucket; no longer written to.
LEGACY_BUCKET = "b0"
LEGACY_BOUND_MS = 25


def hour_of(at_ms: int) -> int:
    return at_ms - at_ms % HOUR_MS


_EVENT_KEY = "account_id, hour_at, channel, type, definition_key, detail"


async def count_event(
    db: Db,
    *,
    account_id: int,
    at: int,
    channel: str,
    event_type: str,
    definition_key: str,
    detail: str,
    shard: int = 0,
) -> None:
    """One more event in its hour's row of ``shard``; call in the transaction that writes the
    event (migration 0014 says why rows have shards)."""
    await db.execute(
        f"INSERT INTO stats_events ({_EVENT_KEY}, shard, count) VALUES (:account_id, :hour_at,"
        " :channel, :type, :definition_key, :detail, :shard, 1)"
        f" ON CONFLICT ({_EVENT_KEY}, shard) DO UPDATE SET count = stats_events.count + 1",
        {
            "account_id": account_id,
            "hour_at": hour_of(at),
            "channel": channel,
            "type": event_type,
            "definition_key": definition_key,
            "detail": detail,
            "shard": shard,
        },
    )


async def fold_event_shards(db: Db, *, before: int) -> int:
    """The shards of hours before ``before`` summed into shard 0; the number of rows folded.
    Call in a write transaction, for hours no outcome writes to any more.

    On PostgreSQL the rows are deleted and their sums added in one statement: the sums are of
    the rows the DELETE took, so an increment committed meanwhile, or another process folding
    at the same time (every worker runs the job), is neither lost nor counted twice."""
    values = {"before": before}
    folded_rows = "FROM stats_events WHERE shard <> 0 AND hour_at < :before"
    upsert = (
        f" ON CONFLICT ({_EVENT_KEY}, shard)"
        " DO UPDATE SET count = stats_events.count + excluded.count"
    )
    if db.dialect == "postgresql":
        folded = await db.fetch_val(
            f"WITH gone AS (DELETE {folded_rows} RETURNING {_EVENT_KEY}, count),"
            f" added AS (INSERT INTO stats_events ({_EVENT_KEY}, shard, count)"
            f" SELECT {_EVENT_KEY}, 0, SUM(count) FROM gone GROUP BY {_EVENT_KEY}{upsert})"
            " SELECT COUNT(*) FROM gone",
            values,
        )
        return int(folded)
    folded = await db.fetch_val(f"SELECT COUNT(*) {folded_rows}", values)  # one writer
    if not folded:
        return 0
    await db.execute(
        f"INSERT INTO stats_events ({_EVENT_KEY}, shard, count) SELECT {_EVENT_KEY}, 0,"
        f" SUM(count) {folded_rows} GROUP BY {_EVENT_KEY}{upsert}",
        values,
    )
    await db.execute(f"DELETE {folded_rows}", values)
    return int(folded)


def attempt_count(
    *,
    account_id: int,
    callback_id: str,
    at: int,
    result: str,
    first: bool,
    events: int,
    latency_ms: int,
) -> dict[str, Any]:
    """One webhook attempt as the counters it adds to its hour (for ``count_attempts``, in the
    transaction that logs the attempt)."""
    bucket = BUCKETS[bisect.bisect_left(LATENCY_BOUNDS_MS, latency_ms)]
    return {
        "account_id": account_id,
        "callback_id": callback_id,
        "hour_at": hour_of(at),
        "result": result,
        "attempts": 1,
        "first_attempts": int(first),
        "events": events,
        "latency_sum_ms": latency_ms,
        LEGACY_BUCKET: 0,  # NOT NULL without a default since 0005
    } | {name: int(name == bucket) for name in BUCKETS}


_ATTEMPT_KEY = ("account_id", "callback_id", "hour_at", "result")
_ATTEMPT_ADDED = ("attempts", "first_attempts", "events", "latency_sum_ms", *BUCKETS)


async def count_attempts(db: Db, counts: list[dict[str, Any]]) -> None:
    """Webhook attempts (``attempt_count``s) added to their hours: one row per hour, callback
    and result, in key order (so concurrent writers lock rows in one order)."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for count in counts:
        key = tuple(count[k] for k in _ATTEMPT_KEY)
        if key in merged:
            for column in _ATTEMPT_ADDED:
                merged[key][column] += count[column]
        else:
            merged[key] = dict(count)
    rows = [merged[key] for key in sorted(merged)]
    if not rows:
        return
    columns = list(rows[0])
    await db.execute_many(
        f"INSERT INTO stats_attempts ({', '.join(columns)})"
        f" VALUES ({', '.join(':' + c for c in columns)})"
        f" ON CONFLICT ({', '.join(_ATTEMPT_KEY)}) DO UPDATE SET "
        + ", ".join(f"{c} = stats_attempts.{c} + excluded.{c}" for c in _ATTEMPT_ADDED),
        rows,
    )


@dataclasses.dataclass(frozen=True)
class EventCount:
    hour_at: int
    channel: str
    type: str
    definition_key: str
    detail: str
    count: int


# What a column summed over reads as in an EventCount.
_SUMMED_OVER: dict[str, Any] = {
    "hour_at": 0,
    "channel": "",
    "type": "",
    "definition_key": "",
    "detail": "",
}


@dataclasses.dataclass(frozen=True)
class Slice:
    """Which events count: None is any."""

    channel: str | None = None
    event_type: str | None = None
    definition_key: str | None = None  # any casing


def _slice_terms(where: Slice, values: dict[str, Any]) -> str:
    terms = ""
    if where.channel is not None:
        terms += " AND channel = :channel"
        values["channel"] = where.channel
    if where.event_type is not None:
        terms += " AND type = :type"
        values["type"] = where.event_type
    if where.definition_key is not None:
        terms += " AND lower(definition_key) = lower(:definition_key)"
        values["definition_key"] = where.definition_key
    return terms


def _event_filter(
    account_id: int, since: int, until: int, where: Slice
) -> tuple[str, dict[str, Any]]:
    terms = "account_id = :account_id AND hour_at >= :since AND hour_at < :until"
    values: dict[str, Any] = {"account_id": account_id, "since": hour_of(since), "until": until}
    return terms + _slice_terms(where, values), values


async def event_counts(
    db: Db,
    account_id: int,
    *,
    since: int,
    until: int,
    by: tuple[str, ...],
    step_ms: int | None = None,
    where: Slice = Slice(),
) -> list[EventCount]:
    """Counters with hour_at in [hour_of(since), until), summed in SQL over everything but
    the ``by`` columns (and, with ``step_ms``, the start of each step as ``hour_at``); the
    columns summed over come back empty. A month of hourly counters is tens of thousands of
    rows; the sums are a few dozen."""
    assert set(by) <= {"channel", "type", "definition_key", "detail"}, by
    terms, values = _event_filter(account_id, since, until, where)
    keys = list(by)
    columns = list(by)
    if step_ms is not None:
        keys.append("hour_at - hour_at % :step")
        columns.append("hour_at - hour_at % :step AS bucket")
        values["step"] = step_ms
    rows = await db.fetch_all(
        f"SELECT {', '.join(columns)}, SUM(count) AS total FROM stats_events WHERE {terms}"
        f" GROUP BY {', '.join(keys)}",
        values,
    )
    return [
        EventCount(
            **_SUMMED_OVER
            | {k: row[k] for k in by}
            | ({"hour_at": int(row["bucket"])} if step_ms is not None else {}),
            count=int(row["total"]),
        )
        for row in rows
    ]


async def minute_counts(
    db: Db, account_id: int, *, since: int, until: int, where: Slice
) -> list[EventCount]:
    """Events per type and minute in [since, until), counted from the events themselves
    (``events_account_time``; the range is at most a day, and raw events are kept 30)."""
    values: dict[str, Any] = {"account_id": account_id, "since": since, "until": until}
    terms = _slice_terms(where, values)
    rows = await db.fetch_all(
        "SELECT type, occurred_at - occurred_at % 60000 AS bucket, COUNT(*) AS total"
        " FROM events WHERE account_id = :account_id AND occurred_at >= :since"
        f" AND occurred_at < :until{terms} GROUP BY type, occurred_at - occurred_at % 60000",
        values,
    )
    return [
        EventCount(**_SUMMED_OVER | {"type": row["type"], "hour_at": int(row["bucket"])},
                   count=int(row["total"]))
        for row in rows
    ]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class AttemptCounts:
    callback_id: str
    result: str
    attempts: int
    first_attempts: int
    events: int
    latency_sum_ms: int
    buckets: tuple[int, ...]  # in the order of LATENCY_BOUNDS_MS, then the slowest
    legacy_bucket: int  # up to 25 ms, counted before the split

    @classmethod
    def from_row(cls, row: Row) -> AttemptCounts:
        return cls(
            callback_id=row["callback_id"],
            result=row["result"],
            attempts=int(row["attempts"]),
            first_attempts=int(row["first_attempts"]),
            events=int(row["events"]),
            latency_sum_ms=int(row["latency_sum_ms"]),
            buckets=tuple(int(row[name]) for name in BUCKETS),
            legacy_bucket=int(row[LEGACY_BUCKET]),
        )


async def attempt_counts(
    db: Db, account_id: int, *, since: int, until: int, callback_id: str | None = None
) -> list[AttemptCounts]:
    """Per callback and result, summed over the hours in [hour_of(since), until)."""
    where = "account_id = :account_id AND hour_at >= :since AND hour_at < :until"
    values: dict[str, Any] = {"account_id": account_id, "since": hour_of(since), "until": until}
    if callback_id is not None:
        where += " AND callback_id = :callback_id"
        values["callback_id"] = callback_id
    sums = ", ".join(
        f"SUM({c}) AS {c}"
        for c in ("attempts", "first_attempts", "events", "latency_sum_ms", *BUCKETS, LEGACY_BUCKET)
    )
    rows = await db.fetch_all(
        f"SELECT callback_id, result, {sums} FROM stats_attempts WHERE {where}"
        " GROUP BY callback_id, result",
        values,
    )
    return [AttemptCounts.from_row(row) for row in rows]


async def totals(db: Db, *, now: int) -> dict[str, Any]:
    """All-time totals across accounts for /metrics, plus backlog and scheduler lag now."""
    events = await db.fetch_all(
        "SELECT channel, type, SUM(count) AS n FROM stats_events GROUP BY channel, type"
    )
    attempts = await db.fetch_all(
        "SELECT result, SUM(attempts) AS n FROM stats_attempts GROUP BY result"
    )
    backlog = await db.fetch_val(
        "SELECT COUNT(*) FROM outbox o LEFT JOIN batches b ON b.id = o.batch_id"
        " WHERE o.batch_id IS NULL OR b.status IN ('pending', 'sending')"
    )
    due_messages = await db.fetch_val(
        "SELECT MIN(next_attempt_at) FROM messages WHERE status = 'queued'"
        " AND next_attempt_at <= :now",
        {"now": now},
    )
    due_batches = await db.fetch_val(
        "SELECT MIN(next_attempt_at) FROM batches WHERE status = 'pending'"
        " AND next_attempt_at <= :now",
        {"now": now},
    )
    return {
        "events": {(row["channel"], row["type"]): int(row["n"]) for row in events},
        "attempts": {row["result"]: int(row["n"]) for row in attempts},
        "backlog": int(backlog or 0),
        "lag": {
            "messages": 0 if due_messages is None else (now - int(due_messages)) / 1000,
            "webhooks": 0 if due_batches is None else (now - int(due_batches)) / 1000,
        },
    }
