"""The shard of the hourly rollup row an outcome's transaction adds its event to.

The transaction holds that row's lock until its COMMIT, so outcomes writing the same row queue
behind each other (migration 0014). Each transaction in flight in this process takes a shard
no other of them holds, and each process draws its shards from a range of its own, so no two
outcome transactions wait on one rollup row. SQLite has one writer: its rows stay in shard 0.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

from app.storage.db import Db

_RANGE = 1024  # shards per process; more transactions in flight than this share them


class Shards:
    def __init__(self) -> None:
        self._base = 0
        self._free: list[int] = []
        self._next = 0
        self.reset()

    def reset(self) -> None:
        """A new range (a process of its own, as after a fork)."""
        self._base = (1 + secrets.randbelow(2**20)) * _RANGE  # never shard 0's range
        self._free, self._next = [], 0

    @contextlib.contextmanager
    def taken(self, db: Db) -> Iterator[int]:
        """A shard for one outcome transaction, free again once the ``with`` ends."""
        if db.dialect != "postgresql":
            yield 0
            return
        if self._free:
            shard = self._free.pop()
        else:
            shard, self._next = self._base + self._next % _RANGE, self._next + 1
        try:
            yield shard
        finally:
            self._free.append(shard)


SHARDS = Shards()
os.register_at_fork(after_in_child=SHARDS.reset)
