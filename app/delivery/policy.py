"""When to try a failed batch again (pure): a jittered schedule over days, then give up."""

from __future__ import annotations

import dataclasses
import random
import time
from email.utils import parsedate_to_datetime

from app.settings import DEFAULT_RETRY_SCHEDULE_S

_JITTER = 0.2  # ±20 %, so a fleet of failing batches does not retry in lockstep
_RETRY_AFTER_MIN_S, _RETRY_AFTER_MAX_S = 1.0, 3600.0


@dataclasses.dataclass(frozen=True)
class Policy:
    schedule_s: tuple[float, ...] = DEFAULT_RETRY_SCHEDULE_S  # the last step repeats
    window_s: float = 7 * 86400

    def delay_s(
        self, failures: int, *, retry_after_s: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds until the next attempt after ``failures`` failed ones (≥ 1).

        A receiver's ``Retry-After`` wins, clamped to [1 s, 1 h].
        """
        if retry_after_s is not None:
            return min(max(retry_after_s, _RETRY_AFTER_MIN_S), _RETRY_AFTER_MAX_S)
        base = self.schedule_s[min(max(failures, 1), len(self.schedule_s)) - 1]
        spread = (rng or random).uniform(-_JITTER, _JITTER)
        return base * (1 + spread)

    def next_attempt_at(
        self, *, created_at: int, now: int, failures: int, retry_after_s: float | None = None
    ) -> int | None:
        """Epoch ms of the next attempt, or None when the window is used up (give up)."""
        if now - created_at >= self.window_s * 1000:
            return None
        return now + int(self.delay_s(failures, retry_after_s=retry_after_s) * 1000)


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as delta-seconds (an HTTP date is read as well)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None
