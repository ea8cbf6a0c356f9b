"""Managing an account's credentials: API clients and API tokens, listed, created, revoked."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StrictStr

from app.wire.base import SfmcModel

_AT = "2024-03-21T09:00:00.000Z"
_CLIENT = "4f1c2a7d9e8b3c6a5d4e7f10"


def _name(value: str) -> str:
    if len(value) > 200:
        raise ValueError("too long")
    return value.strip()


Name = Annotated[StrictStr, AfterValidator(_name), Field(max_length=200)]
Scopes = Annotated[list[StrictStr], Field(min_length=1, max_length=50)]
_ERRORS: dict[str, str | tuple[str, str]] = {
    "scopes": "scopes must be a non-empty array of scope names",
    "name": "name must be a string of at most 200 characters",
}


class GrantIn(SfmcModel):
    """A new credential: its scopes (each one the caller holds itself) and a name."""

    error_messages = _ERRORS
    error_codes = dict.fromkeys(_ERRORS, 10001)

    scopes: Scopes = Field(
        description="Each one a scope the caller holds itself (for an API token:"
        " transactional_read and/or transactional_write)",
        examples=[["email_read", "email_send"]],
    )
    name: Name = Field("", examples=["billing service"])


class ClientIn(GrantIn):
    """``POST /platform/v1/clients``: a new API client with some of the caller's own scopes."""


class GrantOut(SfmcModel):
    """What clients and API tokens have alike."""

    name: str = Field(examples=["billing service"])
    scopes: list[str] = Field(examples=[["email_read", "email_send"]])
    created_at: str = Field(examples=[_AT])
    revoked_at: str | None = Field(examples=[None])


class ClientOut(GrantOut):
    """An API client (never its secret)."""

    client_id: str = Field(examples=[_CLIENT])


class ClientCreated(ClientOut):
    """A new client with its secret: shown here, once (Tidings keeps only a hash)."""

    client_secret: str = Field(examples=["mC1y3c6Xb2Qn0Zf8uH5wT7rK4pA9sJdLeVgRiOqNtW0"])


class ClientList(SfmcModel):
    """``GET /platform/v1/clients``: the account's clients, oldest first."""

    items: list[ClientOut]


class ApiTokenIn(GrantIn):
    """``POST /platform/v1/api-tokens``: a long-lived token for the Broadcast-style API."""


class ApiTokenOut(GrantOut):
    """An API token (never its value)."""

    token_id: str = Field(examples=["tok_3f9a1c2b7d4e"])


class ApiTokenCreated(ApiTokenOut):
    """A new API token with its value: shown here, once (Tidings keeps only a hash)."""

    token: str = Field(examples=["tdg_Vh3y0c6Xb2Qn0Zf8uH5wT7rK4pA9sJdLeVgRiOqNtW0"])


class ApiTokenList(SfmcModel):
    """``GET /platform/v1/api-tokens``: the account's API tokens, oldest first."""

    items: list[ApiTokenOut]
