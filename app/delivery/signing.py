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
from app.wire import vocabulary

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


def headers(
    *,
    key: str,
    previous_key: str | None,
    encoding: str,
    webhook_id: str,
    timestamp_s: int,
    body: bytes,
) -> dict[str, str]:
    """Both signature schemes; during a key rotation the previous key signs too."""
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
