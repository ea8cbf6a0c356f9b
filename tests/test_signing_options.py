"""Signing options end to end against a real receiver on 127.0.0.1: ed25519 (v1a) with
published keys and rotation, and the other ecosystems' signature profiles, each verified with a
published library, not our code."""

from __future__ import annotations

import base64
import json
import pathlib
import shutil
import subprocess
from typing import Any

import pytest
import standardwebhooks
import stripe
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bench import provision
from tests.conftest import FakeClock, Service, Tenant, reauthenticate
from tests.receiver import Receiver
from tests.receiver import Request as Batch
from tests.webhooks import deliver, send_email, subscribe

CLIENTS = pathlib.Path(__file__).parent / "clients"

SERVICE_SETTINGS = {
    "allow_private_callbacks": True,
    "webhook_timeout_s": 2.0,
    "secret_key": "operator-secret-0123456789abcdef",  # keys and custom headers sealed
}
pytestmark = pytest.mark.isolated


async def created(
    service: Service, tenant: Tenant, target: Receiver, **options: Any
) -> dict[str, Any]:
    """A verified, subscribed callback with ``options``: what its creation answered."""
    item = {"callbackName": "hook", "url": target.url + "/hook", **options}
    [callback] = await provision.callbacks(
        service.http, tenant.headers, [item], lambda _: target.probes[-1]
    )
    await subscribe(service, tenant, callback["callbackId"])
    return callback


def verify_v1a(whpk: str, batch: Batch) -> None:
    """The Standard Webhooks v1a recipe with the ``cryptography`` package: any signature in the
    list made by this key over ``id.timestamp.body`` is accepted."""
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(whpk.removeprefix("whpk_")))
    signed = f"{batch.headers['webhook-id']}.{batch.headers['webhook-timestamp']}.".encode()
    for entry in batch.headers["webhook-signature"].split(" "):
        version, signature = entry.split(",", 1)
        assert version == "v1a"
        try:
            key.verify(base64.b64decode(signature), signed + batch.body)
            return
        except InvalidSignature:
            continue
    raise InvalidSignature(f"no v1a signature by {whpk}")


async def keys_of(service: Service, account_id: int) -> list[dict[str, Any]]:
    found = await service.http.get(f"/.well-known/webhook-keys?account={account_id}")
    assert found.status_code == 200, found.text
    return found.json()["keys"]  # type: ignore[no-any-return]


