"""Faults, each with its promise: SQLite locked by another process (waited out, or a 503 and
nothing stored), SQLite full (a 503, no corruption), the SMTP relay down then back, PostgreSQL
restarted under load, and SIGTERM during load (in-flight requests finish, claims are released,
a restart finishes the work). The receiver down past the circuit breaker and back is in
tests/test_webhooks.py (test_circuit_breaker_disables_then_delivers_in_order)."""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import signal
import sqlite3
import threading
from typing import Any

import httpx
import pytest

from app.storage import messages
from app.storage.db import Db
from bench import provision
from bench.pg import free_port
from tests.conftest import FakeClock, Service, make_tenant, running, settings_for
from tests.sending import email_definition, recipient, settle
from tests.server import access_token, provisioned, query, serving, wait_for
from tests.smtp_server import smtp_server


def _sqlite_only(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("a SQLite-file fault")


def _send(n: int) -> dict[str, Any]:
    return {"definitionKey": "order-confirm", "recipient": recipient(f"r{n}@example.com")}


async def test_sqlite_lock_held_elsewhere_is_waited_out_or_a_503(
    database_url: str, clock: FakeClock
) -> None:
    _sqlite_only(database_url)
    async with running(settings_for(database_url, db_busy_timeout_s=0.5), clock) as service:
        tenant = await make_tenant(service, "a")
        await email_definition(service, tenant)
        other = sqlite3.connect(Db.sqlite_path_of(database_url), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process's write lock
        waiting = asyncio.create_task(service.http.post(
            "/messaging/v1/email/messages/waited", headers=tenant.headers, json=_send(1)
        ))  # fmt: skip
        await asyncio.sleep(0.2)
        assert not waiting.done()  # waiting for the lock, without blocking the event loop
        read = await service.http.get("/platform/v1/tokenContext", headers=tenant.headers)
        assert read.status_code == 200
        other.execute("COMMIT")
        assert (await waiting).status_code == 202

        other.execute("BEGIN IMMEDIATE")
        refused = await service.http.post(
            "/messaging/v1/email/messages/refused", headers=tenant.headers, json=_send(2)
        )
        other.execute("COMMIT")
        other.close()
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "1" and "errorcode" in refused.json()
        assert await messages.get_by_key(service.db, tenant.account_id, "email", "refused") is None
        retried = await service.http.post(
            "/messaging/v1/email/messages/refused", headers=tenant.headers, json=_send(2)
        )
        assert retried.status_code == 202


async def test_sqlite_full_is_a_503_and_not_corruption(service: Service, database_url: str) -> None:
    _sqlite_only(database_url)
    tenant = await make_tenant(service, "a")
    await email_definition(service, tenant)
    async with service.db.raw_connection() as raw:
        pages = raw.execute("PRAGMA page_count").fetchone()[0]
        raw.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from here on
    batch = {"definitionKey": "order-confirm", "recipients": [
        recipient(f"r{n}@example.com") | {"messageKey": f"full-{n}"} for n in range(500)
    ]}  # fmt: skip
    full = await service.http.post(
        "/messaging/v1/email/messages", headers=tenant.headers, json=batch
    )
    assert full.status_code == 503, full.text
    assert await service.db.fetch_val("SELECT COUNT(*) FROM messages") == 0
    broadcast = await service.http.post(
        "/api/v1/transactionals.json", headers=tenant.api_headers,
        json={"to": "a@example.com", "subject": "Hi", "body": "x" * 20000},
    )  # fmt: skip
    assert broadcast.status_code == 503 and set(broadcast.json()) == {"error"}
    async with service.db.raw_connection() as raw:
        raw.execute("PRAGMA max_page_count = 1073741823")  # space again
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again = await service.http.post(
        "/messaging/v1/email/messages", headers=tenant.headers, json=batch
    )
    assert again.status_code == 202
    assert await service.db.fetch_val("SELECT COUNT(*) FROM messages") == 500


async def test_smtp_relay_down_then_back(database_url: str, clock: FakeClock) -> None:
    port = free_port()
    settings = settings_for(database_url, smtp_url=f"smtp://127.0.0.1:{port}")
    async with running(settings, clock) as service:
        tenant = await make_tenant(service, "a")
        await email_definition(service, tenant)
        sent = await service.http.post(
            "/messaging/v1/email/messages/relay", headers=tenant.headers, json=_send(1)
        )
        assert sent.status_code == 202
        deadline = asyncio.get_running_loop().time() + 10
        while True:  # the first try fails (nothing listens) and is put back for a retry
            await service.runtime.sender.run_once()
            waiting = await messages.get_by_key(service.db, tenant.account_id, "email", "relay")
            assert waiting is not None and waiting.status != messages.SENT
            if waiting.status == messages.QUEUED and waiting.attempts >= 1:
                break
            assert asyncio.get_running_loop().time() < deadline, waiting
            await asyncio.sleep(0.01)
        with smtp_server(port) as (_, relay):
            found = await settle(service, tenant.account_id, "email", "relay", clock=clock)
        assert found.status == messages.SENT
        assert [r.rcpt_tos for r in relay.received] == [["r1@example.com"]]


async def test_postgresql_restart_under_load_loses_nothing(
    request: pytest.FixtureRequest, database_url: str, clock: FakeClock
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL fault")
    cluster = request.getfixturevalue("pg_cluster")
    unlimited = settings_for(database_url, rate_limit_client=None, rate_limit_account=None)
    async with running(unlimited, clock) as service:
        tenant = await make_tenant(service, "a")
        await email_definition(service, tenant)
        accepted: set[str] = set()
        answers: list[int] = []

        async def keep_sending(first: int) -> None:
            for n in range(first, first + 40):
                for _ in range(100):  # a 503 while PostgreSQL is away is retried, as clients do
                    answer = await service.http.post(
                        f"/messaging/v1/email/messages/pg-{n}", headers=tenant.headers,
                        json=_send(n),
                    )  # fmt: skip
                    answers.append(answer.status_code)
                    if answer.status_code == 202:
                        accepted.add(f"pg-{n}")
                        break
                    assert answer.status_code == 503, answer.text
                    await asyncio.sleep(0.05)

        load = asyncio.gather(keep_sending(0), keep_sending(100))
        await asyncio.sleep(0.1)
        await asyncio.to_thread(cluster.restart)
        await load
        assert len(accepted) == 80, collections.Counter(answers)
        # A send that failed while PostgreSQL was away keeps its claim; once the lease has run
        # out, the sweep puts it back in the queue (what a later pass of the scheduler does).
        clock.advance(service.runtime.settings.send_lease_s + 1)
        await service.runtime.jobs.sweep()
        for key in sorted(accepted):
            found = await settle(service, tenant.account_id, "email", key, within_s=30)
            assert found.status == messages.SENT
        counts = await service.db.fetch_all(
            "SELECT message_id, COUNT(*) AS n FROM events GROUP BY message_id"
        )
        assert len(counts) == 80 and {row["n"] for row in counts} == {1}


def test_sigterm_during_load_finishes_in_flight_requests_and_releases_claims(tmp_path: Any) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/term.db",
        "TIDINGS_BOOTSTRAP_CLIENT_ID": "term-client",
        "TIDINGS_BOOTSTRAP_CLIENT_SECRET": "term-secret-0123456789abcdef012345",
        "TIDINGS_SEND_LEASE_S": "600",  # a claim left behind would hold its message 10 minutes
        "TIDINGS_SEND_CONCURRENCY": "2",
    }
    port = free_port()
    answers: list[int | str] = []
    accepted: list[str] = []
    with serving(env, port=port) as server:
        headers = access_token(
            server.base_url,
            env["TIDINGS_BOOTSTRAP_CLIENT_ID"],
            env["TIDINGS_BOOTSTRAP_CLIENT_SECRET"],
        )
        still = {"subjectline": {"content": "Hi"}, "html": {"content": "<p>x</p>"}}
        provisioned(
            server.base_url,
            lambda http: provision.email_definition(http, headers, "t", views=still),
        )
        stop = threading.Event()

        def client(worker: int) -> None:
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as http:
                n = 0
                while not stop.is_set():
                    key = f"term-{worker}-{n}"
                    recipients = [{"contactKey": f"c{i}", "to": f"{key}-{i}@example.com",
                                   "messageKey": f"{key}-{i}"} for i in range(50)]  # fmt: skip
                    body = {"definitionKey": "t", "recipients": recipients}
                    try:
                        answer = http.post("messaging/v1/email/messages", json=body)
                    except httpx.TransportError as exc:  # refused once the server has stopped
                        answers.append(type(exc).__name__)
                        return
                    answers.append(answer.status_code)
                    if answer.status_code == 202:
                        accepted.extend(r["messageKey"] for r in recipients)
                    n += 1

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            running_clients = [pool.submit(client, w) for w in range(4)]
            wait_for("some accepted sends", lambda: len(accepted) >= 1000, 20)
            server.process.send_signal(signal.SIGTERM)
            # uvicorn shuts down gracefully, then re-raises the signal: -15 is a clean exit.
            assert server.process.wait(timeout=30) in (0, -signal.SIGTERM)
            stop.set()
            for future in running_clients:
                future.result()
    assert "Application shutdown complete" in server.output
    assert {a for a in answers if isinstance(a, int)} == {202}, answers
    url = env["DATABASE_URL"]
    unfinished = query(url, "SELECT COUNT(*) AS n FROM messages WHERE status = 'sending'")
    assert unfinished[0]["n"] == 0, "claims were left behind"
    with serving(env, port=port):
        wait_for(
            "every accepted send to end",
            lambda: query(url, "SELECT COUNT(*) AS n FROM messages WHERE status IN"
                               " ('sent', 'not_sent', 'bounced')")[0]["n"] == len(accepted),
            30, every_s=0.1,
        )  # fmt: skip
    keys = {row["message_key"] for row in query(url, "SELECT message_key FROM messages")}
    assert keys == set(accepted)
    outcomes = query(url, "SELECT message_id, COUNT(*) AS n FROM events GROUP BY message_id")
    assert len(outcomes) == len(accepted) and {row["n"] for row in outcomes} == {1}
