"""Fill a Tidings database (SQLite or PostgreSQL) with stored events for the stats measure.

The rows are what the send path writes (raw events, plus the hourly ``stats_events``
rollups written in the same transaction), spread over the last 30 days, in one
transaction through the driver; going through the API would take minutes per million.
"""

from __future__ import annotations

import collections
import pathlib
import random
import sqlite3

import asyncpg  # type: ignore[import-untyped]

from app.storage.stats import hour_of

PREFIX = "TransactionalSendEvents."
_KINDS = [  # channel, type, detail, weight
    ("email", "EmailSent", "", 80),
    ("email", "EmailNotSent", "24", 5),
    ("email", "EmailBounced", "HARD 5.1.1", 3),
    ("email", "EmailBounced", "SOFT 4.2.2", 2),
    ("sms", "SmsSent", "", 9),
    ("sms", "SmsNotSent", "101", 1),
]
_DAY_MS = 86_400_000


Row = tuple[str, int, str, str, str, str, int, str]
Rollup = tuple[int, int, str, str, str, str, int]


def _made(account_id: int, count: int, now_ms: int) -> tuple[list[Row], list[Rollup]]:
    """``count`` raw events over the last 30 days and their hourly rollups (seeded, the same
    every run)."""
    rng = random.Random(7)
    kinds = rng.choices(_KINDS, weights=[k[3] for k in _KINDS], k=count)
    rollups: collections.Counter[tuple[int, str, str, str, str]] = collections.Counter()
    rows: list[Row] = []
    for n, (channel, kind, detail, _) in enumerate(kinds):
        at = now_ms - rng.randrange(30 * _DAY_MS)
        definition = f"def{n % 5}"
        rollups[(hour_of(at), channel, PREFIX + kind, definition, detail)] += 1
        rows.append(
            (f"fill-{n}", account_id, f"m{n}", channel, PREFIX + kind, definition, at, "{}")
        )
    return rows, [(account_id, *key, n) for key, n in rollups.items()]


_EVENT_COLUMNS = (
    "event_id", "account_id", "message_id", "channel", "type", "definition_key", "occurred_at",
    "info",
)  # fmt: skip
_ROLLUP_COLUMNS = ("account_id", "hour_at", "channel", "type", "definition_key", "detail", "count")


def events(path: pathlib.Path, *, account_id: int, count: int, now_ms: int) -> None:
    rows, rollups = _made(account_id, count, now_ms)
    with sqlite3.connect(path, timeout=30, isolation_level=None) as connection:
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            f"INSERT INTO events ({', '.join(_EVENT_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        connection.executemany(
            f"INSERT INTO stats_events ({', '.join(_ROLLUP_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (account_id, hour_at, channel, type, definition_key, detail, shard)"
            " DO UPDATE"
            " SET count = stats_events.count + excluded.count",
            rollups,
        )
        connection.execute("COMMIT")


async def events_pg(url: str, *, account_id: int, count: int, now_ms: int) -> None:
    """The same rows in PostgreSQL, by COPY (the rollups are new rows: the database is fresh)."""
    rows, rollups = _made(account_id, count, now_ms)
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await connection.copy_records_to_table("events", records=rows, columns=_EVENT_COLUMNS)
            await connection.copy_records_to_table(
                "stats_events", records=rollups, columns=_ROLLUP_COLUMNS
            )
        await connection.execute("ANALYZE events; ANALYZE stats_events")
    finally:
        await connection.close()