async def test_ed25519_signs_v1a_with_a_published_key(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    callback = await created(service, tenant, target, signatureScheme="ed25519")
    whpk = callback["publicKey"]
    assert whpk.startswith("whpk_") and callback["signatureScheme"] == "ed25519"
    await send_email(service, tenant, "k-1")
    await deliver(service, target, events=1)
    batch = target.batches[-1]
    verify_v1a(whpk, batch)
    with pytest.raises(InvalidSignature):
        verify_v1a(whpk, Batch("POST", batch.path, batch.headers, batch.body + b" "))
    [jwk] = await keys_of(service, tenant.account_id)
    assert jwk["whpk"] == whpk and set(jwk) == {"kty", "crv", "alg", "use", "kid", "x", "whpk"}
    x = base64.urlsafe_b64decode(jwk["x"] + "=")
    assert x == base64.b64decode(whpk.removeprefix("whpk_"))
    listed = await service.http.get("/platform/v1/ens-callbacks", headers=tenant.headers)
    assert listed.json()[0]["publicKey"] == whpk


async def test_unknown_accounts_and_hmac_callbacks_publish_nothing(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    callback = await created(service, tenant, target)
    assert "publicKey" not in callback and "signatureScheme" not in callback
    assert await keys_of(service, tenant.account_id) == []
    assert await keys_of(service, 987654) == []
    bad = await service.http.get("/.well-known/webhook-keys?account=x")
    assert bad.status_code == 400 and "account" in bad.json()["message"]


async def test_rotation_keeps_the_old_key_published_and_signing_for_the_grace(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    callback = await created(service, tenant, target, signatureScheme="ed25519")
    old = callback["publicKey"]
    rotated = await service.http.put(
        "/platform/v1/ens-regenerate", headers=tenant.headers,
        json={"callbackId": callback["callbackId"]},
    )  # fmt: skip
    new = rotated.json()["publicKey"]
    assert new != old and new.startswith("whpk_")
    published = await keys_of(service, tenant.account_id)
    assert [k["whpk"] for k in published] == [new, old] and "exp" in published[1]
    await send_email(service, tenant, "k-1")
    await deliver(service, target, events=1)
    for whpk in (new, old):
        verify_v1a(whpk, target.batches[-1])
    clock.advance(86400 + 1)
    tenant = await reauthenticate(service, tenant)
    assert [k["whpk"] for k in await keys_of(service, tenant.account_id)] == [new]
    await send_email(service, tenant, "k-2")
    await deliver(service, target, events=2)
    verify_v1a(new, target.batches[-1])
    with pytest.raises(InvalidSignature):
        verify_v1a(old, target.batches[-1])


async def test_switching_to_ed25519_later_makes_a_key_pair(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    callback = await created(service, tenant, target)
    changed = await service.http.put(
        "/platform/v1/ens-callbacks", headers=tenant.headers,
        json=[{"callbackId": callback["callbackId"], "signatureScheme": "ed25519"}],
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    whpk = changed.json()[0]["publicKey"]
    await send_email(service, tenant, "k-1")
    await deliver(service, target, events=1)
    verify_v1a(whpk, target.batches[-1])


def stripe_verify(payload: str, header: str, secret: str) -> bool:
    """What ``stripe.Webhook.construct_event`` checks, 5 minutes' tolerance."""
    return bool(stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=300))


def octokit_verify(secret: str, body: bytes, signature: str) -> bool:
    """``@octokit/webhooks-methods``' ``verify`` (GitHub's own JS verifier), run by node."""
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed")
    if not (CLIENTS / "node_modules" / "@octokit" / "webhooks-methods").exists():
        pytest.skip("run `npm ci --prefix tests/clients` (.ci/run does)")
    module = CLIENTS / "node_modules" / "@octokit" / "webhooks-methods" / "dist-node" / "index.js"
    script = (
        f"import {{ verify }} from {json.dumps(module.as_uri())};"
        "const [secret, body, signature] = process.argv.slice(1);"
        "console.log(JSON.stringify(await verify(secret, body, signature)));"
    )
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script, secret, body.decode(), signature],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return bool(json.loads(done.stdout))


async def test_github_and_stripe_profiles_verify_with_their_own_libraries(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    callback = await created(service, tenant, target, signatureProfiles=["github", "stripe"])
    key = callback["signatureKey"]
    assert callback["signatureProfiles"] == ["github", "stripe"]
    await send_email(service, tenant, "k-1")
    await deliver(service, target, events=1)
    batch = target.batches[-1]
    assert not [h for h in batch.headers if h.lower().startswith(("webhook-", "x-sfmc"))]
    # construct_event's check (it then builds a Stripe Event, which our batch array is not).
    assert stripe_verify(batch.body.decode(), batch.headers["Stripe-Signature"], "whsec_" + key)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe_verify(batch.body.decode() + " ", batch.headers["Stripe-Signature"], "whsec_" + key)
    signature = batch.headers["X-Hub-Signature-256"]
    assert octokit_verify(key, batch.body, signature)
    assert not octokit_verify(key, batch.body + b" ", signature)


async def test_stripe_profile_signs_with_both_keys_during_a_rotation(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    callback = await created(service, tenant, target, signatureProfiles=["stripe", "standard"])
    rotated = await service.http.put(
        "/platform/v1/ens-regenerate", headers=tenant.headers,
        json={"callbackId": callback["callbackId"]},
    )  # fmt: skip
    await send_email(service, tenant, "k-1")
    await deliver(service, target, events=1)
    batch = target.batches[-1]
    for key in (callback["signatureKey"], rotated.json()["signatureKey"]):
        stripe_verify(batch.body.decode(), batch.headers["Stripe-Signature"], "whsec_" + key)
        standardwebhooks.Webhook("whsec_" + key).verify(batch.body, batch.headers)


async def test_custom_headers_are_sent_sealed_at_rest_and_never_answered(
    service: Service, tenant: Tenant, target: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "rk_live_" + "s3cr3t" * 5
    callback = await created(service, tenant, target, customHeaders={"X-Api-Key": secret})
    stored = await service.db.fetch_val(
        "SELECT options FROM callbacks WHERE id = :id", {"id": callback["callbackId"]}
    )
    listed = await service.http.get("/platform/v1/ens-callbacks", headers=tenant.headers)
    await send_email(service, tenant, "k-1")
    await deliver(service, target, events=1)
    assert callback["customHeaders"] == {"X-Api-Key": "***"}
    assert listed.json()[0]["customHeaders"] == {"X-Api-Key": "***"}
    assert secret not in stored and "fernet:" in stored
    assert target.batches[-1].headers["X-Api-Key"] == secret
    assert secret not in caplog.text and secret not in listed.text


@pytest.mark.parametrize(
    "options",
    [
        {"signatureProfiles": []},
        {"signatureProfiles": ["sfmc", "sfmc"]},
        {"signatureProfiles": ["aws"]},
        {"customHeaders": {"webhook-signature": "x"}},
        {"customHeaders": {"X-Signature-Token": "x"}},
        {"customHeaders": {"X-Key": "a\r\nb"}},
        {"customHeaders": {"bad name": "x"}},
        {"customHeaders": {f"X-{i}": "x" for i in range(11)}},
        {"customHeaders": {"X-Key": 5}},
        {"signatureScheme": "rsa"},
    ],
)
async def test_bad_options_are_refused_in_sfmc_shape(
    service: Service, tenant: Tenant, options: dict[str, Any]
) -> None:
    refused = await service.http.post(
        "/platform/v1/ens-callbacks", headers=tenant.headers,
        json=[{"callbackName": "n", "url": "https://hooks.example.com/x", **options}],
    )  # fmt: skip
    assert refused.status_code == 400, refused.text
    [name] = options
    assert refused.json()["errorcode"] == 10001 and name in refused.json()["message"]
