"""Operating a callback (extensions beyond ENS): attempt log, health, replay, test send."""

from __future__ import annotations

import dataclasses

import orjson

from app import clock
from app.errors import Invalid
from app.services import stats
from app.services.wakeups import Wakeups
from app.services.webhooks import callbacks, fanout
from app.services.webhooks.ports import TestSender
from app.storage import attempts as attempt_rows
from app.storage import events, outbox, subscriptions
from app.storage.db import Db
from app.wire import vocabulary
from app.wire.operations import (
    AttemptOut,
    AttemptPage,
    CallbackHealth,
    Replayed,
    ReplayIn,
    TestSent,
)

_HEALTH_WINDOW_MS = 24 * 3600 * 1000
# A replay call reads at most this many events per event it may queue (filters can make
# matches rare), and reads them this many at a time.
_SCAN_PER_EVENT = 10
_PAGE = 1000


def attempt_out(attempt: attempt_rows.Attempt) -> AttemptOut:
    return AttemptOut(
        attempt_id=attempt.id or 0, attempted_at=clock.iso_utc(attempt.attempted_at),
        batch_id=attempt.batch_id, events=attempt.event_count, ok=attempt.ok,
        status_code=attempt.status_code, latency_ms=attempt.latency_ms,
        error_class=attempt.error_class, response_excerpt=attempt.response_excerpt,
    )  # fmt: skip


def attempt_page(
    callback: callbacks.Callback, page: list[attempt_rows.Attempt], *, limit: int
) -> AttemptPage:
    return AttemptPage(
        callback_id=callback.id,
        count=len(page),
        attempts=[attempt_out(a) for a in page],
        next_before_id=page[-1].id if len(page) == limit else None,
    )


async def health(db: Db, callback: callbacks.Callback, *, now: int) -> CallbackHealth:
    """The callback's health over the last 24 h (rollups) and its backlog now."""
    span = stats.Range(now - _HEALTH_WINDOW_MS, now + 1)
    return await stats.callback_health(db, callback, span, now=now)


def require_verified(callback: callbacks.Callback, what: str) -> None:
    """Nothing is sent to a URL whose owner has not answered the verification probe."""
    if not callback.verified:
        raise Invalid(
            f"Callback {callback.id} is not verified, so it gets no {what}: verify it with"
            f" /platform/v1/ens-verify (a new probe: POST /platform/v1/ens-callbacks/"
            f"{callback.id}/probe)",
            code=10001,
        )


async def _replayed_subscriptions(
    db: Db, callback: callbacks.Callback, types: list[str] | None
) -> tuple[list[subscriptions.Subscription], list[str]]:
    """The callback's active subscriptions, narrowed to the asked-for types (each one it is
    subscribed to), and those types."""
    active = [
        s for s in await subscriptions.for_callback(db, callback.id)
        if s.status == subscriptions.ACTIVE
    ]  # fmt: skip
    subscribed = sorted({t for s in active for t in s.event_types})
    if not subscribed:
        raise Invalid(
            f"Callback {callback.id} has no active subscription: a replay sends only the events"
            " its subscriptions select",
            code=10001,
        )
    if types is None:
        return active, subscribed
    missing = [t for t in types if t not in subscribed]
    if missing:
        raise Invalid(
            f"Callback {callback.id} is not subscribed to {', '.join(missing)}; its active"
            f" subscriptions select {', '.join(subscribed)}",
            code=10001,
            field="eventCategoryTypes",
        )
    narrowed = [
        dataclasses.replace(s, event_types=[t for t in s.event_types if t in types]) for s in active
    ]
    return narrowed, types


@dataclasses.dataclass(frozen=True)
class Selection:
    picked: list[tuple[events.Event, str]]  # each event with the subscription selecting it
    next_from: int | None  # where a further call goes on; None when nothing is left


def _selector(found: list[subscriptions.Subscription], event: events.Event) -> str | None:
    return next((s.id for s in found if fanout.matches(s, event)), None)


