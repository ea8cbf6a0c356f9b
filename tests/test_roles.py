"""``serve --role api|worker``: API processes and worker processes share one PostgreSQL backlog.

Four real processes (two that only serve the API, two that only work), a real receiver on
127.0.0.1 in a thread, webhooks one event per batch (so the two workers form batches from the
same outbox side by side, with no lock between them): every event arrives exactly once.
"""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from bench import provision
from bench.pg import free_port
from tests.receiver import receiver_in_thread
from tests.server import access_token, provisioned, query, serving, verified_hook, wait_for

CLIENT_ID, SECRET = "roles-client", "roles-secret-0123456789abcdef0123456789"
PER_API = 300


def _env(database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "TIDINGS_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
        "TIDINGS_BOOTSTRAP_CLIENT_SECRET": SECRET,
        "TIDINGS_ALLOW_PRIVATE_CALLBACKS": "true",
        "TIDINGS_WEBHOOK_TIMEOUT_S": "10",  # no fault: not even a slow answer on 2 cores
    }


def _send(base_url: str, headers: dict[str, str], prefix: str) -> None:
    recipients = provision.numbered_recipients(range(PER_API), prefix)
    accepted = httpx.post(
        base_url + "messaging/v1/email/messages",
        json={"definitionKey": "receipt", "recipients": recipients},
        headers=headers,
        timeout=60,
    )
    assert accepted.status_code == 202, accepted.text[:300]
    assert accepted.json()["errorcode"] == 0


@pytest.mark.isolated
def test_two_api_and_two_worker_processes_deliver_every_event_once(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("roles split processes, which share a backlog on PostgreSQL only")
    env = _env(database_url)
    with (
        receiver_in_thread() as target,
        serving(env, "--role", "api") as api_one,
        serving(env, "--role", "api") as api_two,
        serving(env, "--role", "worker") as worker_one,
        serving(env, "--role", "worker") as worker_two,
    ):
        headers = access_token(api_one.base_url, CLIENT_ID, SECRET)
        # The verification probe goes out from the API process that registers the callback.
        sent = ["TransactionalSendEvents.EmailSent"]
        verified_hook(api_one.base_url, headers, target, sent, name="roles", maxBatchSize=1)
        provisioned(
            api_one.base_url,
            lambda http: provision.email_definition(
                http, headers, "receipt", views=provision.NUMBERED_VIEWS
            ),
        )
        _send(api_one.base_url, headers, "one-")
        _send(api_two.base_url, headers, "two-")

        def delivered() -> int:
            return sum(len(r.json()) for r in target.batches)

        wait_for("every event delivered", lambda: delivered() >= 2 * PER_API, 120, every_s=0.2)
        for worker in (worker_one, worker_two):  # probes answer; the API does not
            assert httpx.get(worker.base_url + "readyz").status_code == 200
            assert httpx.get(worker.base_url + "platform/v1/tokenContext").status_code == 404
    events = [event["eventId"] for r in target.batches for event in r.json()]
    produced = [row["event_id"] for row in query(database_url, "SELECT event_id FROM events")]
    assert len(produced) == 2 * PER_API
    assert sorted(events) == sorted(produced)  # each exactly once
    assert {r.headers["x-tidings-attempt"] for r in target.batches} == {"1"}  # none twice


def test_roles_other_than_all_refuse_sqlite_in_one_line(tmp_path: object) -> None:
    env = _env(f"sqlite:///{tmp_path}/one.db")
    for role in ("api", "worker"):
        done = subprocess.run(
            [sys.executable, "-m", "app", "serve", "--role", role, "--port", str(free_port())],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2
        assert done.stderr == f"error: role {role} needs PostgreSQL: SQLite has one process\n"
