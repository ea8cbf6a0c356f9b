"""Latency over time: webhook POST latency and time to deliver (send accepted -> the successful
POST that carried its event), counted per minute as attempts are recorded, read as percentiles."""

from __future__ import annotations

import bisect
from collections import Counter
from typing import Any

from app import clock
from app.services import latency
from app.storage import latency_rollup as rollup
from app.storage.db import Db
from app.wire.stats import STEP_MS, LatencyQuery

_Key = tuple[int, str, str]  # (slice_by, channel, definition_key)


def _slices(channel: str, definition_key: str) -> tuple[_Key, ...]:
    """Every slice a (channel, definition) pair counts in: all, by channel, by definition,
    by both (``slice_by`` in stats_latency)."""
    return ((0, "", ""), (1, channel, ""), (2, "", definition_key), (3, channel, definition_key))


def rows_for(
    account_id: int, carried: list[rollup.Carried], *, at: int, latency_ms: int, ok: bool
) -> list[dict[str, Any]]:
    """The counters one attempt adds (pure): its latency once in each slice of what it
    carried; when it succeeded, each first delivery's time since its send was accepted."""
    minute = at - at % rollup.MINUTE_MS
    webhook = rollup.WEBHOOK[bisect.bisect_left(rollup.WEBHOOK_BOUNDS_MS, latency_ms)]
    added: dict[_Key, Counter[str]] = {}
    for event in carried:
        for key in _slices(event.channel, event.definition_key):
            added.setdefault(key, Counter({"webhook_count": 1, "webhook_sum_ms": latency_ms,
                                           webhook: 1}))  # fmt: skip
            if ok and event.accepted_at is not None and not event.replayed:
                took = max(0, at - event.accepted_at)
                bucket = rollup.DELIVER[bisect.bisect_left(rollup.DELIVER_BOUNDS_MS, took)]
                added[key].update({"deliver_count": 1, "deliver_sum_ms": took, bucket: 1})
    return [
        {"account_id": account_id, "slice_by": key[0], "channel": key[1],
         "definition_key": key[2], "minute_at": minute, **counts}
        for key, counts in added.items()
    ]  # fmt: skip


async def count_attempt(
    db: Db, account_id: int, batch_id: str, *, at: int, latency_ms: int, ok: bool
) -> None:
    """Count one batch POST; call in the transaction that logs the attempt."""
    carried = await rollup.carried(db, batch_id)
    await rollup.add(db, rows_for(account_id, carried, at=at, latency_ms=latency_ms, ok=ok))


def _percentiles(histograms: list[tuple[int, ...] | None], bounds: tuple[int, ...]) -> Any:
    return {
        name: [None if h is None else latency.percentile_ms(h, q, bounds) for h in histograms]
        for name, q in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))
    }


async def series(db: Db, account_id: int, query: LatencyQuery) -> dict[str, Any]:
    """Percentiles per step over the query's range; None where nothing was measured."""
    step = STEP_MS[query.granularity]
    start = query.since - query.since % step
    found = await rollup.steps(
        db, account_id, channel=query.channel, definition_key=query.definition_key,
        since=start, until=query.until, step_ms=step,
    )  # fmt: skip
    by_time = {s.at: s for s in found}
    times = list(range(start, query.until, step))
    webhook = [by_time[t].webhook if t in by_time else None for t in times]
    deliver = [by_time[t].deliver if t in by_time else None for t in times]
    return {
        "from": clock.iso_utc(start),
        "to": clock.iso_utc(query.until),
        "granularity": query.granularity,
        "times": [clock.iso_utc(t) for t in times],
        "webhookLatencyMs": _percentiles(webhook, rollup.WEBHOOK_BOUNDS_MS),
        "timeToDeliverMs": _percentiles(deliver, rollup.DELIVER_BOUNDS_MS),
    }
