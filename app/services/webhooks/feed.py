"""The pull feed and a callback's undelivered events, for receivers reconciling after an outage.

The cursor is opaque to clients: base64url of the position of the last event read (see
``app.storage.feed`` for why that position is commit order on both databases).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from app.errors import Invalid
from app.services.webhooks import fanout
from app.storage import feed
from app.storage.db import Db
from app.wire.feed import FailedQuery, FeedQuery

START = (0, 0)


def cursor(position: feed.Position) -> str:
    text = orjson.dumps({"x": position[0], "i": position[1]})
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


def position(given: str | None) -> feed.Position:
    """The position a cursor names; a cursor this feed did not make is a 400."""
    if given is None:
        return START
    try:
        decoded = orjson.loads(base64.urlsafe_b64decode(given + "=" * (-len(given) % 4)))
        tx, event_id = decoded["x"], decoded["i"]
    except (ValueError, binascii.Error, TypeError, KeyError, orjson.JSONDecodeError):
        tx = event_id = None
    if not all(isinstance(v, int) and 0 <= v < 2**63 for v in (tx, event_id)):
        raise Invalid("after must be a cursor this feed returned (nextCursor)", code=10005,
                      field="after")  # fmt: skip
    return int(tx), int(event_id)


async def page(db: Db, account_id: int, query: FeedQuery) -> dict[str, Any]:
    """One page of the account's events after ``query.after``, in commit order."""
    after = position(query.after)
    found = await feed.page(
        db, account_id, after=after, types=query.types, definition_key=query.definition_key,
        limit=query.limit,
    )  # fmt: skip
    last = found[-1][0] if found else after
    return {
        "items": [fanout.to_wire(event) for _, event in found],
        "nextCursor": cursor(last),
        "hasMore": len(found) == query.limit,
    }


async def undelivered(db: Db, callback_id: str, query: FailedQuery) -> dict[str, Any]:
    """The callback's owed events it has not accepted, oldest first."""
    found = await feed.undelivered(
        db, callback_id, since=query.since, after=query.after, limit=query.limit
    )
    return {
        "items": [
            {
                "event": fanout.to_wire(u.event),
                "state": u.state,
                "attempts": u.attempts,
                "lastError": u.last_error,
            }
            for u in found
        ],
        "nextAfter": found[-1].outbox_id if found else query.after,
        "hasMore": len(found) == query.limit,
    }
