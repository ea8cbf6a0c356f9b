"""kill -9 in the middle of a 2,000-message SMTP batch: after a restart every message ends once.

What the API acknowledged is in the database before the 202, so a hard stop loses nothing.
A message can only be delivered twice if the SMTP server accepted it and the process died
before recording that: at most one per send slot (TIDINGS_SEND_CONCURRENCY).
"""

from __future__ import annotations

import collections

from tests.server import access_token, post_email_batch, query, serving, wait_for
from tests.smtp_server import smtp_server

BATCH = 2000
CONCURRENCY = 10
CLIENT_ID, SECRET = "crash-test-client", "crash-test-secret-0123456789abcdef"


_FINAL = "SELECT COUNT(*) AS n FROM messages WHERE status IN ('sent', 'not_sent', 'bounced')"


def _final_count(database_url: str) -> int:
    return int(query(database_url, _FINAL)[0]["n"])


def _outcomes(database_url: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Each message's status, and each message's event types."""
    kinds: dict[str, list[str]] = collections.defaultdict(list)
    for row in query(database_url, "SELECT message_id, type FROM events ORDER BY id"):
        kinds[row["message_id"]].append(row["type"].rpartition(".")[2])
    statuses = {
        r["id"]: r["status"] for r in query(database_url, "SELECT id, status FROM messages")
    }
    return statuses, kinds


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
            headers = access_token(first.base_url, CLIENT_ID, SECRET)
            post_email_batch(first.base_url, headers, BATCH)
            wait_for("a fifth of the batch reaching SMTP", lambda: len(handler.received) >= 400, 60)
            first.process.kill()
            first.process.wait(timeout=10)
        delivered_before_restart = len(handler.received)
        final_before_restart = _final_count(database_url)
        with serving(env):
            wait_for("every message final", lambda: _final_count(database_url) == BATCH, 120)
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
