"""Published ed25519 public keys: ``GET /.well-known/webhook-keys`` (a JWKS document)."""

from __future__ import annotations

from pydantic import Field

from app.wire.base import BroadcastModel

_X = "GbtECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE"


class Jwk(BroadcastModel):
    """One public key (RFC 8037 OKP), with its Standard Webhooks spelling beside it."""

    kty: str = Field(examples=["OKP"])
    crv: str = Field(examples=["Ed25519"])
    alg: str = Field(examples=["EdDSA"])
    use: str = Field(examples=["sig"])
    kid: str = Field(description="base64url of the key's SHA-256, first 12 bytes",
                     examples=["o3E5m0XbKfK0nqVd"])  # fmt: skip
    x: str = Field(description="The raw public key, base64url", examples=[_X])
    whpk: str = Field(description="The same key as Standard Webhooks writes it",
                      examples=["whpk_GbtECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE="])  # fmt: skip
    exp: int | None = Field(
        None, description="A previous key: published (and signing) until then, epoch seconds"
    )


class WebhookKeys(BroadcastModel):
    """The public keys an account's ed25519 callbacks sign with; an unknown account has none."""

    keys: list[Jwk]
