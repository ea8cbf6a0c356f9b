"""Time points as UTC epoch milliseconds, and the injectable clock that hands them out.

Every stored time point is an integer of epoch milliseconds named ``*_at``; durations are
named ``*_s`` or ``*_ms``. Integers compare and index the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], int]


def now_ms() -> int:
    """The current time as UTC epoch milliseconds."""
    return time.time_ns() // 1_000_000


def to_datetime(at_ms: int) -> datetime:
    return datetime.fromtimestamp(at_ms / 1000, tz=UTC)


def iso_utc(at_ms: int) -> str:
    """ISO 8601 with a ``Z`` suffix and millisecond precision."""
    # isoformat is several times faster than strftime; [:-6] drops the "+00:00".
    return to_datetime(at_ms).isoformat(timespec="milliseconds")[:-6] + "Z"


_CST_OFFSET_MS = 6 * 3600 * 1000


def sfmc_time(at_ms: int) -> str:
    """SFMC messaging timestamps: Central Standard Time without DST (UTC-6), no zone suffix."""
    return to_datetime(at_ms - _CST_OFFSET_MS).isoformat(timespec="milliseconds")[:-6]
