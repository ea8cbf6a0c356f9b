"""A real HTTP receiver on 127.0.0.1 (aiohttp) that records requests and answers as told."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from tests.pg import free_port


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Behaviour = Callable[[web.Request, bytes], Awaitable[web.StreamResponse | None]]


@dataclasses.dataclass
class Receiver:
    url: str
    requests: list[Request] = dataclasses.field(default_factory=list)
    # Answers given in order, then ``default`` for the rest: (status, JSON-or-text body).
    answers: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    default: tuple[int, str] = (200, "{}")
    # Misbehaviours, in order, before the answers: each may return a response or None.
    behaviours: list[Behaviour] = dataclasses.field(default_factory=list)
    arrived: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(Request(request.method, request.path, dict(request.headers), body))
        self.arrived.set()
        if self.behaviours:
            answer = await self.behaviours.pop(0)(request, body)
            if answer is not None:
                return answer
        status, text = self.answers.pop(0) if self.answers else self.default
        return web.Response(status=status, text=text, content_type="application/json")

    @property
    def batches(self) -> list[Request]:
        """Webhook deliveries (JSON arrays), not verification probes."""
        return [r for r in self.requests if r.body.startswith(b"[")]

    @property
    def probes(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.requests if r.body.startswith(b"{")]

    def events(self) -> list[dict[str, Any]]:
        return [event for batch in self.batches for event in batch.json()]


@contextlib.asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    port = free_port()
    target = Receiver(url=f"http://127.0.0.1:{port}")
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", target._handle)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield target
    finally:
        await runner.cleanup()


def status(code: int, headers: dict[str, str] | None = None) -> Behaviour:
    async def answer(request: web.Request, body: bytes) -> web.StreamResponse:
        return web.Response(status=code, text="{}", headers=headers)

    return answer


def slow(seconds: float) -> Behaviour:
    async def answer(request: web.Request, body: bytes) -> None:
        await asyncio.sleep(seconds)
        return None

    return answer


async def reset(request: web.Request, body: bytes) -> web.StreamResponse:
    """Drop the connection without an answer."""
    assert request.transport is not None
    request.transport.abort()
    return web.Response(status=200)
