"""The README's receiver snippets (Python and Node) verify a real delivery, and refuse a forgery."""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import FakeClock, make_tenant, running, settings_for
from tests.receiver import Request, receiver
from tests.sending import email_definition
from tests.webhooks import deliver, register, send_email, subscribe

ROOT = pathlib.Path(__file__).parent.parent
CLIENTS = ROOT / "tests" / "clients"


def _snippet(opening: str) -> str:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:python|js)\n(.*?)```", readme, re.DOTALL)
    [found] = [b for b in blocks if b.startswith(opening)]
    return found


@pytest.fixture
async def delivery(tmp_path: Any, clock: FakeClock) -> AsyncIterator[tuple[str, Request]]:
    """(signatureKey, one real signed delivery)."""
    settings = settings_for(f"sqlite:///{tmp_path}/r.db", allow_private_callbacks=True)
    async with running(settings, clock) as service, receiver() as target:
        a = await make_tenant(service, "a")
        await email_definition(service, a)
        callback_id, key = await register(service, a, target)
        await subscribe(service, a, callback_id)
        await send_email(service, a, "k-1")
        await deliver(service, target, events=1)
        yield key, target.batches[0]


async def test_python_snippet(delivery: tuple[str, Request]) -> None:
    key, batch = delivery
    code = _snippet("# receiver.py").replace('"q2V…="', repr(key))
    namespace: dict[str, Any] = {}
    exec(compile(code, "receiver.py", "exec"), namespace)
    headers = {k.lower(): v for k, v in batch.headers.items()}
    assert namespace["verify"](batch.body, headers)[0]["info"]["messageKey"] == "k-1"
    with pytest.raises(Exception, match=r"signature|match"):
        namespace["verify"](batch.body.replace(b"k-1", b"k-2"), headers)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
async def test_node_snippet(delivery: tuple[str, Request], tmp_path: Any) -> None:
    if not (CLIENTS / "node_modules" / "standardwebhooks").exists():
        pytest.skip("run `npm ci --prefix tests/clients` (.ci/run does)")
    key, batch = delivery
    script = tmp_path / "receiver.js"
    script.write_text(_snippet("// receiver.js").replace('"q2V…="', json.dumps(key)))
    headers = {k.lower(): v for k, v in batch.headers.items()}
    harness = (
        f"const {{ verify }} = require({json.dumps(str(script))});"
        "const [body, headers] = [process.argv[1], JSON.parse(process.argv[2])];"
        "try { console.log(JSON.stringify(verify(body, headers))); }"
        " catch (e) { console.log('refused: ' + e.message); }"
    )

    def run(body: bytes) -> str:
        done = subprocess.run(
            ["node", "-e", harness, body.decode(), json.dumps(headers)],
            capture_output=True,
            text=True,
            timeout=30,
            env={"NODE_PATH": str(CLIENTS / "node_modules")},
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert json.loads(run(batch.body))[0]["info"]["messageKey"] == "k-1"
    assert run(batch.body.replace(b"k-1", b"k-2")).startswith("refused")
