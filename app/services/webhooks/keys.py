"""Webhook signing keys at rest: Fernet-encrypted when TIDINGS_SECRET_KEY is set, else plain.

Signing needs the key itself (an HMAC key cannot be stored as a hash), so encryption is the
protection available; it is keyed from TIDINGS_SECRET_KEY, which never enters the database.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.errors import ConfigError

_SEALED, _PLAIN = "fernet:", "plain:"


def new_key() -> str:
    """A signing key: base64 of 32 random bytes (44 characters), as SFMC issues them."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


class KeyBox:
    def __init__(self, secret_key: str) -> None:
        self._fernet: Fernet | None = None
        if secret_key:
            derived = HKDF(
                algorithm=hashes.SHA256(), length=32, salt=None, info=b"tidings/webhook-keys"
            ).derive(secret_key.encode())
            self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, key: str) -> str:
        if self._fernet is None:
            return _PLAIN + key
        return _SEALED + self._fernet.encrypt(key.encode()).decode()

    def open(self, stored: str) -> str:
        if stored.startswith(_PLAIN):
            return stored.removeprefix(_PLAIN)
        if self._fernet is None:
            raise ConfigError("webhook signing keys are encrypted: set TIDINGS_SECRET_KEY")
        try:
            return self._fernet.decrypt(stored.removeprefix(_SEALED).encode()).decode()
        except InvalidToken:
            raise ConfigError("TIDINGS_SECRET_KEY does not open the webhook signing keys") from None
