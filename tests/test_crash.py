"""kill -9 in the middle of a 2,000-message SMTP batch: after a restart every message ends once.

What the API acknowledged is in the database before the 202, so a hard stop loses nothing.
A message can only be delivered twice if the SMTP server accepted it and the process died
before recording that: at most one per send slot (TIDINGS_SEND_CONCURRENCY).
"""

from __future__ import annotations

import asyncio
import collections
import time
from typing import Any

import httpx

from app.storage.db import Db
from tests.server import serving
from tests.smtp_server import smtp_server

BATCH = 2000
CONCURRENCY = 10
CLIENT_ID, SECRET = "crash-test-client", "crash-test-secret-0123456789abcdef"


def _final_count(database_url: str) -> int:
    async def count() -> int:
        db = Db(database_url)
        await db.connect()
        try:
            value = await db.fetch_val(
                "SELECT COUNT(*) FROM messages WHERE status IN ('sent', 'not_sent', 'bounced')"
            )
            return int(value)
        finally:
            await db.disconnect()

    return asyncio.run(count())


def _outcomes(database_url: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Each message's status, and each message's event types."""

    async def read() -> tuple[dict[str, str], dict[str, list[str]]]:
        db = Db(database_url)
        await db.connect()
        try:
            rows = await db.fetch_all("SELECT id, status FROM messages")
            found = await db.fetch_all("SELECT message_id, type FROM events ORDER BY id")
        finally:
            await db.disconnect()
        kinds: dict[str, list[str]] = collections.defaultdict(list)
        for row in found:
            kinds[row["message_id"]].append(row["type"].rpartition(".")[2])
        return {row["id"]: row["status"] for row in rows}, kinds

    return asyncio.run(read())


def _wait(what: str, check: Any, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within_s}s")
        time.sleep(0.005)


def _send_batch(base_url: str) -> None:
    token = httpx.post(
        base_url + "v2/token",
        json={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET},
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    asset = {
        "name": "Receipt",
        "customerKey": "receipt",
        "assetType": {"id": 208},
        "views": {"subjectline": {"content": "Receipt %%N%%"}, "html": {"content": "<p>%%N%%</p>"}},
    }
    assert httpx.post(base_url + "asset/v1/content/assets", json=asset, headers=headers).is_success
    definition = {
        "definitionKey": "receipt",
        "name": "Receipt",
        "content": {"customerKey": "receipt"},
    }
    created = httpx.post(
        base_url + "messaging/v1/email/definitions", json=definition, headers=headers
    )
    assert created.status_code == 201, created.text
    batch = {
        "definitionKey": "receipt",
        "recipients": [
            {
                "contactKey": f"c{i}",
                "to": f"r{i}@example.com",
                "messageKey": f"m{i}",
                "attributes": {"N": str(i)},
            }
            for i in range(BATCH)
        ],
    }
    accepted = httpx.post(
        base_url + "messaging/v1/email/messages", json=batch, headers=headers, timeout=60
    )
    assert accepted.status_code == 202, accepted.text[:300]
    assert accepted.json()["errorcode"] == 0


def test_kill_9_mid_batch_then_restart_finishes_every_message_once(database_url: str) -> None:
    with smtp_server() as (url, handler):
        env = {
            "DATABASE_URL": database_url,
            "TIDINGS_SMTP_URL": url,
            "TIDINGS_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
            "TIDINGS_BOOTSTRAP_CLIENT_SECRET": SECRET,
            "TIDINGS_SEND_CONCURRENCY": str(CONCURRENCY),
            "TIDINGS_SEND_LEASE_S": "2",  # a dead sender's claims come back after 2 s
            "TIDINGS_SWEEP_INTERVAL_S": "0.5",
        }
        with serving(env) as first:
            _send_batch(first.base_url)
            _wait("a fifth of the batch reaching SMTP", lambda: len(handler.received) >= 400, 60)
            first.process.kill()
            first.process.wait(timeout=10)
        delivered_before_restart = len(handler.received)
        final_before_restart = _final_count(database_url)
        with serving(env):
            _wait("every message final", lambda: _final_count(database_url) == BATCH, 120)
    statuses, kinds = _outcomes(database_url)

    assert 400 <= delivered_before_restart < BATCH  # the kill really landed mid-batch
    assert final_before_restart < BATCH
    assert len(statuses) == BATCH and set(statuses.values()) == {"sent"}
    assert {message_id: k for message_id, k in kinds.items() if k != ["EmailSent"]} == {}
    assert set(kinds) == set(statuses)  # exactly one outcome event per message
    received = collections.Counter(r.message["X-Tidings-Message-Id"] for r in handler.received)
    assert set(received) == set(statuses)  # every message reached the SMTP server
    duplicates = sum(n - 1 for n in received.values())
    assert duplicates <= CONCURRENCY, f"{duplicates} messages were delivered twice"
