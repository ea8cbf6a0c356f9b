"""Fair shares of the sender and the dispatcher: accounts with due work take turns (pure)."""

from __future__ import annotations

import collections
from collections.abc import Callable, Collection, Iterable
from typing import TypeVar

T = TypeVar("T")


def reserve(slots: int) -> int:
    """The slots of ``slots`` kept free for accounts that turn up with nothing in flight.

    A quarter: an account alone may use three quarters of them (38 of 50, where a share of
    ``slots // 2`` gave it 25), and accounts whose receivers hang, turning up one after another,
    still each find a slot until 13 of them hang (a tenth gave one account 45 slots, but let
    6 hanging accounts hold every slot)."""
    return max(1, slots // 4)


def share(slots: int, accounts: int, *, cap: int | None = None) -> int:
    """One account's share of ``slots`` while ``accounts`` have work: what the reserve leaves,
    split between them (alone, an account has all of it), at most ``cap``, at least 1."""
    split = (slots - reserve(slots)) // max(1, accounts)
    return max(1, split if cap is None else min(cap, split))


def take_turns(
    candidates: Iterable[tuple[int, T]],
    *,
    limit: int,
    room: Callable[[int], int],
    reserve: int = 0,
    idle: Collection[int] = (),
) -> list[T]:
    """Up to ``limit`` of the ``(account_id, item)`` candidates, one per account per round.

    Each account keeps its own order (oldest first) and gets at most ``room(account_id)``
    items; accounts take their turns in the order of their first candidate. An account with a
    large backlog therefore gets no more of a pass than one with a single due item, unless
    nobody else is waiting.

    ``idle`` accounts (nothing in progress) take their first turn before the others, and that
    turn may use any of the ``limit``; every other item leaves ``reserve`` of it untaken, for
    accounts that turn up later.
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
    order = sorted(queues, key=lambda account_id: account_id not in idle)  # stable
    shared = limit - reserve
    chosen: list[T] = []
    first_round = True
    while queues:
        taken = len(chosen)
        for account_id in [a for a in order if a in queues]:
            bound = limit if first_round and account_id in idle else shared
            if len(chosen) < bound:
                chosen.append(_next(queues, account_id))
        if len(chosen) == taken:
            break
        first_round = False
    return chosen


def _next(queues: dict[int, collections.deque[T]], account_id: int) -> T:
    queue = queues[account_id]
    item = queue.popleft()
    if not queue:
        del queues[account_id]
    return item
