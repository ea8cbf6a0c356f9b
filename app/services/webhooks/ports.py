"""What the webhook services need from delivery, as protocols: ``app.delivery`` implements them
and the runtime hands them in at start, so services never import delivery."""

from __future__ import annotations

from typing import Protocol

from app.storage.callbacks import Callback


class Reply(Protocol):
    """What one POST came to."""

    @property
    def ok(self) -> bool: ...
    @property
    def status(self) -> int | None: ...
    @property
    def latency_ms(self) -> int: ...
    @property
    def error_class(self) -> str | None: ...
    @property
    def excerpt(self) -> str: ...


class Poster(Protocol):
    """POSTs to callback URLs behind the SSRF guard (the probe at registration)."""

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], *, timeout_s: float
    ) -> Reply: ...

    async def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be called (a private or unresolvable address), or None."""
        ...


class TestSender(Protocol):
    """Sends one signed batch to a callback now, outside the outbox (the test event)."""

    async def test_send(self, target: Callback, body: bytes) -> Reply: ...
