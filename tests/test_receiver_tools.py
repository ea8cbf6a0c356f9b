"""The receiver tools as users run them: a real `serve`, the CLI as a subprocess, and real local
receivers that verify with the Standard Webhooks package. `listen` forwards signed batches with
its printed secret, filters, and reconnects after the server is killed and restarted;
`trigger` makes real events; `check-receiver` grades a correct and a sloppy receiver apart."""

from __future__ import annotations

import contextlib
import datetime
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import standardwebhooks

from app.wire.vocabulary import EventType
from bench.pg import free_port
from tests.server import access_token, serving, wait_for

pytestmark = pytest.mark.isolated
CLIENT_ID, SECRET = "listen-client", "listen-secret-0123456789abcdef0123456789"
WANTED = "EmailSent,EmailBounced,SmsNotSent"
Answer = Callable[[bytes, dict[str, str]], tuple[int, dict[str, Any]]]


@contextlib.contextmanager
def local_receiver(answer: Answer) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A real HTTP receiver on 127.0.0.1 answering with ``answer``; (URL, what it handled)."""
    handled: list[dict[str, Any]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, said = answer(body, headers)
            handled.append({"status": status, "body": body, "headers": headers})
            data = json.dumps(said).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", handled
    finally:
        server.shutdown()
        server.server_close()


def verifying(secret: Callable[[], str]) -> Answer:
    """A correct receiver: Standard Webhooks verification (signature, 5-minute timestamp
    window, any signature of a rotation), and each webhook-id processed once."""
    seen: set[str] = set()

    def answer(body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        try:
            standardwebhooks.Webhook(secret()).verify(body, headers)
        except standardwebhooks.WebhookVerificationError as exc:
            return 400, {"error": str(exc)}
        duplicate = headers["webhook-id"] in seen
        seen.add(headers["webhook-id"])
        return 200, {"duplicate": duplicate}

    return answer


def _cli(*args: str, server_url: str) -> list[str]:
    return [sys.executable, "-m", "app", *args, "--url", server_url, "--client-id", CLIENT_ID,
            "--client-secret", SECRET]  # fmt: skip


def _trigger(event_type: str, server_url: str) -> dict[str, Any]:
    done = subprocess.run(_cli("trigger", event_type, server_url=server_url),
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


class Lines:
    """A subprocess's output lines, read as they come."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(
            target=lambda: self.lines.extend(iter(process.stdout.readline, "")),  # type: ignore[union-attr]
            daemon=True,
        )
        self._thread.start()

    def wait(self, what: str, *, within_s: float = 20.0) -> str:
        wait_for(f"a line with {what!r}", lambda: any(what in line for line in self.lines),
                 within_s)  # fmt: skip
        return next(line for line in self.lines if what in line)


