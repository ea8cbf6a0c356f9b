"""A real HTTP receiver on 127.0.0.1 (aiohttp) that records requests and answers as told."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator

from aiohttp import web

from tests.pg import free_port


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclasses.dataclass
class Receiver:
    url: str
    requests: list[Request] = dataclasses.field(default_factory=list)
    # Answers given in order, then ``default`` for the rest: (status, JSON-or-text body).
    answers: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    default: tuple[int, str] = (200, "{}")

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(Request(request.method, request.path, dict(request.headers), body))
        status, text = self.answers.pop(0) if self.answers else self.default
        return web.Response(status=status, text=text, content_type="application/json")


@contextlib.asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    port = free_port()
    target = Receiver(url=f"http://127.0.0.1:{port}")
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", target._handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield target
    finally:
        await runner.cleanup()
