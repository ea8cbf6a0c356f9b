"""The README's "Receiving webhooks" chapter, executed: the ed25519, Stripe and GitHub verify
snippets on real deliveries, the shell block (listen, trigger, check-receiver) against a real
`serve`, and the reconcile snippet against the feed."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import stripe

from bench import provision
from tests.conftest import FakeClock, make_tenant, running, settings_for
from tests.receiver import Request, receiver
from tests.sending import email_definition
from tests.server import serving
from tests.test_receiver_tools import CLIENT_ID, SECRET, Listening, local_receiver, verifying
from tests.webhooks import deliver, send_email, subscribe

pytestmark = pytest.mark.isolated
ROOT = pathlib.Path(__file__).parent.parent
CLIENTS = ROOT / "tests" / "clients"


def block(opening: str) -> str:
    chapter = (ROOT / "README.md").read_text().split("## Receiving webhooks", 1)[1]
    chapter = chapter.split("\n## ", 1)[0]
    [found] = [b for b in re.findall(r"```\w+\n(.*?)```", chapter, re.DOTALL)
               if b.startswith(opening)]  # fmt: skip
    return found


def lowered(request: Request) -> dict[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


@pytest.fixture
async def deliveries(tmp_path: Any, clock: FakeClock) -> AsyncIterator[dict[str, Any]]:
    """One batch to each of an ed25519, a Stripe-profile and a GitHub-profile callback."""
    settings = settings_for(f"sqlite:///{tmp_path}/r.db", allow_private_callbacks=True)
    options = {"ed25519": {"signatureScheme": "ed25519"},
               "stripe": {"signatureProfiles": ["stripe"]},
               "github": {"signatureProfiles": ["github"]}}  # fmt: skip
    async with running(settings, clock) as service, receiver() as target:
        a = await make_tenant(service, "a")
        await email_definition(service, a)
        made = {}
        for name, extra in options.items():
            item = {"callbackName": name, "url": f"{target.url}/{name}", **extra}
            [made[name]] = await provision.callbacks(
                service.http, a.headers, [item], lambda _: target.probes[-1]
            )
            await subscribe(service, a, made[name]["callbackId"], name=name)
        await send_email(service, a, "k-1")
        await deliver(service, target, events=3)
        got = {b.path.strip("/"): b for b in target.batches}
        yield {"made": made, "batches": got}


def test_the_ed25519_snippet(deliveries: dict[str, Any]) -> None:
    code = block("# verify_ed25519.py").replace(
        '["whpk_…"]', repr([deliveries["made"]["ed25519"]["publicKey"]])
    )
    namespace: dict[str, Any] = {}
    exec(compile(code, "verify_ed25519.py", "exec"), namespace)
    batch = deliveries["batches"]["ed25519"]
    now = int(time.time())
    assert namespace["verify"](batch.body, lowered(batch), now)[0]["info"]["messageKey"] == "k-1"
    with pytest.raises(ValueError, match="no valid"):
        namespace["verify"](batch.body + b" ", lowered(batch), now)
    with pytest.raises(ValueError, match="too old"):
        namespace["verify"](batch.body, lowered(batch), now + 3600)


def test_the_stripe_snippet(deliveries: dict[str, Any]) -> None:
    secret = "whsec_" + deliveries["made"]["stripe"]["signatureKey"]
    code = block("# verify_stripe.py").replace('"whsec_…"', repr(secret))
    namespace: dict[str, Any] = {}
    exec(compile(code, "verify_stripe.py", "exec"), namespace)
    batch = deliveries["batches"]["stripe"]
    assert namespace["verify"](batch.body, lowered(batch))[0]["info"]["messageKey"] == "k-1"
    with pytest.raises(stripe.SignatureVerificationError):
        namespace["verify"](batch.body + b" ", lowered(batch))


def test_the_github_snippet(deliveries: dict[str, Any], tmp_path: Any) -> None:
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed")
    if not (CLIENTS / "node_modules" / "@octokit" / "webhooks-methods").exists():
        pytest.skip("run `npm ci --prefix tests/clients` (.ci/run does)")
    (tmp_path / "node_modules").symlink_to(CLIENTS / "node_modules")
    key = deliveries["made"]["github"]["signatureKey"]
    (tmp_path / "verify_github.mjs").write_text(
        block("// verify_github.mjs").replace('"…"', json.dumps(key))
    )
    harness = (
        'import { verifyGithub } from "./verify_github.mjs";'
        "const [body, headers] = [process.argv[1], JSON.parse(process.argv[2])];"
        "try { console.log(JSON.stringify(await verifyGithub(body, headers))); }"
        " catch (e) { console.log('refused: ' + e.message); }"
    )
    batch = deliveries["batches"]["github"]

    def run(body: bytes) -> str:
        done = subprocess.run(
            ["node", "--input-type=module", "-e", harness, body.decode(),
             json.dumps(lowered(batch))], capture_output=True, text=True, timeout=30,
            cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert json.loads(run(batch.body))[0]["info"]["messageKey"] == "k-1"
    assert run(batch.body + b" ").startswith("refused: bad X-Hub-Signature-256")


def _commands() -> list[list[str]]:
    """The shell block's `tidings …` lines, as argv (comments and exports left out)."""
    return [shlex.split(line) for line in block("export TIDINGS_URL").splitlines()
            if line.startswith("tidings ")]  # fmt: skip


def test_the_shell_block_and_the_reconcile_snippet(tmp_path: Any) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "TIDINGS_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
           "TIDINGS_BOOTSTRAP_CLIENT_SECRET": SECRET, "TIDINGS_LISTEN_POLL_S": "0.05"}  # fmt: skip
    listen_line, trigger_line, check_line = _commands()
    secret: list[str] = []
    with serving(env) as server, local_receiver(verifying(lambda: secret[0])) as (url, _):
        cli_env = os.environ | {
            "TIDINGS_URL": server.base_url, "TIDINGS_CLIENT_ID": CLIENT_ID,
            "TIDINGS_CLIENT_SECRET": SECRET,
        }  # fmt: skip
        program = [sys.executable, "-m", "app"]
        listen = Listening(
            [*program, *[url if a.startswith("http://localhost") else a for a in listen_line[1:]]],
            cli_env,
        )  # fmt: skip
        secret.append(listen.secret)
        try:
            done = subprocess.run([*program, *trigger_line[1:]], capture_output=True, text=True,
                                  env=cli_env, timeout=60, check=True)  # fmt: skip
            sent = json.loads(done.stdout)
            assert "-> 200" in listen.out.wait(sent["messageKey"])
        finally:
            listen.stop()
        check = [url if a.startswith("http://localhost") else a for a in check_line[1:]]
        check = [secret[0] if a == "whsec_…" else a for a in check]
        graded = subprocess.run([*program, *check], capture_output=True, text=True,
                                env=cli_env, timeout=60)  # fmt: skip
        assert graded.returncode == 0 and "7/7" in graded.stdout, graded.stdout
        namespace: dict[str, Any] = {}
        exec(compile(block("# reconcile.py"), "reconcile.py", "exec"), namespace)
        with httpx.Client(base_url=server.base_url) as http:
            token = provision_token(http)
            events, cursor = namespace["reconcile"](http, token, None)
            assert [e["info"]["messageKey"] for e in events] == [sent["messageKey"]]
            assert namespace["reconcile"](http, token, cursor) == ([], cursor)


def provision_token(http: httpx.Client) -> str:
    answer = http.post("/v2/token", json={
        "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET,
    })  # fmt: skip
    return str(answer.json()["access_token"])
