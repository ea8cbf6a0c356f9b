"""The README's receiver snippets (Python and Node) verify real deliveries, before and during a key
rotation with the old key or the new one configured, accept the unsigned verification probe, and
refuse a forgery."""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.conftest import FakeClock, make_tenant, running, settings_for
from tests.receiver import Request, receiver
from tests.sending import email_definition
from tests.webhooks import deliver, register, send_email, subscribe

ROOT = pathlib.Path(__file__).parent.parent
CLIENTS = ROOT / "tests" / "clients"
PLACEHOLDER = '["q2V…="]'


def _snippet(opening: str) -> str:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:python|js)\n(.*?)```", readme, re.DOTALL)
    [found] = [b for b in blocks if b.startswith(opening)]
    assert PLACEHOLDER in found
    return found


@dataclasses.dataclass(frozen=True)
class Deliveries:
    old_key: str
    new_key: str
    probe: Request  # the unsigned verification probe, as registration sent it
    before: Request  # a batch signed with the only key
    during: Request  # a batch sent after ens-regenerate, within the grace window

    def lowered(self, request: Request) -> dict[str, str]:
        return {k.lower(): v for k, v in request.headers.items()}


@pytest.fixture
async def deliveries(tmp_path: Any, clock: FakeClock) -> AsyncIterator[Deliveries]:
    settings = settings_for(f"sqlite:///{tmp_path}/r.db", allow_private_callbacks=True)
    async with running(settings, clock) as service, receiver() as target:
        a = await make_tenant(service, "a")
        await email_definition(service, a)
        callback_id, old_key = await register(service, a, target)
        [probe] = [r for r in target.requests if not r.body.startswith(b"[")]
        await subscribe(service, a, callback_id)
        await send_email(service, a, "k-1")
        await deliver(service, target, events=1)
        rotated = await service.http.put(
            "/platform/v1/ens-regenerate", headers=a.headers, json={"callbackId": callback_id}
        )
        assert rotated.status_code == 200, rotated.text
        await send_email(service, a, "k-2")
        await deliver(service, target, events=2)
        before, during = target.batches
        yield Deliveries(old_key, rotated.json()["signatureKey"], probe, before, during)


def test_the_probe_is_unsigned_and_the_rotation_batch_carries_both_keys(
    deliveries: Deliveries,
) -> None:
    """What the README says the probe and a rotation's batches carry."""
    probe = deliveries.lowered(deliveries.probe)
    assert not [h for h in probe if h.startswith(("webhook-", "x-sfmc-", "x-tidings-"))]
    assert set(deliveries.probe.json()) == {"callbackId", "verificationKey"}
    during = deliveries.lowered(deliveries.during)
    assert len(during["webhook-signature"].split(" ")) == 2
    assert "x-sfmc-ens-signature-previous" in during


def _python_receiver(keys: list[str]) -> Callable[[bytes, dict[str, str]], Any]:
    code = _snippet("# receiver.py").replace(PLACEHOLDER, repr(keys))
    namespace: dict[str, Any] = {}
    exec(compile(code, "receiver.py", "exec"), namespace)
    return namespace["verify"]  # type: ignore[no-any-return]


def _node_receiver(tmp_path: Any, keys: list[str]) -> Callable[[bytes, dict[str, str]], Any]:
    """The JS snippet, run by node: returns what verify returned, raises what it threw."""
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed")
    if not (CLIENTS / "node_modules" / "standardwebhooks").exists():
        pytest.skip("run `npm ci --prefix tests/clients` (.ci/run does)")
    script = tmp_path / f"receiver{len(keys)}{keys[0][:4].replace('/', '_')}.js"
    script.write_text(_snippet("// receiver.js").replace(PLACEHOLDER, json.dumps(keys)))
    harness = (
        f"const {{ verify }} = require({json.dumps(str(script))});"
        "const [body, headers] = [process.argv[1], JSON.parse(process.argv[2])];"
        "try { console.log(JSON.stringify(verify(body, headers))); }"
        " catch (e) { console.log('refused: ' + e.message); }"
    )

    def verify(body: bytes, headers: dict[str, str]) -> Any:
        done = subprocess.run(
            ["node", "-e", harness, body.decode(), json.dumps(headers)],
            capture_output=True,
            text=True,
            timeout=30,
            env={"NODE_PATH": str(CLIENTS / "node_modules")},
        )
        assert done.returncode == 0, done.stderr
        if done.stdout.startswith("refused: "):
            raise ValueError(done.stdout)
        return json.loads(done.stdout)

    return verify


def _check(
    make: Callable[[list[str]], Callable[[bytes, dict[str, str]], Any]], d: Deliveries
) -> None:
    old, new = make([d.old_key]), make([d.new_key, d.old_key])
    before, during = d.lowered(d.before), d.lowered(d.during)
    assert old(d.before.body, before)[0]["info"]["messageKey"] == "k-1"
    # A receiver not yet switched, and one already holding the new key, both accept the batch
    # sent during the rotation.
    assert old(d.during.body, during)[0]["info"]["messageKey"] == "k-2"
    assert new(d.during.body, during)[0]["info"]["messageKey"] == "k-2"
    assert make([d.new_key])(d.during.body, during)[0]["info"]["messageKey"] == "k-2"
    with pytest.raises(Exception, match=r"[Ss]ignature"):
        new(d.during.body.replace(b"k-2", b"k-3"), during)
    with pytest.raises(Exception, match=r"[Ss]ignature"):
        make([d.new_key])(d.before.body, before)  # signed before the new key existed
    # The unsigned probe yields no events and no error; other unsigned requests are refused.
    assert old(d.probe.body, d.lowered(d.probe)) == []
    with pytest.raises(Exception, match="not a verification probe"):
        old(d.before.body, {"content-type": "application/json"})


def test_python_snippet(deliveries: Deliveries) -> None:
    _check(_python_receiver, deliveries)


def test_node_snippet(deliveries: Deliveries, tmp_path: Any) -> None:
    _check(lambda keys: _node_receiver(tmp_path, keys), deliveries)
