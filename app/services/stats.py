"""Stats from the rollups: summary, time series, callback health. Counters, never scans."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Any

from app import clock
from app.services import latency
from app.services.sending import outcomes
from app.services.webhooks import callbacks
from app.storage import callbacks as callback_rows
from app.storage import events, outbox
from app.storage import stats as rollups
from app.storage.db import Db
from app.wire import stats as shapes
from app.wire import vocabulary
from app.wire.operations import CallbackHealth, Latency
from app.wire.stats import STEP_MS

# SMS receipt status codes that name a temporary failure: 4501 Expired (the carrier kept trying
# until the validity period ran out: handset off or out of reach), and the gateway (Twilio)
# codes 30001 queue overflow, 30003 unreachable handset, 30017 carrier network congestion.
# Every other failed receipt (4500 Undeliverable, unknown or landline numbers, …) is a hard bounce.
SMS_SOFT_BOUNCE_CODES = frozenset({"4501", "30001", "30003", "30017"})
_Outcome = vocabulary.Outcome
# The outcomes each channel's summary counts (an SMS receipt still on its way is none of them).
_BY_CHANNEL = (_Outcome.SENT, _Outcome.NOT_SENT, _Outcome.BOUNCED, _Outcome.DELIVERED)


@dataclasses.dataclass(frozen=True)
class Range:
    since: int
    until: int


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def _webhook_figures(counts: list[rollups.AttemptCounts], backlog: int) -> shapes.Webhooks:
    attempts = sum(c.attempts for c in counts)
    ok = [c for c in counts if c.result == "ok"]
    first = sum(c.first_attempts for c in counts)
    buckets = latency.histogram(counts)
    failures: dict[str, int] = defaultdict(int)
    for c in counts:
        if c.result != "ok":
            failures[c.result] += c.attempts
    return shapes.Webhooks(
        attempts=attempts,
        successes=sum(c.attempts for c in ok),
        success_rate=_rate(sum(c.attempts for c in ok), attempts),
        first_attempt_success_rate=_rate(sum(c.first_attempts for c in ok), first),
        events_delivered=sum(c.events for c in ok),
        failures_by_class=dict(sorted(failures.items())),
        latency_ms=Latency(
            p50=latency.percentile_ms(buckets, 0.50),
            p95=latency.percentile_ms(buckets, 0.95),
            p99=latency.percentile_ms(buckets, 0.99),
            mean=None if attempts == 0 else round(sum(c.latency_sum_ms for c in counts) / attempts),
        ),
        backlog=backlog,
    )


async def summary(
    db: Db, account_id: int, span: Range, *, definition_key: str | None = None
) -> shapes.StatsSummary:
    """Outcome counts and rates (of one definition's events, if given) and webhook figures."""
    rows = await rollups.event_counts(
        db, account_id, since=span.since, until=span.until, by=("channel", "type", "detail"),
        where=rollups.Slice(definition_key=definition_key),
    )  # fmt: skip
    by_kind, by_channel, reasons, bounces = _tally(rows)
    sent, not_sent = by_kind[_Outcome.SENT], by_kind[_Outcome.NOT_SENT]
    bounced = by_kind[_Outcome.BOUNCED]
    hard = sum(n for key, n in bounces.items() if bounce_code(*key) == vocabulary.BounceClass.HARD)
    attempts = await rollups.attempt_counts(db, account_id, since=span.since, until=span.until)
    return shapes.StatsSummary(
        since=clock.iso_utc(span.since),
        until=clock.iso_utc(span.until),
        sent=sent,
        not_sent=not_sent,
        bounced=shapes.Bounced(total=bounced, hard=hard, soft=bounced - hard),
        bounce_rate=_rate(bounced, sent + bounced),
        delivery_success_rate=_rate(sent, sent + not_sent + bounced),
        by_channel={
            channel: {k.value: kinds.get(k, 0) for k in _BY_CHANNEL}
            for channel, kinds in sorted(by_channel.items())
        },
        not_sent_by_reason=[
            _reason_entry(channel, code, n)
            for (channel, code), n in sorted(reasons.items(), key=lambda kv: -kv[1])
        ],
        bounce_codes=[
            _bounce_entry(channel, detail, n)
            for (channel, detail), n in sorted(bounces.items(), key=lambda kv: -kv[1])
        ],
        webhooks=_webhook_figures(attempts, await _backlog(db, account_id)),
    )


_Counts = dict[tuple[str, str], int]  # (channel, detail): events


def _tally(
    rows: list[rollups.EventCount],
) -> tuple[dict[str, int], dict[str, dict[str, int]], _Counts, _Counts]:
    """Events by outcome, by channel and outcome, NotSent by reason, bounces by code."""
    by_kind: dict[str, int] = defaultdict(int)
    by_channel: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    reasons: _Counts = defaultdict(int)
    bounces: _Counts = defaultdict(int)
    for row in rows:
        event_type = vocabulary.EventType.lookup(row.type)
        if event_type is None:
            continue
        kind = event_type.outcome
        by_kind[kind] += row.count
        by_channel[row.channel][kind] += row.count
        if kind == _Outcome.NOT_SENT:
            reasons[(row.channel, row.detail)] += row.count
        if kind == _Outcome.BOUNCED:
            bounces[(row.channel, row.detail)] += row.count
    return by_kind, by_channel, reasons, bounces


def _reason_entry(channel: str, code: str, n: int) -> shapes.NotSentReason:
    reason = vocabulary.NotSent.name_of(int(code)) if code.isdigit() else code
    return shapes.NotSentReason(channel=channel, status_code=code, reason=reason, count=n)


def bounce_code(channel: str, detail: str) -> vocabulary.BounceClass:
    """HARD or SOFT: an email bounce says which ("HARD 5.1.1"); an SMS bounce's detail is its
    receipt status code, hard unless it names a temporary condition (SMS_SOFT_BOUNCE_CODES)."""
    hard, soft = vocabulary.BounceClass.HARD, vocabulary.BounceClass.SOFT
    if channel == vocabulary.Channel.SMS:
        return soft if detail in SMS_SOFT_BOUNCE_CODES else hard
    return hard if detail.startswith(hard) else soft


def _bounce_entry(channel: str, detail: str, count: int) -> shapes.BounceCount:
    """Email: its enhanced status code (smtpReason); SMS: its receipt status code."""
    code = bounce_code(channel, detail).value
    if channel == "sms":
        return shapes.BounceCount(
            channel=channel, bounce_code=code, status_code=detail, count=count
        )
    reason = detail.partition(" ")[2]
    return shapes.BounceCount(channel=channel, bounce_code=code, smtp_reason=reason, count=count)


async def _backlog(db: Db, account_id: int) -> int:
    found = await callback_rows.list_all(db, account_id)
    return sum([(await outbox.backlog(db, c.id)).events for c in found])


async def callback_health(
    db: Db, callback: callback_rows.Callback, span: Range, *, now: int
) -> CallbackHealth:
    """State, success and latency over the range (from the rollups), backlog right now."""
    counts = await rollups.attempt_counts(
        db, callback.account_id, since=span.since, until=span.until, callback_id=callback.id
    )
    backlog = await outbox.backlog(db, callback.id)
    figures = _webhook_figures(counts, backlog.events)
    status, reason = callbacks.status_of(callback)
    state: str = status
    if status == vocabulary.CallbackStatus.VERIFIED:
        failing = callback.failing_since is not None
        state = vocabulary.CallbackHealth.FAILING if failing else vocabulary.CallbackHealth.HEALTHY
    oldest = backlog.oldest_created_at
    return CallbackHealth(
        callback_id=callback.id,
        callback_name=callback.name,
        url=callback.url,
        state=state,
        status=status,
        status_reason=reason,
        attempts=figures.attempts,
        success_rate=figures.success_rate,
        first_attempt_success_rate=figures.first_attempt_success_rate,
        latency_ms=figures.latency_ms,
        failures_by_class=figures.failures_by_class,
        backlog=backlog.events,
        held=backlog.held,
        failed_batches=backlog.failed_batches,
        oldest_pending_age_seconds=None if oldest is None else max(0, (now - oldest) // 1000),
        last_success_at=_iso(callback.last_success_at),
        failing_since=_iso(callback.failing_since),
        last_error=callback.last_error,
    )


def _iso(at: int | None) -> str | None:
    return None if at is None else clock.iso_utc(at)


async def all_callbacks(db: Db, account_id: int, span: Range, *, now: int) -> shapes.StatsCallbacks:
    found = await callback_rows.list_all(db, account_id)
    return shapes.StatsCallbacks(
        since=clock.iso_utc(span.since),
        until=clock.iso_utc(span.until),
        callbacks=[await callback_health(db, c, span, now=now) for c in found],
    )


async def timeseries(
    db: Db, account_id: int, query: shapes.TimeseriesQuery
) -> shapes.StatsTimeseries:
    """Counts per event type and minute, hour or day over the query's range (minutes from
    the events themselves, the others from the hourly rollup)."""
    span, granularity = Range(query.since, query.until), query.granularity
    step = STEP_MS[granularity]
    start = span.since - span.since % step
    where = rollups.Slice(query.channel, query.event_type, query.definition_key)
    if granularity == "minute":
        rows = await rollups.minute_counts(
            db, account_id, since=start, until=span.until, where=where
        )
    else:
        rows = await rollups.event_counts(
            db, account_id, since=start, until=span.until, by=("type",), step_ms=step,
            where=where,
        )  # fmt: skip
    points: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        points[row.type][row.hour_at] += row.count
    times = list(range(start, span.until, step))
    return shapes.StatsTimeseries(
        since=clock.iso_utc(start),
        until=clock.iso_utc(span.until),
        granularity=granularity,
        times=[clock.iso_utc(t) for t in times],
        series=[
            shapes.Series(type=kind, counts=[points[kind].get(t, 0) for t in times])
            for kind in sorted(points)
        ],
    )


async def totals(db: Db, *, now: int) -> dict[str, Any]:
    """All-time totals across accounts for /metrics, plus backlog and scheduler lag now."""
    return await rollups.totals(db, now=now)


async def recent(db: Db, account_id: int, *, limit: int) -> shapes.StatsRecent:
    """The newest outcomes, for the page's "what just happened" list."""
    found = await events.recent(db, account_id, limit=limit)
    return shapes.StatsRecent(events=[_recent(event, subject) for event, subject in found])


def _recent(event: events.Event, subject: str | None) -> shapes.RecentEvent:
    return shapes.RecentEvent(
        occurred_at=clock.iso_utc(event.occurred_at),
        type=event.type,
        channel=event.channel,
        to=event.info.get("to"),
        message_id=event.message_id,
        message_key=event.info.get("messageKey"),
        definition_key=event.definition_key,
        subject=subject,
        detail=outcomes.detail_of(event) or None,
        reason=event.info.get("reason") or event.info.get("bounceMessage"),
    )