async def select(
    db: Db,
    account_id: int,
    found: list[subscriptions.Subscription],
    types: list[str],
    span: stats.Range,
    *,
    max_events: int,
) -> Selection:
    """The events in ``span`` that ``found`` select (fan-out's own matching), oldest first.

    At most ``max_events`` (and ``max_events * _SCAN_PER_EVENT`` read), cut between two
    milliseconds so that ``next_from`` neither repeats nor skips an event; one millisecond
    holding more than ``max_events`` events is queued whole.
    """
    picked: list[tuple[events.Event, str]] = []
    after, scanned = (span.since, 0), 0
    while True:
        page = await events.in_range(
            db, account_id, types, after=after, until=span.until, limit=_PAGE
        )
        for event in page:
            subscription_id = _selector(found, event)
            if subscription_id is None:
                continue
            if len(picked) >= max_events:
                kept = [p for p in picked if p[0].occurred_at < event.occurred_at]
                if kept:
                    return Selection(kept, event.occurred_at)
            picked.append((event, subscription_id))
        scanned += len(page)
        if len(page) < _PAGE:
            return Selection(picked, None)
        after = (page[-1].occurred_at, page[-1].id or 0)
        if scanned >= max_events * _SCAN_PER_EVENT and after[0] > span.since:
            return Selection([p for p in picked if p[0].occurred_at < after[0]], after[0])


async def replay(
    db: Db,
    callback: callbacks.Callback,
    body: ReplayIn,
    *,
    now: int,
    max_events: int,
    wake: Wakeups,
) -> Replayed:
    """Deliver again the account's events in [from, to) that the callback's active
    subscriptions select (types and filters), optionally only some of their types; with
    ``dryRun``, only count them."""
    require_verified(callback, "replays")
    since, until = body.since, body.until
    found, types = await _replayed_subscriptions(db, callback, body.event_category_types)
    chosen = await select(
        db, callback.account_id, found, types, stats.Range(since, until),
        max_events=max(1, max_events),
    )  # fmt: skip
    rows = _entries(callback, chosen.picked, now=now)
    if rows and not body.dry_run:
        async with db.write():
            await outbox.insert_rows(db, rows)
        wake.dispatcher()
    more = chosen.next_from is not None
    return Replayed(
        callback_id=callback.id,
        queued=len(rows),
        since=clock.iso_utc(since),
        until=clock.iso_utc(until),
        event_category_types=types,
        truncated=more,  # more events remain: call again from nextFrom
        next_from=clock.iso_utc(chosen.next_from) if chosen.next_from is not None else None,
        dry_run=body.dry_run,
    )


def _entries(
    callback: callbacks.Callback, picked: list[tuple[events.Event, str]], *, now: int
) -> list[outbox.Entry]:
    """Outbox rows for the picked (event, subscription id) pairs, due now."""
    return [
        outbox.Entry(
            account_id=callback.account_id,
            callback_id=callback.id,
            event_id=event.id or 0,
            subscription_id=subscription_id,
            held=False,
            created_at=now,
        )
        for event, subscription_id in picked
    ]


def sample_event(callback: callbacks.Callback, *, now: int) -> events.Event:
    return events.Event(
        event_id=f"test-{now}",
        account_id=callback.account_id,
        message_id="test",
        channel="email",
        type=vocabulary.EventType.EMAIL_SENT.value,
        definition_key="tidings-test",
        definition_id=None,
        occurred_at=now,
        info={
            "to": "test@example.com",
            "subscriberKey": "test",
            "messageKey": "test",
            "status": "Sent",
            "renderedSubject": "Tidings test event",
        },
    )


async def test_send(webhooks: TestSender, callback: callbacks.Callback, *, now: int) -> TestSent:
    require_verified(callback, "test events")
    body = orjson.dumps([fanout.to_wire(sample_event(callback, now=now))])
    reply = await webhooks.test_send(callback, body)
    return TestSent(
        callback_id=callback.id,
        ok=reply.ok,
        status_code=reply.status,
        latency_ms=reply.latency_ms,
        error_class=reply.error_class,
        response_excerpt=reply.excerpt[:500],
    )
