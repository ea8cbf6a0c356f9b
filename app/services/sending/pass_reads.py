"""What one sender pass reads, read once for all its messages.

A pass claims up to a few dozen messages, mostly of a few definitions, and delivers them
concurrently within milliseconds. Reading each definition and content asset once, and the
pass's suppressions and subscribers in one statement per account, is what reading them per
message at the pass's start would see: five of a delivered message's thirteen statements were
these reads. (A subscriber the pass adds is added by its first message; a later message of
the same contact in the pass finds it absent too and adds it again, which changes nothing.)
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable
from typing import Any

from app.storage import assets, definitions, messages, subscribers, suppressions
from app.storage.db import Db


class PassReads:
    def __init__(self, db: Db, batch: list[messages.Message]) -> None:
        self.db = db
        self._reads: dict[tuple[Any, ...], asyncio.Future[Any]] = {}
        self._batch: dict[int, list[messages.Message]] = collections.defaultdict(list)
        for message in batch:
            self._batch[message.account_id].append(message)

    async def definition(self, definition_id: str) -> definitions.Definition | None:
        found: definitions.Definition | None = await self._once(
            ("definition", definition_id), lambda: definitions.get(self.db, definition_id)
        )
        return found

    async def asset(self, account_id: int, key: str) -> assets.Asset | None:
        found: assets.Asset | None = await self._once(
            ("asset", account_id, key.lower()), lambda: assets.get_by_key(self.db, account_id, key)
        )
        return found

    async def suppressed(self, message: messages.Message) -> bool:
        """Whether the message's recipient is on its account's suppression list."""
        account_id = message.account_id
        found: set[str] = await self._once(
            ("suppressed", account_id),
            lambda: suppressions.suppressed_among(
                self.db, account_id, [m.recipient.lower() for m in self._of(message)]
            ),
        )
        return message.recipient.lower() in found

    async def subscriber(self, message: messages.Message) -> subscribers.Subscriber | None:
        account_id = message.account_id
        found: dict[str, subscribers.Subscriber] = await self._once(
            ("subscribers", account_id),
            lambda: subscribers.get_many(
                self.db, account_id, [m.contact_key for m in self._of(message)]
            ),
        )
        return found.get(message.contact_key)

    def _of(self, message: messages.Message) -> list[messages.Message]:
        """The pass's messages of the message's account (the message alone if not in it)."""
        return self._batch.get(message.account_id) or [message]

    async def _once(self, name: tuple[Any, ...], read: Callable[[], Awaitable[Any]]) -> Any:
        """The messages of a pass are delivered concurrently: the first starts the read, the
        others await it (shielded: one message's cancellation must not cancel the others')."""
        pending = self._reads.get(name)
        if pending is None:
            pending = self._reads[name] = asyncio.ensure_future(read())
        return await asyncio.shield(pending)
