"""Pooled random ids: distinct, well-formed, and not shared with a forked child."""

from __future__ import annotations

import os
import select
import signal
import threading
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


def test_a_child_forked_while_another_thread_draws_ids_can_draw_its_own() -> None:
    """A thread holds the pool's lock while it reads ``os.urandom`` (which lets go of the
    GIL, so another thread may fork then): the child inherited the lock held, by a thread it
    does not have, and its first id waited for ever."""
    holding, done = threading.Event(), threading.Event()

    def drawing() -> None:  # a thread caught inside take(), as at a fork
        with ids._pool._lock:
            holding.set()
            done.wait(30)

    thread = threading.Thread(target=drawing)
    thread.start()
    holding.wait(30)
    read, write = os.pipe()
    try:
        child = os.fork()
        if child == 0:  # pragma: no cover - the child process
            os.write(write, ids.hex32().encode())
            os._exit(0)
        os.close(write)
        ready, _, _ = select.select([read], [], [], 10)
        if not ready:
            os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        assert ready and len(os.read(read, 64)) == 32, "the child's first id never came"
    finally:
        done.set()
        thread.join()
        os.close(read)
