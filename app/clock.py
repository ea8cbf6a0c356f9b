"""Time points as UTC epoch milliseconds, and the injectable clock that hands them out.

Every stored time point is an integer of epoch milliseconds named ``*_at``; durations are
named ``*_s`` or ``*_ms``. Integers compare and index the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], int]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
# The times a datetime can hold in UTC: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z.
EARLIEST_MS = (datetime.min.replace(tzinfo=UTC) - _EPOCH) // _MS
LATEST_MS = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // _MS


def now_ms() -> int:
    """The current time as UTC epoch milliseconds."""
    return time.time_ns() // 1_000_000


def parse_iso_ms(raw: str) -> int:
    """ISO 8601 as epoch milliseconds (a time without a zone is UTC); ``ValueError`` when it is
    not one, or when in UTC it falls outside the years 1-9999 (``9999-12-31T23:59:59-14:00``)."""
    parsed = datetime.fromisoformat(raw)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    at_ms = (parsed - _EPOCH) // _MS  # exact, where timestamp() rounds through a float
    if not EARLIEST_MS <= at_ms <= LATEST_MS:
        raise ValueError(f"{raw} is outside the years 1-9999 in UTC")
    return at_ms


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
