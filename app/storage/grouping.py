"""Group commit, for both drivers: work queued while a transaction is under way waits, then
all of it runs in the next one, and each caller is answered after that one COMMIT."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")
Work = Callable[[], Awaitable[Any]]
# Runs the works in one transaction: (ok, result or exception) for each, in order. Raises when
# the transaction itself failed (nobody's work is stored).
RunGroup = Callable[[list[Work]], Awaitable[list[tuple[bool, Any]]]]


class GroupCommit:
    def __init__(self, run_group: RunGroup, name: str) -> None:
        self._run_group = run_group
        self._name = name
        self._queued: list[tuple[Work, asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None

    async def run(self, work: Callable[[], Awaitable[T]]) -> T:
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queued.append((work, done))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_queued(), name=self._name)
        return await done  # type: ignore[no-any-return]

    async def _commit_queued(self) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            try:
                results = await self._run_group([work for work, _ in batch])
            except Exception as exc:  # BEGIN or COMMIT failed: nobody's work is stored
                results = [(False, exc)] * len(batch)
            for (_, done), (ok, value) in zip(batch, results, strict=True):
                if done.done():
                    continue
                if ok:
                    done.set_result(value)
                else:
                    done.set_exception(value)
