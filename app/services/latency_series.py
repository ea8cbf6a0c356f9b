"""Latency over time: webhook POST latency and time to deliver (send accepted -> the successful
POST that carried its event), counted per minute as attempts are recorded, read as percentiles."""

from __future__ import annotations

from app import clock
from app.services import latency
from app.storage import latency_rollup as rollup
from app.storage.db import Db
from app.wire.stats import STEP_MS, LatencyQuery, Percentiles, StatsLatency


def _percentiles(histograms: list[tuple[int, ...] | None], bounds: tuple[int, ...]) -> Percentiles:
    def at(q: float) -> list[float | None]:
        return [None if h is None else latency.percentile_ms(h, q, bounds) for h in histograms]

    return Percentiles(p50=at(0.50), p95=at(0.95), p99=at(0.99))


async def series(db: Db, account_id: int, query: LatencyQuery) -> StatsLatency:
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
    return StatsLatency(
        since=clock.iso_utc(start),
        until=clock.iso_utc(query.until),
        granularity=query.granularity,
        times=[clock.iso_utc(t) for t in times],
        webhook_latency_ms=_percentiles(webhook, rollup.WEBHOOK_BOUNDS_MS),
        time_to_deliver_ms=_percentiles(deliver, rollup.DELIVER_BOUNDS_MS),
    )
