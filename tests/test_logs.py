"""Structured logs: JSON lines with request ids (TIDINGS_LOG_FORMAT=json), never a secret."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from app import logs
from tests.receiver import receiver_in_thread
from tests.server import serving, wait_for

CLIENT_ID, SECRET = "log-client", "log-secret-0123456789abcdef0123456789"
API_TOKEN = "tdg_log-token-0123456789abcdef0123456789"


def test_json_log_lines_carry_request_ids_and_no_secrets(tmp_path: Any) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/logs.db",
        "TIDINGS_LOG_FORMAT": "json",
        "TIDINGS_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
        "TIDINGS_BOOTSTRAP_CLIENT_SECRET": SECRET,
        "TIDINGS_BOOTSTRAP_API_TOKEN": API_TOKEN,
        "TIDINGS_ALLOW_PRIVATE_CALLBACKS": "true",
    }
    with receiver_in_thread() as target, serving(env, separate_log=True) as server:
        base = server.base_url
        token = httpx.post(base + "v2/token", json={
            "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET,
        }).json()["access_token"]  # fmt: skip
        headers = {"Authorization": f"Bearer {token}"}
        created = httpx.post(
            base + "platform/v1/ens-callbacks",
            headers=headers | {"X-Request-Id": "caller-chosen-1"},
            json=[{"callbackName": "logs", "url": target.url + "/hook"}],
        )
        assert created.status_code == 201, created.text
        assert created.headers["X-Request-Id"] == "caller-chosen-1"
        signature_key = created.json()[0]["signatureKey"]
        refused = httpx.get(base + "platform/v1/tokenContext", headers={
            "Authorization": f"Bearer {token}x", "X-Request-Id": "bad id with spaces",
        })  # fmt: skip
        assert refused.status_code == 401
        made_up = refused.headers["X-Request-Id"]
        assert made_up != "bad id with spaces" and len(made_up) == 32
        broken = httpx.post(
            base + "api/v1/transactionals.json",
            headers={"Authorization": f"Bearer {API_TOKEN}"},
            content=b'{"to": ',
        )
        assert broken.status_code == 400
    lines = [json.loads(line) for line in server.log if line.strip()]
    assert lines, "nothing was logged"
    assert all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in lines)
    access = {line["request_id"]: line for line in lines if line["logger"] == "tidings.access"}
    assert access["caller-chosen-1"]["status"] == 201
    assert access["caller-chosen-1"]["path"] == "/platform/v1/ens-callbacks"
    assert access[made_up]["status"] == 401
    everything = "".join(server.log) + server.output
    for secret in (SECRET, token, API_TOKEN, signature_key):
        assert secret not in everything


def test_one_request_is_one_access_line_without_its_query_string(tmp_path: Any) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/once.db", "TIDINGS_LOG_FORMAT": "json"}
    with serving(env, separate_log=True) as server:
        answered = httpx.get(
            server.base_url + "healthz?access_token=query-secret-1",
            headers={"X-Request-Id": "just-once"},
        )
        assert answered.status_code == 200
        # tidings.access is written after the response; uvicorn's own line came before it.
        wait_for("the access line", lambda: "just-once" in "".join(server.log), within_s=10)
    mine = [json.loads(line) for line in server.log if "just-once" in line]
    assert [(line["logger"], line.get("path")) for line in mine] == [("tidings.access", "/healthz")]
    assert "query-secret-1" not in "".join(server.log) + server.output
    assert not any("uvicorn.access" in line for line in server.log)


def test_idle_sweeps_log_nothing_above_debug(tmp_path: Any) -> None:
    """At TIDINGS_LOG_LEVEL=debug every line shows its level: idle sweeps must add none above."""
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/idle.db",
        "TIDINGS_LOG_FORMAT": "json",
        "TIDINGS_LOG_LEVEL": "debug",
        "TIDINGS_SWEEP_INTERVAL_S": "0.02",
    }

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in list(server.log) if line.startswith("{")]

    def sweeps() -> int:
        return sum(
            line["logger"] == "apscheduler.executors.default"
            and "Jobs.sweep" in line["message"]
            and "executed successfully" in line["message"]
            for line in lines()
        )

    with serving(env, separate_log=True) as server:
        wait_for("60 sweeps (a minute's worth at the default interval)", lambda: sweeps() >= 60, 30)
        logged = lines()  # before the shutdown lines
    started = next(i for i, line in enumerate(logged) if "Uvicorn running" in line["message"])
    idle = [line for line in logged[started + 1 :] if line["logger"] != "tidings.access"]
    assert sum("Jobs.sweep" in line["message"] for line in idle) >= 60  # the stretch has sweeps
    louder = [line for line in idle if line["level"] != "debug"]
    assert louder == [], louder[:3]
    assert all(line["level"] == "debug" for line in logged if line["logger"].startswith("aps"))


@pytest.mark.parametrize(
    ("name", "level", "shown_at_info"),
    [
        ("apscheduler.executors.default", logging.INFO, False),
        ("apscheduler.scheduler", logging.INFO, False),
        ("apscheduler.executors.default", logging.ERROR, True),
        ("tidings.scheduler", logging.INFO, True),
    ],
)
def test_scheduler_runs_are_debug_lines(name: str, level: int, shown_at_info: bool) -> None:
    record = logging.LogRecord(name, level, __file__, 1, "Job executed", None, None)
    assert logs._SchedulerAtDebug("info").filter(record) is shown_at_info
    assert logs._SchedulerAtDebug("debug").filter(record) is True
