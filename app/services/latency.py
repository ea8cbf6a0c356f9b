"""Webhook latency percentiles from the rollups' histogram (pure)."""

from __future__ import annotations

from app.storage import stats as rollups


def percentile_ms(
    buckets: list[float] | tuple[int, ...],
    fraction: float,
    bounds: tuple[int, ...] = rollups.LATENCY_BOUNDS_MS,
) -> float | None:
    """The latency under which ``fraction`` of the attempts fall, interpolated linearly inside
    the histogram bucket that holds it. The exact (nearest-rank) percentile lies in that bucket
    too, so the error is at most the bucket's width (1 ms up to 2 ms, 3 ms up to 5 ms, 5 up to
    10, 15 up to 25, then 25, 50, 150, 250, 500 ms, 1.5, 2.5 and 5 s; the README's table);
    beyond 10 s it is 10 s, meaning "at least". Other histograms give their own ``bounds``."""
    total = sum(buckets)
    if total == 0:
        return None
    needed, seen, lower = fraction * total, 0.0, 0
    for upper, n in zip(bounds, buckets, strict=False):
        if n and seen + n >= needed - 1e-9:  # spread counts are fractions
            return round(lower + (upper - lower) * (needed - seen) / n, 1)
        seen, lower = seen + n, upper
    return float(bounds[-1])


def histogram(counts: list[rollups.AttemptCounts]) -> list[float]:
    """Attempts per latency bucket; those counted before the buckets under 25 ms were split are
    spread over them in proportion to their widths (for those, the error bound is 25 ms)."""
    merged = [float(sum(c.buckets[i] for c in counts)) for i in range(len(rollups.BUCKETS))]
    legacy, lower = sum(c.legacy_bucket for c in counts), 0
    for index, upper in enumerate(rollups.LATENCY_BOUNDS_MS):
        if upper > rollups.LEGACY_BOUND_MS:
            break
        merged[index] += legacy * (upper - lower) / rollups.LEGACY_BOUND_MS
        lower = upper
    return merged
