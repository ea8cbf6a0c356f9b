"""Structured logs: JSON lines with request ids (TIDINGS_LOG_FORMAT=json), never a secret."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.receiver import receiver_in_thread
from tests.server import serving

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
