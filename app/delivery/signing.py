"""Webhook signatures (pure): SFMC's x-sfmc-ens-signature and Standard Webhooks.

SFMC: ``base64(HMAC-SHA256(key, body))``, keyed by the signature key's base64-decoded bytes
(``key_encoding="base64"``, the default) or by the key string's UTF-8 bytes (``"utf8"``).
Standard Webhooks: ``v1,base64(HMAC-SHA256(decoded key, f"{id}.{timestamp}.{body}"))``; a
receiver verifies with the secret ``"whsec_" + signatureKey``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from app.services.webhooks import keys
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


def for_callback(
    target: Callback, box: KeyBox, *, webhook_id: str, now_ms: int, body: bytes
) -> dict[str, str]:
    """The headers a POST to ``target`` carries, as its delivery options ask."""
    previous = None
    if target.previous_key and (target.previous_key_until or 0) > now_ms:
        previous = box.open(target.previous_key)
    return headers(
        key=box.open(target.signature_key),
        previous_key=previous,
        options=DeliveryOptions.load(target.options),
        webhook_id=webhook_id,
        timestamp_s=now_ms // 1000,
        body=body,
    )


def headers(
    *,
    key: str,
    previous_key: str | None,
    webhook_id: str,
    timestamp_s: int,
    body: bytes,
    options: DeliveryOptions | None = None,
) -> dict[str, str]:
    """Both signature schemes; during a key rotation the previous key signs too."""
    options = options or DeliveryOptions.load({})
    encoding = options.key_encoding
    signed = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp_s),
        _STANDARD.value: standard(key, webhook_id, timestamp_s, body),
        _SFMC.value: sfmc(key, body, encoding=encoding),
    }
    if previous_key:
        old = standard(previous_key, webhook_id, timestamp_s, body)
        signed[_STANDARD.value] += " " + old  # verifiers try each signature in the list
        signed[_SFMC.value + "-previous"] = sfmc(previous_key, body, encoding=encoding)
    return signed
