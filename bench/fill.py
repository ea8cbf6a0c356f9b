"""Fill a Tidings SQLite database with stored events for the stats measure.

The rows are what the send path writes (raw events, plus the hourly ``stats_events``
rollups written in the same transaction), spread over the last 30 days, in one
transaction through the driver; going through the API would take minutes per million.
"""

from __future__ import annotations

import collections
import pathlib
import random
import sqlite3

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


def events(path: pathlib.Path, *, account_id: int, count: int, now_ms: int) -> None:
    rng = random.Random(7)
    kinds = rng.choices(_KINDS, weights=[k[3] for k in _KINDS], k=count)
    rollups: collections.Counter[tuple[int, str, str, str, str]] = collections.Counter()

    def rows() -> object:
        for n, (channel, kind, detail, _) in enumerate(kinds):
            at = now_ms - rng.randrange(30 * _DAY_MS)
            definition = f"def{n % 5}"
            rollups[(hour_of(at), channel, PREFIX + kind, definition, detail)] += 1
            yield (f"fill-{n}", account_id, f"m{n}", channel, PREFIX + kind, definition, at, "{}")

    with sqlite3.connect(path, timeout=30, isolation_level=None) as connection:
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "INSERT INTO events (event_id, account_id, message_id, channel, type, definition_key,"
            " occurred_at, info) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows(),  # type: ignore[arg-type]
        )
        connection.executemany(
            "INSERT INTO stats_events (account_id, hour_at, channel, type, definition_key, detail,"
            " count) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, hour_at, channel, type,"
            " definition_key, detail) DO UPDATE SET count = stats_events.count + excluded.count",
            [(account_id, *key, n) for key, n in rollups.items()],
        )
        connection.execute("COMMIT")
