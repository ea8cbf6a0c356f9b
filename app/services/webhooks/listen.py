"""`tidings listen` streams: an account's newly committed events, read from the pull feed.

A stream keeps no queue and writes nothing: it pages the feed (``app.storage.feed``) from the
position it started at, so while no listener is connected nothing is kept for one, and a
listener that reconnects with the last position it got (``Last-Event-ID``) misses nothing,
also across a server restart or on another process. Open streams are bounded per account
(``TIDINGS_LISTEN_PER_ACCOUNT``) so nobody can tie up the server's connections with them.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from app.errors import RateLimited, Unauthenticated
from app.services.webhooks import fanout
from app.services.webhooks import feed as feed_service
from app.storage import feed
from app.storage.db import Db
from app.wire.listen import ListenQuery

PAGE = 100


@dataclasses.dataclass(frozen=True)
class Batch:
    """Events to pass on, and the cursor a stream resumes after them (None: nothing new)."""

    cursor: str | None
    events: list[dict[str, Any]]


class Listeners:
    """The streams open in this process, per account."""

    def __init__(self, per_account: int) -> None:
        self._limit = per_account
        self._open: collections.Counter[int] = collections.Counter()

    def check(self, account_id: int) -> None:
        """``RateLimited`` (429) when the account's streams are all open."""
        if self._open[account_id] >= self._limit:
            raise RateLimited(
                f"account: {self._limit} listen streams are open (TIDINGS_LISTEN_PER_ACCOUNT)", 5
            )

    @contextlib.contextmanager
    def slot(self, account_id: int) -> Iterator[None]:
        """Held while a stream is open (``check`` first: streams that raced past it end)."""
        self.check(account_id)
        self._open[account_id] += 1
        try:
            yield
        finally:
            self._open[account_id] -= 1
            if self._open[account_id] <= 0:
                del self._open[account_id]


class Liveness:
    """Whether a stream's credential still holds: not past its expiry, and authenticated anew
    (``authenticate`` raises ``Unauthenticated`` once it is revoked) at most every ``every_s``
    — the auth cache's TTL, so a revocation ends the stream as soon as it ends requests."""

    def __init__(
        self,
        authenticate: Callable[[], Awaitable[object]],
        *,
        expires_at: int | None,
        now: Callable[[], int],
        every_s: float,
    ) -> None:
        self._authenticate, self._expires_at, self._now = authenticate, expires_at, now
        self._every_ms = int(every_s * 1000)
        self._checked = now()

    async def holds(self) -> bool:
        now = self._now()
        if self._expires_at is not None and now >= self._expires_at:
            return False
        if now - self._checked < self._every_ms:
            return True
        self._checked = now
        try:
            await self._authenticate()
        except Unauthenticated:
            return False
        return True


async def stream(
    db: Db,
    account_id: int,
    query: ListenQuery,
    *,
    resume: str | None,
    now_ms: int,
    poll_s: float,
    replay_max: int,
) -> AsyncIterator[Batch]:
    """Batches of new events, forever (the caller ends it); an empty one each idle poll."""
    if resume is not None:
        position = feed_service.position(resume)
    else:
        position = await feed.head(db, account_id)
        if query.since_minutes:
            replayed = await feed.recent(
                db, account_id, since=now_ms - query.since_minutes * 60_000, until=position,
                types=query.events, definition_key=query.definition_key, limit=replay_max,
            )  # fmt: skip
            if replayed:
                yield Batch(feed_service.cursor(position), [fanout.to_wire(e) for e in replayed])
    while True:
        found = await feed.page(
            db, account_id, after=position, types=query.events,
            definition_key=query.definition_key, limit=PAGE,
        )  # fmt: skip
        if found:
            position = found[-1][0]
            yield Batch(feed_service.cursor(position), [fanout.to_wire(e) for _, e in found])
        else:
            yield Batch(None, [])
            await asyncio.sleep(poll_s)
