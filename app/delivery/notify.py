"""Cross-process wake-ups on PostgreSQL: LISTEN for the NOTIFY that fan-out sends at commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from app.services import fanout

log = logging.getLogger("tidings.notify")


class Listener:
    def __init__(self, database_url: str, on_notify: Callable[[], None]) -> None:
        self._url = database_url
        self._on_notify = on_notify
        self._connection: Any = None

    async def start(self) -> None:
        try:
            self._connection = await asyncpg.connect(self._url)
            await self._connection.add_listener(fanout.NOTIFY_CHANNEL, self._notified)
        except (OSError, asyncpg.PostgresError):  # the sweep still finds the work, just later
            log.exception("LISTEN %s failed; relying on the sweep", fanout.NOTIFY_CHANNEL)
            self._connection = None

    def _notified(self, *_: object) -> None:
        self._on_notify()

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
