"""The soak: ``python -m bench.soak [--seconds N]`` (CI runs a short one, tests/test_soak.py).

Tidings on SQLite with the sandbox, three callbacks (maxBatchSize 1, 100 and 100) on a receiver
that fails one POST in five and answers one in seven slowly, 200 sends a second (batches of 50,
one recipient in 25 a hard bounce) for N seconds, and a kill -9 plus restart half-way. Then
it waits (bounded) for the work to finish and prints a reconciliation report:

- every send answered 202 has exactly one final outcome event;
- every event for each subscribed callback was received, or sits in a failed batch that
  ``/replay`` can send again;
- resident memory of the serving process, sampled throughout.

Exit status 1 when anything does not reconcile; timing never fails it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pathlib
import signal
import sqlite3
import sys
import tempfile
import time
from typing import Any

import httpx

from bench import pg, webhooks
from bench.__main__ import _server, _tidings_setup, rss_mb, say, tidings_env

EMAIL_TYPES = (
    "TransactionalSendEvents.EmailSent",
    "TransactionalSendEvents.EmailNotSent",
    "TransactionalSendEvents.EmailBounced",
)
FINAL = ("sent", "not_sent", "bounced")


def _env(database: pathlib.Path) -> dict[str, str]:
    return tidings_env(f"sqlite:///{database}") | {
        "TIDINGS_WEBHOOK_TIMEOUT_S": "2",
        "TIDINGS_WEBHOOK_RETRY_SCHEDULE_S": "0.2,0.5,1,2",
        "TIDINGS_SWEEP_INTERVAL_S": "0.2",
        "TIDINGS_SEND_LEASE_S": "3",  # claims of the killed process come back quickly
    }


PER_S = (
    200  # sends per second: what a callback with maxBatchSize 1 and a slow receiver keeps up with
)


async def _send_for(base: str, headers: dict[str, str], seconds: float, tag: str) -> list[str]:
    """Batch sends of 50, PER_S a second, for ``seconds``; the keys answered 202."""
    accepted: list[str] = []
    started = time.monotonic()
    n = 0
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as api:
        while time.monotonic() < started + seconds:
            await asyncio.sleep(max(0.0, started + n * 50 / PER_S - time.monotonic()))
            keys = [f"{tag}-{n}-{i}" for i in range(50)]
            recipients = [
                {"contactKey": k, "to": f"{k}@example.com" if i % 25 else
                 "bounce@simulator.tidings.test", "messageKey": k}
                for i, k in enumerate(keys)
            ]  # fmt: skip
            n += 1
            with contextlib.suppress(httpx.TransportError):
                answer = await api.post(
                    "messaging/v1/email/messages",
                    json={"definitionKey": "bench", "recipients": recipients},
                )
                if answer.status_code == 202:
                    accepted += keys
    return accepted


def _rows(database: pathlib.Path, sql: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as connection:
        return connection.execute(sql).fetchall()


def _unfinished(database: pathlib.Path) -> int:
    return int(_rows(database, f"SELECT COUNT(*) FROM messages WHERE status NOT IN {FINAL}")[0][0])


def _open_batches(database: pathlib.Path) -> int:
    return int(_rows(database, "SELECT COUNT(*) FROM batches WHERE status IN"
                               " ('pending', 'sending')")[0][0] + _rows(database,
               "SELECT COUNT(*) FROM outbox WHERE batch_id IS NULL")[0][0])  # fmt: skip


async def soak(seconds: float) -> int:
    work = pathlib.Path(tempfile.mkdtemp(prefix="tidings-soak-"))
    database = work / "soak.db"
    receiver = webhooks.Receiver(fail_one_in=5, slow_one_in=7, slow_s=0.3)
    await receiver.start(pg.free_port())
    port = pg.free_port()
    command = [sys.executable, "-m", "app", "serve", "--port", str(port)]
    base = f"http://127.0.0.1:{port}/"
    accepted: list[str] = []
    memory: list[float] = []
    try:
        with _server(command, _env(database), base + "readyz") as first:
            headers = await _tidings_setup(base)
            tidings = webhooks.Tidings(base, headers)
            await tidings.callbacks(receiver, 1, batch_size=1, paused=False, types=EMAIL_TYPES)
            await tidings.callbacks(receiver, 2, batch_size=100, paused=False, types=EMAIL_TYPES)
            say(f"soak: sending for {seconds / 2:g} s, then kill -9 and restart")
            accepted += await _send_for(base, headers, seconds / 2, "a")
            memory.append(rss_mb(first.pid))
            os.kill(first.pid, signal.SIGKILL)
        with _server(command, _env(database), base + "readyz") as second:
            say(f"soak: restarted; sending for {seconds / 2:g} s more")
            accepted += await _send_for(base, headers, seconds / 2, "b")
            memory.append(rss_mb(second.pid))
            deadline = time.monotonic() + 180
            while _unfinished(database) or _open_batches(database):
                if time.monotonic() > deadline:
                    break
                memory.append(rss_mb(second.pid))
                await asyncio.sleep(0.5)
            memory.append(rss_mb(second.pid))
    finally:
        await receiver.stop()
    return report(database, accepted, receiver, memory)


def report(
    database: pathlib.Path, accepted: list[str], receiver: webhooks.Receiver, memory: list[float]
) -> int:
    problems = []
    keys = {row[0]: row[1] for row in _rows(database, "SELECT message_key, status FROM messages")}
    missing = [k for k in accepted if k not in keys]
    unfinished = [k for k in accepted if keys.get(k) not in FINAL]
    outcomes = _rows(database, "SELECT m.message_key, COUNT(e.id) FROM messages m LEFT JOIN"
                               " events e ON e.message_id = m.id GROUP BY m.id")  # fmt: skip
    not_one = [k for k, n in outcomes if n != 1]
    if missing or unfinished or not_one:
        problems.append(f"sends: {len(missing)} lost, {len(unfinished)} unfinished,"
                        f" {len(not_one)} without exactly one outcome")  # fmt: skip
    expected = _rows(database, "SELECT c.url, e.event_id, b.status FROM outbox o JOIN events e"
                               " ON e.id = o.event_id JOIN callbacks c ON c.id = o.callback_id"
                               " LEFT JOIN batches b ON b.id = o.batch_id")  # fmt: skip
    received = {(hook, event_id) for hook, event_id in receiver.seen}
    lost = [(url, eid) for url, eid, status in expected
            if (url.rsplit("/", 1)[1], eid) not in received and status != "failed"]  # fmt: skip
    failed = sum(1 for *_, status in expected if status == "failed")
    if lost:
        problems.append(f"webhooks: {len(lost)} events neither received nor failed")
    say(f"accepted sends:           {len(accepted)}")
    say(f"final outcomes:           {len(accepted) - len(unfinished)} (one each: {not not_one})")
    say(f"events for callbacks:     {len(expected)}; received {len(expected) - len(lost) - failed},"
        f" failed and replayable {failed}, lost {len(lost)}")  # fmt: skip
    say(f"receiver POSTs:           {receiver.attempts} ({receiver.posts} accepted)")
    say(f"resident memory (MB):     first {memory[0]:.0f}, last {memory[-1]:.0f},"
        f" max {max(memory):.0f}")  # fmt: skip
    if problems:
        say("NOT RECONCILED: " + "; ".join(problems))
        return 1
    say("reconciled: nothing lost, nothing finished twice")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=120.0, help="sending time (default 120)")
    return asyncio.run(soak(parser.parse_args().seconds))


if __name__ == "__main__":
    raise SystemExit(main())
