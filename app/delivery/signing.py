"""Webhook signatures (pure): SFMC's x-sfmc-ens-signature and Standard Webhooks.

SFMC: ``base64(HMAC-SHA256(key, body))``, keyed by the signature key's base64-decoded bytes
(``key_encoding="base64"``, the default) or by the key string's UTF-8 bytes (``"utf8"``).
Standard Webhooks: ``v1,base64(HMAC-SHA256(decoded key, f"{id}.{timestamp}.{body}"))``; a
receiver verifies with the secret ``"whsec_" + signatureKey``. With ``signatureScheme:
"ed25519"`` it is ``v1a,base64(Ed25519(private key, f"{id}.{timestamp}.{body}"))`` instead,
verified with the callback's ``whpk_`` public key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.services.webhooks import keys, options
from app.services.webhooks.keys import KeyBox
from app.storage.callbacks import Callback
from app.wire import vocabulary
from app.wire.delivery import DeliveryOptions

_STANDARD, _SFMC = vocabulary.SignatureScheme.STANDARD_WEBHOOKS, vocabulary.SignatureScheme.SFMC


new_key = keys.new_key  # made where they are kept; tests and the bench sign with fresh ones


def _key_bytes(key: str, encoding: str) -> bytes:
    if encoding == vocabulary.KeyEncoding.UTF8:
        return key.encode()
    return base64.b64decode(key)


def _mac(key: bytes, payload: bytes) -> str:
    return base64.b64encode(hmac.new(key, payload, hashlib.sha256).digest()).decode()


def sfmc(key: str, body: bytes, *, encoding: str = vocabulary.KeyEncoding.BASE64) -> str:
    return _mac(_key_bytes(key, encoding), body)


def standard(key: str, webhook_id: str, timestamp_s: int, body: bytes) -> str:
    return "v1," + _mac(base64.b64decode(key), f"{webhook_id}.{timestamp_s}.".encode() + body)


def asymmetric(seed: bytes, webhook_id: str, timestamp_s: int, body: bytes) -> str:
    signed = Ed25519PrivateKey.from_private_bytes(seed).sign(
        f"{webhook_id}.{timestamp_s}.".encode() + body
    )
    return "v1a," + base64.b64encode(signed).decode()


def github(key: str, body: bytes) -> str:
    """GitHub's ``X-Hub-Signature-256``: the secret (the signatureKey) as UTF-8 bytes."""
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def stripe(keys: list[str], timestamp_s: int, body: bytes) -> str:
    """Stripe's ``Stripe-Signature``, one ``v1`` per key: the secret is ``whsec_<key>``."""
    signed = f"{timestamp_s}.".encode() + body
    macs = [hmac.new(f"whsec_{k}".encode(), signed, hashlib.sha256).hexdigest() for k in keys]
    return ",".join([f"t={timestamp_s}", *(f"v1={mac}" for mac in macs)])


def for_callback(
    target: Callback,
    chosen: DeliveryOptions,
    box: KeyBox,
    *,
    webhook_id: str,
    now_ms: int,
    body: bytes,
) -> dict[str, str]:
    """The headers a POST to ``target`` carries, as its delivery options (``chosen``) ask."""
    previous = None
    if target.previous_key and (target.previous_key_until or 0) > now_ms:
        previous = box.open(target.previous_key)
    signed = headers(
        key=box.open(target.signature_key),
        previous_key=previous,
        options=chosen,
        ed25519=options.private_keys(target, box, now_ms=now_ms),
        webhook_id=webhook_id,
        timestamp_s=now_ms // 1000,
        body=body,
    )
    return options.opened(chosen, box) | signed  # a custom header never replaces a signature


def headers(
    *,
    key: str,
    previous_key: str | None,
    webhook_id: str,
    timestamp_s: int,
    body: bytes,
    options: DeliveryOptions | None = None,
    ed25519: list[bytes] | None = None,
) -> dict[str, str]:
    """The signature headers of each chosen profile (standard and sfmc by default); during a
    key rotation the previous key signs too, where the profile's header has room for two.

    ``ed25519``: the seeds that sign when the scheme is ed25519 (the previous one second)."""
    chosen = options or DeliveryOptions.load({})
    hmac_keys = [key, previous_key] if previous_key else [key]
    signed: dict[str, str] = {}
    if "standard" in chosen.signature_profiles:
        if chosen.signature_scheme == "ed25519":
            standards = [asymmetric(seed, webhook_id, timestamp_s, body) for seed in ed25519 or ()]
        else:
            standards = [standard(k, webhook_id, timestamp_s, body) for k in hmac_keys]
        signed |= {
            "webhook-id": webhook_id,
            "webhook-timestamp": str(timestamp_s),
            _STANDARD.value: " ".join(standards),  # verifiers try each signature in the list
        }
    if "sfmc" in chosen.signature_profiles:
        signed[_SFMC.value] = sfmc(key, body, encoding=chosen.key_encoding)
        if previous_key:
            signed[_SFMC.value + "-previous"] = sfmc(
                previous_key, body, encoding=chosen.key_encoding
            )
    if "github" in chosen.signature_profiles:
        signed["X-Hub-Signature-256"] = github(key, body)
    if "stripe" in chosen.signature_profiles:
        signed["Stripe-Signature"] = stripe(hmac_keys, timestamp_s, body)
    return signed
