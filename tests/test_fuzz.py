"""Schemathesis fuzzes a live server from its own /openapi.json (its CLI, ``st run``).

A bounded number of generated requests per operation (``TIDINGS_FUZZ_EXAMPLES``, default 10),
with a fixed seed so a failure reproduces: no 5xx, every status documented, every body
matching its schema and content type, and no unhandled exception in the server's log.
(Schemathesis's own pytest plugin does not run under pytest 9, hence the CLI.)
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from typing import Any

import httpx
import pytest

from tests.server import serving

pytestmark = pytest.mark.isolated  # generated callback URLs must not leave the machine

CLIENT_ID, SECRET = "fuzz-client", "fuzz-secret-0123456789abcdef0123456789"
INBOUND = "fuzz-inbound-token-0123456789abcdef"
EXAMPLES = os.environ.get("TIDINGS_FUZZ_EXAMPLES", "10")
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_schema_conformance",
])  # fmt: skip


def _fuzz(base_url: str, token: str, *only: str) -> subprocess.CompletedProcess[str]:
    st = pathlib.Path(sys.executable).with_name("st")
    return subprocess.run(
        [str(st), "run", base_url + "openapi.json", "--checks", CHECKS,
         "--max-examples", EXAMPLES, "--seed", "7", "--request-timeout", "10",
         "--header", f"Authorization: Bearer {token}", "--suppress-health-check", "all",
         "--continue-on-failure", "--no-color", *only],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def _portal_session(base_url: str, token: str) -> tuple[str, str]:
    """A portal session with every permission (the portal's routes take only its cookie)."""
    link = httpx.post(base_url + "platform/v1/portal-links", json={
        "mayCreateCallbacks": True,
        "permissions": ["ViewEndpointSecret", "ManageEndpointSecret", "ManageEndpoint",
                        "CreateAttempts"],
    }, headers={"Authorization": f"Bearer {token}"}).json()  # fmt: skip
    code = link["url"].rsplit("/", 1)[1]
    opened = httpx.post(base_url + "portal/enter", data={"code": code})
    cookie = opened.cookies["tidings_portal"]
    session = httpx.get(base_url + "portal/api/v1/session", cookies={"tidings_portal": cookie})
    return cookie, session.json()["csrfToken"]


def test_generated_requests_get_documented_answers(tmp_path: Any) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/fuzz.db",
        "TIDINGS_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
        "TIDINGS_BOOTSTRAP_CLIENT_SECRET": SECRET,
        "TIDINGS_INBOUND_TOKEN": INBOUND,
        "TIDINGS_RATE_LIMIT_TOKEN_ADDRESS": "off",
        "TIDINGS_RATE_LIMIT_TOKEN_CLIENT": "off",
        "TIDINGS_RATE_LIMIT_CLIENT": "off",
        "TIDINGS_RATE_LIMIT_ACCOUNT": "off",
        "TIDINGS_LISTEN_MAX_S": "1",  # a listen stream ends, so its answer can be checked
    }
    with serving(env) as server:
        token = httpx.post(server.base_url + "v2/token", json={
            "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET,
        }).json()["access_token"]  # fmt: skip
        api = _fuzz(server.base_url, token, "--exclude-path-regex", "^/inbound/")
        inbound = _fuzz(server.base_url, INBOUND, "--include-path-regex", "^/inbound/")
        cookie, csrf = _portal_session(server.base_url, token)
        portal = _fuzz(
            server.base_url, token, "--include-path-regex", "^/portal/api/",
            "--header", f"Cookie: tidings_portal={cookie}", "--header", f"X-CSRF-Token: {csrf}",
        )  # fmt: skip
    for run in (api, inbound, portal):
        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
        assert " passed" in run.stdout, run.stdout[-2000:]  # it ran, and said so
    pathlib.Path("tests/artifacts").mkdir(exist_ok=True)
    pathlib.Path("tests/artifacts/fuzz.txt").write_text(api.stdout + inbound.stdout + portal.stdout)
    assert "Traceback" not in server.output, server.output[-4000:]
