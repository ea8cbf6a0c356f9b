"""State that delivery options keep in the callback's options document: ed25519 key pairs.

The key pair is per callback, not per account. Rotation is per callback already (``PUT
/platform/v1/ens-regenerate`` names one), a callback whose receiver leaked or mishandled
something can be re-keyed without re-keying every other receiver of the account, and a
receiver pins one public key, not a set it shares with strangers. The account-wide discovery
document (``/.well-known/webhook-keys``) simply lists every callback's key.

The private half is sealed like the HMAC signing keys (``KeyBox``: Fernet under
TIDINGS_SECRET_KEY); the public half is kept in the clear beside it, so publishing the keys
opens nothing.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.services.webhooks.keys import KeyBox
from app.storage.callbacks import Callback
from app.wire.delivery import DeliveryOptions

ED25519 = "ed25519"  # the options document's key for the key pair
_PUBLIC, _SECRET = "whpk_", "whsk_"


def _pair(box: KeyBox) -> dict[str, str]:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    seed = base64.b64encode(private.private_bytes_raw()).decode()
    return {"key": box.seal(_SECRET + seed), "public": _PUBLIC + base64.b64encode(public).decode()}


def stored(
    chosen: DeliveryOptions, box: KeyBox, names: Iterable[str] | None = None
) -> dict[str, Any]:
    """The document for ``chosen`` (only ``names``, when given), secret values sealed."""
    document = chosen.document()
    if names is not None:
        document = {name: document[name] for name in names}
    for name in DeliveryOptions.sealed:  # each a {name: secret} object (customHeaders)
        if name in document:
            document[name] = {k: box.seal(v) for k, v in document[name].items()}
    return document


def opened(chosen: DeliveryOptions, box: KeyBox) -> dict[str, str]:
    """The custom headers, opened: only for the POST itself, never logged or answered."""
    return {name: box.open(value) for name, value in chosen.custom_headers.items()}


def with_state(document: dict[str, Any], box: KeyBox) -> dict[str, Any]:
    """``document`` with the state its options need: a key pair once ed25519 is chosen."""
    if DeliveryOptions.load(document).signature_scheme == "ed25519" and ED25519 not in document:
        return document | {ED25519: _pair(box)}
    return document


def rotated(document: dict[str, Any], box: KeyBox, *, keep_previous: bool) -> dict[str, Any]:
    """A new key pair (when the callback has one); the old one kept for the grace window."""
    current = document.get(ED25519)
    if current is None:
        return document
    fresh = _pair(box)
    if keep_previous:
        fresh |= {"previous": current["key"], "previous_public": current["public"]}
    return document | {ED25519: fresh}


def public_key(document: dict[str, Any]) -> str | None:
    """The ``whpk_…`` key receivers verify v1a signatures with (ed25519 callbacks only)."""
    if DeliveryOptions.load(document).signature_scheme != "ed25519":
        return None
    return str(document[ED25519]["public"]) if ED25519 in document else None


def published(callback: Callback, *, now_ms: int) -> list[dict[str, Any]]:
    """The callback's public keys as JWKs: the current one, and the previous one until the
    grace window ends (``exp``, epoch seconds). Nothing else about the callback."""
    pair = callback.options.get(ED25519)
    if pair is None or public_key(callback.options) is None:
        return []
    keys = [_jwk(pair["public"])]
    until = callback.previous_key_until or 0
    if pair.get("previous_public") and until > now_ms:
        keys.append(_jwk(pair["previous_public"]) | {"exp": until // 1000})
    return keys


def _jwk(whpk: str) -> dict[str, Any]:
    raw = base64.b64decode(whpk.removeprefix(_PUBLIC))
    x = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    kid = base64.urlsafe_b64encode(hashlib.sha256(raw).digest()[:12]).decode()
    return {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid, "x": x,
            "whpk": whpk}  # fmt: skip


def private_keys(callback: Callback, box: KeyBox, *, now_ms: int) -> list[bytes]:
    """The ed25519 seeds that sign now: the current one, and the previous during the grace."""
    pair = callback.options.get(ED25519)
    if pair is None:
        return []
    sealed = [pair["key"]]
    if pair.get("previous") and (callback.previous_key_until or 0) > now_ms:
        sealed.append(pair["previous"])
    return [base64.b64decode(box.open(s).removeprefix(_SECRET)) for s in sealed]
