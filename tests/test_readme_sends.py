"""The README's send, bounce and receipt snippets run as pasted against a served Tidings."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
from typing import Any

import httpx
import pytest

from tests.server import access_token, serving, wait_for

ROOT = pathlib.Path(__file__).parent.parent
INBOUND = "inbound-token-for-the-readme-0123456789"
CLIENT_ID, SECRET = "readme-client", "readme-secret-0123456789abcdefghijklmnop"


def _shell_block(opening: str) -> str:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.DOTALL)
    [found] = [b for b in blocks if b.startswith(opening)]
    return found


def _run(block: str, base: str, env: dict[str, str], cwd: pathlib.Path) -> str:
    script = block.replace("http://127.0.0.1:8000", base)
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env={"PATH": os.environ["PATH"], "B": base, **env},
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    return done.stdout


def _final(base: str, headers: dict[str, str], path: str) -> dict[str, Any]:
    """The status once the message left the queue (the sender works in the background)."""
    shown: dict[str, Any] = {}

    def left_queue() -> bool:
        shown.update(httpx.get(base + path, headers=headers).json())
        return not shown["eventCategoryType"].endswith("Queued")

    wait_for(path, left_queue, within_s=10)
    return shown


def _documents(output: str) -> list[Any]:
    """The JSON documents curl printed one after the other (without newlines between them)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(output.rstrip()):
        document, at = decoder.raw_decode(output, at)
        found.append(document)
    return found


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_sending_bounce_and_receipt_snippets_run_as_pasted(tmp_path: pathlib.Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/readme.db",
        "TIDINGS_INBOUND_TOKEN": INBOUND,
        "TIDINGS_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
        "TIDINGS_BOOTSTRAP_CLIENT_SECRET": SECRET,
    }
    with serving(env) as server:
        base = server.base_url.rstrip("/")
        headers = access_token(server.base_url, CLIENT_ID, SECRET)
        shell = {"T": headers["Authorization"].removeprefix("Bearer "), "INBOUND": INBOUND}
        _run(_shell_block("B=http://127.0.0.1:8000\n# 1. Content"), base, shell, tmp_path)
        sms_out = _run(_shell_block("# SMS: a definition"), base, shell, tmp_path)
        email = _final(base, headers, "/messaging/v1/email/messages/order-A-1001")
        sms = _final(base, headers, "/messaging/v1/sms/messages/otp-1001")
        reports = _run(_shell_block("# Bounces: the message's id"), base, shell, tmp_path)
        after = httpx.get(base + "/messaging/v1/email/messages/order-A-1001", headers=headers)

    assert email["eventCategoryType"].endswith("EmailSent"), email
    assert '"messageKey":"otp-1001"' in sms_out.replace(" ", "")
    assert sms["eventCategoryType"].endswith("SMSSent") and sms["info"]["providerId"].startswith(
        "SM-"
    )
    dsn, by_id, receipt = _documents(reports)
    assert dsn["unmatched"] == [] and dsn["recorded"][0]["messageKey"] == "order-A-1001"
    assert dsn["recorded"][0]["eventCategoryType"].endswith("EmailBounced")
    assert by_id["recorded"][0]["messageId"] == email["info"]["messageId"]
    assert receipt["recorded"][0]["eventCategoryType"].endswith("SmsDelivered")
    assert after.json()["info"]["bounce"]["smtpReason"] in ("5.1.1", "5.2.2")
