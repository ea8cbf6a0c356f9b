"""Fair shares of the sender and the dispatcher: accounts with due work take turns (pure)."""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def take_turns(
    candidates: Iterable[tuple[int, T]], *, limit: int, room: Callable[[int], int]
) -> list[T]:
    """Up to ``limit`` of the ``(account_id, item)`` candidates, one per account per round.

    Each account keeps its own order (oldest first) and gets at most ``room(account_id)``
    items; accounts take their turns in the order of their first candidate. An account with a
    large backlog therefore gets no more of a pass than one with a single due item, unless
    nobody else is waiting.
    """
    queues: dict[int, collections.deque[T]] = {}
    for account_id, item in candidates:
        queue = queues.get(account_id)
        if queue is None:
            if room(account_id) <= 0:
                continue
            queue = queues[account_id] = collections.deque()
        if len(queue) < room(account_id):
            queue.append(item)
    chosen: list[T] = []
    while queues and len(chosen) < limit:
        for account_id in list(queues):
            if len(chosen) >= limit:
                break
            queue = queues[account_id]
            chosen.append(queue.popleft())
            if not queue:
                del queues[account_id]
    return chosen
