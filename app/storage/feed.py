"""SQL for the pull feed: an account's events in commit order, and a callback's undelivered.

The position of an event is ``(txid, id)``. On SQLite, one writer hands ids out in commit
order and ``txid`` is 0. On PostgreSQL ``txid`` is the writing transaction's id, and a page
reads only below ``pg_snapshot_xmin`` (the oldest transaction still running): no transaction
that could still commit has a txid there, so the rows under the fence never change and paging
by position never skips or repeats one. The cost is a delay: an event is listed once every
transaction older than its own has ended (a long transaction holds the feed back, never
reorders it).
"""

from __future__ import annotations

import dataclasses

from app.storage import batches, events
from app.storage.db import Db

Position = tuple[int, int]  # (txid, id)
_FENCE = {
    "postgresql": "CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT) AS BIGINT)",
    "sqlite": "1",
}


async def page(
    db: Db,
    account_id: int,
    *,
    after: Position,
    types: list[str] | None,
    definition_key: str | None,
    limit: int,
) -> list[tuple[Position, events.Event]]:
    """Up to ``limit`` events after ``after``, in commit order, each with its position."""
    binds: dict[str, object] = {"account_id": account_id, "tx": after[0], "id": after[1],
                                "limit": limit}  # fmt: skip
    where = _filters(binds, types, definition_key)
    rows = await db.fetch_all(
        "SELECT * FROM events WHERE account_id = :account_id"
        " AND (txid > :tx OR (txid = :tx AND id > :id))"
        f" AND txid < {_FENCE[db.dialect]}{where} ORDER BY txid, id LIMIT :limit",
        binds,
    )
    return [((int(row["txid"]), int(row["id"])), events.Event.from_row(row)) for row in rows]


async def head(db: Db, account_id: int) -> Position:
    """A position every event committed from now on comes after (a listener's start). On
    PostgreSQL, events of transactions still running may fall on either side of it."""
    if db.dialect == "postgresql":
        fence = await db.fetch_val(f"SELECT {_FENCE['postgresql']}")
        return int(fence) - 1, 2**63 - 1
    last = await db.fetch_val(
        "SELECT MAX(id) FROM events WHERE account_id = :account_id", {"account_id": account_id}
    )
    return 0, int(last or 0)


async def recent(
    db: Db,
    account_id: int,
    *,
    since: int,
    until: Position,
    types: list[str] | None,
    definition_key: str | None,
    limit: int,
) -> list[events.Event]:
    """Events up to ``until`` that occurred since ``since``, the newest ``limit``, oldest
    first (a listener's replay of the last minutes; ``events_account_time``)."""
    binds: dict[str, object] = {"account_id": account_id, "since": since, "tx": until[0],
                                "id": until[1], "limit": limit}  # fmt: skip
    where = _filters(binds, types, definition_key)
    rows = await db.fetch_all(
        "SELECT * FROM events WHERE account_id = :account_id AND occurred_at >= :since"
        f" AND (txid < :tx OR (txid = :tx AND id <= :id)){where}"
        " ORDER BY occurred_at DESC, id DESC LIMIT :limit",
        binds,
    )
    return [events.Event.from_row(row) for row in reversed(rows)]


def _filters(binds: dict[str, object], types: list[str] | None, key: str | None) -> str:
    where = ""
    if types:
        names = {f"t{i}": t for i, t in enumerate(types)}
        where += f" AND type IN ({', '.join(':' + n for n in names)})"
        binds |= names
    if key is not None:
        where += " AND definition_key = :definition_key"
        binds["definition_key"] = key
    return where


@dataclasses.dataclass(frozen=True)
class Undelivered:
    outbox_id: int
    event: events.Event
    state: str  # waiting, held, pending, sending, failed
    attempts: int
    last_error: str | None


async def undelivered(
    db: Db, callback_id: str, *, since: int, after: int, limit: int
) -> list[Undelivered]:
    """Events owed to the callback since ``since`` that it has not accepted, oldest first
    (outbox order), after the outbox row ``after``."""
    rows = await db.fetch_all(
        "SELECT e.*, o.id AS o_id, o.held AS o_held, b.status AS b_status,"
        " b.attempts AS b_attempts, b.last_error AS b_error FROM outbox o"
        " JOIN events e ON e.id = o.event_id LEFT JOIN batches b ON b.id = o.batch_id"
        " WHERE o.callback_id = :callback_id AND o.id > :after AND e.occurred_at >= :since"
        f" AND (b.status IS NULL OR b.status <> '{batches.DELIVERED}') ORDER BY o.id LIMIT :limit",
        {"callback_id": callback_id, "after": after, "since": since, "limit": limit},
    )
    return [
        Undelivered(
            outbox_id=int(row["o_id"]),
            event=events.Event.from_row(row),
            state=row["b_status"] or ("held" if row["o_held"] else "waiting"),
            attempts=int(row["b_attempts"] or 0),
            last_error=row["b_error"],
        )
        for row in rows
    ]
