"""Random identifiers (request, message, event and batch ids) from pooled system randomness.

``uuid.uuid4()`` reads ``os.urandom`` once per id, a system call that lets go of the GIL (a
sampling profile put those reads at 9 % of a status read; measured CPU per request did not
move beyond noise when they went, so this is one place ids are made more than a speed-up).
Here one read of 4 KiB serves 256 ids; the bytes are the same kernel randomness, and a forked
child starts a pool of its own so no two processes share ids.
"""

from __future__ import annotations

import os
import threading
import uuid

_BLOCK = 4096


class _Pool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bytes = b""
        self._at = 0

    def take(self, count: int) -> bytes:
        with self._lock:
            if self._at + count > len(self._bytes):
                self._bytes, self._at = os.urandom(max(_BLOCK, count)), 0
            start = self._at
            self._at += count
            return self._bytes[start : self._at]

    def reset(self) -> None:
        """A forked child's pool: empty, and a new lock (a thread of the parent may have held
        the old one at the fork; that thread does not exist in the child to let go of it)."""
        self._lock = threading.Lock()
        self._bytes, self._at = b"", 0


_pool = _Pool()
os.register_at_fork(after_in_child=_pool.reset)


def random_bytes(count: int) -> bytes:
    """``count`` bytes of system randomness (``os.urandom``'s), from the pool."""
    return _pool.take(count)


def uuid4(random: bytes | None = None) -> str:
    """A version 4 UUID as text; from ``random`` (16 bytes) when given."""
    return str(uuid.UUID(bytes=random if random is not None else _pool.take(16), version=4))


def hex32() -> str:
    """32 random hex digits (128 bits), like ``uuid4().hex``."""
    return _pool.take(16).hex()
