"""The quick start for real: ``python -m app serve`` in a subprocess, then real HTTP clients."""

from __future__ import annotations

import json
import pathlib
import re
import shlex
import shutil
import subprocess
from typing import Any

import httpx
import pytest

from bench.pg import free_port
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
        # The block names the console, where the same client signs in.
        assert f"sign in to the console with it: {server.base_url}console" in server.output
        assert httpx.get(server.base_url + "console").status_code == 200
    # The secret is in the first-run block only (its own line and the curl line), never after.
    assert secret not in server.output.split(_curl_line(server.output), 1)[1]


def _curl_line(output: str) -> str:
    [line] = [line for line in output.splitlines() if line.strip().startswith("curl ")]
    return line


def _as_request(line: str) -> tuple[str, dict[str, str], str]:
    """(url, headers, body) of a ``curl URL -H … -d …`` line, parsed as a shell would."""
    words = shlex.split(line)
    assert words[0] == "curl"
    url, headers, body = "", {}, ""
    flags = iter(words[1:])
    for word in flags:
        if word == "-H":
            name, _, value = next(flags).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            body = next(flags)
        elif not word.startswith("-"):
            url = word
    return url, headers, body


def test_the_first_start_prints_a_token_line_that_works_as_pasted(tmp_path: Any) -> None:
    with serving({"DATABASE_URL": f"sqlite:///{tmp_path}/first.db"}) as server:
        url, headers, body = _as_request(_curl_line(server.output))
        assert url == server.base_url + "v2/token"  # loopback: safe to send to
        response = httpx.post(url, headers=headers, content=body)
        assert response.status_code == 200, response.text
        assert response.json()["token_type"] == "Bearer"
        assert "<" not in body


def test_serve_honours_port_and_default_sqlite_path(tmp_path: Any) -> None:
    port = free_port()
    work = tmp_path / "fresh"
    work.mkdir()
    env = {"PORT": str(port), "DATABASE_URL": ""}
    with serving(env, cwd=str(work)) as server:
        assert server.base_url == f"http://127.0.0.1:{port}/"
    assert (work / "data" / "tidings.db").exists()


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_unchanged_fuel_rest_walks_from_token_to_a_sent_message(tmp_path: Any) -> None:
    if not (CLIENTS / "node_modules" / "fuel-rest").exists():
        pytest.skip("run `npm ci --prefix tests/clients` (.ci/run does) to test the SFMC clients")
    asset = {
        "name": "Welcome",
        "customerKey": "Welcome-Content",
        "assetType": {"id": 208, "name": "htmlemail"},
        "views": {
            "subjectLine": {"content": "Welcome, %%FirstName%%"},
            "html": {"content": "<p>Hi %%FirstName%%</p>"},
        },
    }
    definition = {
        "definitionKey": "Welcome",
        "name": "Welcome",
        "content": {"customerKey": "Welcome-Content"},
    }
    send = {
        "definitionKey": "Welcome",
        "recipient": {
            "contactKey": "c-1",
            "to": "ana@example.com",
            "attributes": {"FirstName": "Ana"},
        },
    }
    steps = [
        ["GET", "/platform/v1/tokenContext"],
        ["POST", "/asset/v1/content/assets", asset],
        ["POST", "/messaging/v1/email/definitions", definition],
        ["POST", "/messaging/v1/email/messages/Welcome-1", send],
        ["GET", "/messaging/v1/email/messages/Welcome-1", None, "EmailSent"],
    ]
    with serving({"DATABASE_URL": f"sqlite:///{tmp_path}/fuel.db"}) as server:
        client_id, secret = _first_run_credentials(server.output)
        done = subprocess.run(
            [
                "node",
                str(CLIENTS / "fuel.js"),
                server.base_url,
                client_id,
                secret,
                json.dumps(steps),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr + done.stdout
    result = json.loads(done.stdout)
    assert result["token"]["rest_instance_url"] == server.base_url
    context, created, defined, accepted, status = result["results"]
    assert context["status"] == 200 and context["body"]["enterprise"]["id"] > 0
    assert created["status"] == 201, created
    assert defined["status"] == 201 and defined["body"]["definitionKey"] == "Welcome", defined
    assert accepted["status"] == 202, accepted  # fuel-rest lowercased the path: key matched
    assert accepted["body"]["responses"][0]["messageKey"] == "welcome-1"
    assert status["body"]["eventCategoryType"] == "TransactionalSendEvents.EmailSent", status
