"""Pooled random ids: distinct, well-formed, and not shared with a forked child."""

from __future__ import annotations

import os
import uuid

from app import ids


def test_ids_are_distinct_version_4_uuids_across_many_pool_refills() -> None:
    made = [ids.uuid4() for _ in range(2000)]  # 32,000 bytes: several 4 KiB reads
    assert len(set(made)) == len(made)
    assert all(uuid.UUID(text).version == 4 for text in made)
    assert len({ids.hex32() for _ in range(1000)}) == 1000


def test_a_forked_child_does_not_repeat_the_parents_next_ids() -> None:
    ids.hex32()  # the pool holds unread bytes now
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child process
        os.write(write, ids.hex32().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    childs = os.read(read, 64).decode()
    os.close(read)
    assert childs != ids.hex32()
