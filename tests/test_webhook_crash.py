"""Webhook delivery survives kill -9 and shares a PostgreSQL backlog between two processes.

Real processes (``python -m app serve``), a real receiver on 127.0.0.1 in a thread.
"""

from __future__ import annotations

import collections
from typing import Any

import pytest

from tests.receiver import Receiver, passthrough, receiver_in_thread, status
from tests.server import (
    access_token,
    post_email_batch,
    query,
    serving,
    verified_hook,
    wait_for,
)

CLIENT_ID, SECRET = "webhook-crash-client", "webhook-crash-secret-0123456789abcdef"
BATCH_SIZE = 20
CONCURRENCY = 10


def _env(database_url: str, *, timeout_s: str = "1") -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "TIDINGS_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
        "TIDINGS_BOOTSTRAP_CLIENT_SECRET": SECRET,
        "TIDINGS_ALLOW_PRIVATE_CALLBACKS": "true",
        "TIDINGS_WEBHOOK_CONCURRENCY": str(CONCURRENCY),
        "TIDINGS_WEBHOOK_TIMEOUT_S": timeout_s,  # with 1 s, a dead process's batches return in 7 s
        "TIDINGS_WEBHOOK_RETRY_SCHEDULE_S": "0.2,0.5",
        "TIDINGS_SWEEP_INTERVAL_S": "0.2",
        "TIDINGS_SEND_LEASE_S": "2",  # messages the killed sender had claimed come back fast
    }


def _subscribe(base_url: str, headers: dict[str, str], target: Receiver) -> None:
    sent = ["TransactionalSendEvents.EmailSent"]
    verified_hook(base_url, headers, target, sent, name="crash", maxBatchSize=BATCH_SIZE)


def _accepted_ids(target: Receiver) -> set[str]:
    return {event["eventId"] for r in target.accepted() for event in r.json()}


def _event_ids(database_url: str) -> set[str]:
    return {row["event_id"] for row in query(database_url, "SELECT event_id FROM events")}


def test_kill_9_with_a_flaky_receiver_loses_no_event(database_url: str) -> None:
    events = 2000
    with receiver_in_thread() as target:
        env = _env(database_url)
        with serving(env) as first:
            headers = access_token(first.base_url, CLIENT_ID, SECRET)
            _subscribe(first.base_url, headers, target)
            target.behaviours = [status(503), passthrough] * 10_000  # down half the time
            post_email_batch(first.base_url, headers, events)
            wait_for("30 accepted batches", lambda: len(target.accepted()) >= 30, 60, every_s=0.05)
            first.process.kill()
            first.process.wait(timeout=10)
        accepted_before = len(_accepted_ids(target))
        with serving(env):
            wait_for(
                "every event accepted",
                lambda: len(_accepted_ids(target)) >= events,
                120,
                every_s=0.2,  # parsing every body holds the GIL the receiver thread needs
            )
    produced = _event_ids(database_url)
    assert len(produced) == events  # one outcome event per message, none lost
    assert _accepted_ids(target) == produced
    assert accepted_before < events  # the kill landed mid-way
    twice = collections.Counter(r.headers["webhook-id"] for r in target.accepted())
    again = [batch for batch, n in twice.items() if n > 1]
    assert len(again) <= CONCURRENCY, f"{len(again)} batches were accepted twice"


def test_two_postgresql_workers_share_one_backlog(database_url: str, tmp_path: Any) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share a backlog on PostgreSQL only")
    events = 1000
    with receiver_in_thread() as target:
        env = _env(database_url, timeout_s="10")  # no fault: not even a slow answer on 2 cores
        with serving(env) as one, serving(env) as two:
            headers = access_token(one.base_url, CLIENT_ID, SECRET)
            _subscribe(one.base_url, headers, target)
            post_email_batch(two.base_url, headers, events)
            wait_for(
                "every event delivered",
                lambda: len(_accepted_ids(target)) >= events,
                120,
                every_s=0.2,
            )
    delivered = [event["eventId"] for r in target.batches for event in r.json()]
    assert sorted(delivered) == sorted(_event_ids(database_url))  # each exactly once
    attempts = {r.headers["x-tidings-attempt"] for r in target.batches}
    assert attempts == {"1"}  # no fault, no retry: no batch went out twice
