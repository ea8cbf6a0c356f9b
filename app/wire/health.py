"""What the unauthenticated operational routes answer: probes and the stats page's session."""

from __future__ import annotations

from pydantic import Field

from app.wire.base import SfmcModel


class Healthy(SfmcModel):
    """The process answers (``/healthz``), or its database does too (``/readyz``)."""

    status: str = Field(examples=["ok"])


class NotReady(SfmcModel):
    """``/readyz``: the database does not answer."""

    status: str = Field(examples=["unavailable"])
    error: str = Field(description="The driver's exception class", examples=["OSError"])


class Session(SfmcModel):
    """Whether the stats page's cookie is a live session (200 either way)."""

    signed_in: bool = Field(examples=[True])
    account_id: int | None = Field(default=None, examples=[100000001])
    client_id: str | None = Field(default=None, examples=["0d4db5b999116a4b44605e80"])
    scopes: list[str] | None = Field(default=None, description="The session's scopes",
                                     examples=[["email_read", "email_send"]])  # fmt: skip
    csrf_token: str | None = Field(
        default=None,
        description="Send as X-CSRF-Token with every write made on the session cookie",
        examples=["9f86d081884c7d659a2feaa0c55ad015"],
    )
