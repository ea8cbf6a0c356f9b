"""The quick start for real: ``python -m app serve`` in a subprocess, then real HTTP clients."""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess
from typing import Any

import httpx
import pytest

from tests.pg import free_port
from tests.server import serving

CLIENTS = pathlib.Path(__file__).parent / "clients"


def _first_run_credentials(output: str) -> tuple[str, str]:
    client_id = re.search(r"client_id:\s+(\S+)", output)
    secret = re.search(r"client_secret:\s+(\S+)", output)
    assert client_id and secret, output
    return client_id[1], secret[1]


def test_serve_on_a_fresh_database_prints_credentials_that_work(database_url: str) -> None:
    with serving({"DATABASE_URL": database_url}) as server:
        client_id, secret = _first_run_credentials(server.output)
        token = httpx.post(
            server.base_url + "v2/token",
            json={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
        )
        assert token.status_code == 200
        assert token.json()["rest_instance_url"] == server.base_url
        context = httpx.get(
            token.json()["rest_instance_url"] + "platform/v1/tokenContext",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
        assert context.status_code == 200
        assert httpx.get(server.base_url + "healthz").json() == {"status": "ok"}
    assert secret not in server.output.split("client_secret:", 1)[1].split("\n", 1)[1]


def test_serve_honours_port_and_default_sqlite_path(tmp_path: Any) -> None:
    port = free_port()
    work = tmp_path / "fresh"
    work.mkdir()
    env = {"PORT": str(port), "DATABASE_URL": ""}
    with serving(env, cwd=str(work)) as server:
        assert server.base_url == f"http://127.0.0.1:{port}/"
    assert (work / "data" / "tidings.db").exists()


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_unchanged_fuel_auth_and_fuel_rest_authenticate_and_call(tmp_path: Any) -> None:
    if not (CLIENTS / "node_modules" / "fuel-rest").exists():
        pytest.skip("run `npm ci --prefix tests/clients` (.ci/run does) to test the SFMC clients")
    with serving({"DATABASE_URL": f"sqlite:///{tmp_path}/fuel.db"}) as server:
        client_id, secret = _first_run_credentials(server.output)
        done = subprocess.run(
            [
                "node",
                str(CLIENTS / "fuel.js"),
                server.base_url,
                client_id,
                secret,
                "GET",
                "/platform/v1/tokenContext",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr + done.stdout
    result = json.loads(done.stdout)
    assert result["status"] == 200, result
    assert result["token"]["rest_instance_url"] == server.base_url
    assert result["body"]["enterprise"]["id"] > 0