class Listening:
    """`tidings listen` as a subprocess, connected: its output and the secret it printed."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=os.environ | env | {"PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        self.out = Lines(self.process)
        ready = self.out.wait("whsec_")
        self.secret = ready[ready.index("whsec_") :].split()[0]
        self.out.wait("connected")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        if self.process.stdout is not None and not self.process.stdout.closed:
            self.process.stdout.close()


def test_listen_forwards_signed_filtered_batches_and_survives_a_server_restart(
    tmp_path: Any,
) -> None:
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/listen.db",
        "TIDINGS_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
        "TIDINGS_BOOTSTRAP_CLIENT_SECRET": SECRET,
        "TIDINGS_LISTEN_POLL_S": "0.05",
    }
    secret: list[str] = []
    with local_receiver(verifying(lambda: secret[0])) as (hook_url, handled):
        first = serving(env, port=port)
        server = first.__enter__()
        argv = _cli(
            "listen", "--forward-to", hook_url, "--events", WANTED,
            "--filter", "definitionKey=tidings-trigger-email", server_url=server.base_url,
        )  # fmt: skip
        listen = Listening(argv, {})
        out = listen.out
        secret.append(listen.secret)
        try:
            sent = _trigger("EmailSent", server.base_url)
            line = out.wait(sent["messageKey"])
            assert line.startswith("EmailSent") and sent["recipient"] in line and "-> 200" in line
            _trigger("EmailNotSent", server.base_url)  # not in --events
            _trigger("SmsNotSent", server.base_url)  # not the --filter's definition
            bounced = _trigger("EmailBounced", server.base_url)
            assert "-> 200" in out.wait(bounced["messageKey"])
            assert not [x for x in out.lines if "NotSent" in x]

            server.process.kill()  # mid-stream
            server.process.wait(timeout=10)
            first.__exit__(None, None, None)
            out.wait("connection lost")
            with serving(env, port=port) as again:
                after = _trigger("EmailSent", again.base_url)
                assert "-> 200" in out.wait(after["messageKey"], within_s=30)
                listen.stop()  # before the server stops, which then need not wait for it
        finally:
            listen.stop()
        assert handled and all(h["status"] == 200 for h in handled)
        assert {e["info"]["messageKey"] for h in handled for e in json.loads(h["body"])} == {
            sent["messageKey"],
            bounced["messageKey"],
            after["messageKey"],
        }

    # The same credentials print the same secret on the next run.
    rerun = subprocess.run(
        [sys.executable, "-c", "from app.tools.listen import session_secret as s;"
         f"print('whsec_' + s({SECRET!r}))"], capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert rerun.stdout.strip() == secret[0]


def sloppy(secret: str) -> Answer:
    """Checks the HMAC but not the timestamp, and processes every delivery it gets."""
    mine = standardwebhooks.Webhook(secret)

    def answer(body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        at = datetime.datetime.fromtimestamp(int(headers["webhook-timestamp"]), datetime.UTC)
        expected = mine.sign(headers["webhook-id"], at, body.decode())
        if expected not in headers["webhook-signature"].split(" "):
            return 400, {}
        return 200, {"duplicate": False}

    return answer


def _check(url: str, secret: str) -> tuple[int, list[dict[str, Any]], str]:
    args = ["check-receiver", url, "--secret", secret]
    table = subprocess.run([sys.executable, "-m", "app", *args], capture_output=True,
                           text=True, timeout=60)  # fmt: skip
    graded = subprocess.run([sys.executable, "-m", "app", *args, "--json"],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    return table.returncode, json.loads(graded.stdout), table.stdout


def test_check_receiver_grades_a_correct_and_a_sloppy_receiver_apart() -> None:
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    with local_receiver(verifying(lambda: secret)) as (url, _):
        code, rows, table = _check(url, secret)
    assert code == 0, table
    assert all(row["pass"] for row in rows) and "7/7" in table
    assert next(r for r in rows if r["vector"] == "duplicate webhook-id")["got"] == (
        "200 processed once"
    )
    with local_receiver(sloppy(secret)) as (url, _):
        code, rows, table = _check(url, secret)
    assert code == 1
    failed = {row["vector"] for row in rows if not row["pass"]}
    assert failed == {"stale timestamp", "duplicate webhook-id"}, table


# Each type `trigger` makes, and every event its message then carries (nothing else).
TRIGGERED = {
    "EmailSent": ["EmailSent"],
    "EmailBounced": ["EmailBounced"],
    "EmailNotSent": ["EmailNotSent"],
    "SmsSent": ["SmsSent"],
    "SmsDelivered": ["SmsSent", "SmsDelivered"],
    "SmsTransient": ["SmsSent", "SmsTransient"],
    "SmsBounced": ["SmsSent", "SmsBounced"],
    "SmsNotSent": ["SmsNotSent"],
}


def _events_by_key(base_url: str, headers: dict[str, str]) -> dict[str, list[str]]:
    page = httpx.get(f"{base_url}platform/v1/events", params={"limit": "1000"}, headers=headers)
    assert page.status_code == 200, page.text
    found: dict[str, list[str]] = {}
    for event in page.json()["items"]:
        short = event["eventCategoryType"].removeprefix("TransactionalSendEvents.")
        found.setdefault(event["info"]["messageKey"], []).append(short)
    return found


def test_trigger_makes_every_event_type_and_only_its_story(tmp_path: Any) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/trigger.db",
        "TIDINGS_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
        "TIDINGS_BOOTSTRAP_CLIENT_SECRET": SECRET,
    }
    assert set(TRIGGERED) == {t.short for t in EventType}
    with serving(env) as server:
        keys = {name: _trigger(name, server.base_url)["messageKey"] for name in TRIGGERED}
        headers = access_token(server.base_url, CLIENT_ID, SECRET)
        found: dict[str, list[str]] = {}

        def settled() -> bool:
            found.update(_events_by_key(server.base_url, headers))
            return all(len(found.get(key, [])) >= len(TRIGGERED[n]) for n, key in keys.items())

        wait_for("every triggered event", settled, 30, every_s=0.1)
        # The last trigger came well after the first's receipts; none arrive late.
        found = _events_by_key(server.base_url, headers)
    assert {name: found[key] for name, key in keys.items()} == TRIGGERED
