"""SQL for the per-minute latency rollup (stats_latency): webhook POSTs and time to deliver."""

from __future__ import annotations

import bisect
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


def _bucket_case() -> str:
    """An event's time-to-deliver bucket (of DELIVER); -1 for an event without a message, or
    one this callback got before (a replay: not a first delivery)."""
    steps = " ".join(
        f"WHEN :at - m.created_at <= {bound} THEN {i}" for i, bound in enumerate(DELIVER_BOUNDS_MS)
    )
    return (
        "CASE WHEN m.created_at IS NULL OR EXISTS (SELECT 1 FROM outbox p WHERE p.event_id ="
        " o.event_id AND p.callback_id = o.callback_id AND p.id < o.id) THEN -1"
        f" {steps} ELSE {len(DELIVER_BOUNDS_MS)} END"
    )


# A batch's events by channel, definition and bucket (a batch of 1,000 is a few rows).
_CARRIED = (
    "SELECT e.channel AS channel, COALESCE(lower(e.definition_key), '') AS dk,"
    f" {_bucket_case()} AS bucket, COUNT(*) AS n, SUM(:at - m.created_at) AS took FROM outbox o"
    " JOIN events e ON e.id = o.event_id LEFT JOIN messages m ON m.id = e.message_id"
    " WHERE o.batch_id = :batch_id GROUP BY 1, 2, 3"
)
# A POST counts once in the account's whole (slice 0) and once per (channel, definition) pair
# it carried (slice 3); two rows, not four, on the dispatcher's path. Slices 1 and 2 (by
# channel, by definition alone) are left to the reads, which sum the pairs.
_SLICES = "(SELECT 0 AS n UNION ALL SELECT 3 AS n)"


def _count_sql(ok: bool) -> str:
    delivered = [
        "SUM(CASE WHEN c.bucket >= 0 THEN c.n ELSE 0 END)",
        "SUM(CASE WHEN c.bucket >= 0 THEN c.took ELSE 0 END)",
        *(f"SUM(CASE WHEN c.bucket = {i} THEN c.n ELSE 0 END)" for i in range(len(DELIVER))),
    ]
    values = [
        "CAST(:account_id AS BIGINT)", "s.n", "CASE WHEN s.n IN (1, 3) THEN c.channel ELSE '' END",
        "CASE WHEN s.n >= 2 THEN c.dk ELSE '' END", "CAST(:minute_at AS BIGINT)", "1",
        "CAST(:latency_ms AS BIGINT)", *(f"CAST(:{w} AS BIGINT)" for w in WEBHOOK),
        *(delivered if ok else ["0"] * len(delivered)),
    ]  # fmt: skip
    columns = [*_KEY, "webhook_count", "webhook_sum_ms", *WEBHOOK, "deliver_count",
               "deliver_sum_ms", *DELIVER]  # fmt: skip
    return (
        f"INSERT INTO stats_latency ({', '.join(columns)}) SELECT {', '.join(values)}"
        f" FROM ({_CARRIED}) c CROSS JOIN {_SLICES} s WHERE 1 = 1 GROUP BY 2, 3, 4"
        f" ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
        + ", ".join(f"{c} = stats_latency.{c} + excluded.{c}" for c in _COUNTERS)
    )


_COUNT = {ok: _count_sql(ok) for ok in (True, False)}


async def count_attempt(
    db: Db, *, account_id: int, batch_id: str, at: int, latency_ms: int, ok: bool
) -> None:
    """One POST of a batch, in one statement: its latency once in each slice of what it
    carried; when it succeeded, each first delivery's time since its send was accepted. Call
    in the transaction that logs the attempt."""
    await count_attempts(db, [Post(account_id, batch_id, at, latency_ms, ok)])


@dataclasses.dataclass(frozen=True)
class Post:
    """One batch POST, as the latency rollup counts it."""

    account_id: int
    batch_id: str
    at: int
    latency_ms: int
    ok: bool


async def count_attempts(db: Db, posts: list[Post]) -> None:
    """``count_attempt`` for many POSTs: one statement per outcome, run for every POST."""
    for ok in (True, False):
        rows = [_values(post) for post in posts if post.ok is ok]
        rows.sort(key=lambda row: (row["account_id"], row["minute_at"]))
        await db.execute_many(_COUNT[ok], rows)


def _values(post: Post) -> dict[str, Any]:
    webhook = WEBHOOK[bisect.bisect_left(WEBHOOK_BOUNDS_MS, post.latency_ms)]
    return {
        "account_id": post.account_id,
        "batch_id": post.batch_id,
        "at": post.at,
        "minute_at": post.at - post.at % MINUTE_MS,
        "latency_ms": post.latency_ms,
    } | {w: int(w == webhook) for w in WEBHOOK}


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
    """Per step in [since, until), the histograms of the POSTs that carried events of this
    channel and definition (None: any), steps with no data left out. With one of the two
    given, a POST that carried several pairs of it counts once per pair."""
    where = "account_id = :account_id AND minute_at >= :since AND minute_at < :until"
    values: dict[str, Any] = {"step": step_ms, "account_id": account_id, "since": since,
                              "until": until}  # fmt: skip
    where += " AND slice_by = " + ("3" if channel or definition_key else "0")
    if channel:
        where += " AND channel = :channel"
        values["channel"] = channel
    if definition_key:
        where += " AND definition_key = lower(:definition_key)"
        values["definition_key"] = definition_key
    sums = ", ".join(f"SUM({c}) AS {c}" for c in (*WEBHOOK, *DELIVER))
    rows = await db.fetch_all(
        f"SELECT minute_at - minute_at % :step AS bucket, {sums} FROM stats_latency"
        f" WHERE {where} GROUP BY minute_at - minute_at % :step",
        values,
    )
    return [Step.from_row(row) for row in rows]
