"""Signing options end to end against a real receiver on 127.0.0.1: ed25519 (v1a) with
published keys and rotation, and the other ecosystems' signature profiles, each verified with a
published library, not our code."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bench import provision
from tests.conftest import FakeClock, Service, Tenant, reauthenticate
from tests.receiver import Receiver
from tests.receiver import Request as Batch
from tests.webhooks import deliver, send_email, subscribe

SERVICE_SETTINGS = {"allow_private_callbacks": True, "webhook_timeout_s": 2.0}
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
