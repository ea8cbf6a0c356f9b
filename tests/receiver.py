"""A real HTTP receiver on 127.0.0.1 (aiohttp) that records requests and answers as told."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from aiohttp import web

from bench.pg import free_port


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
    # When set: batches (not probes) get no answer until this event is set.
    hold_batches: asyncio.Event | None = None

    # The status each request (by index in ``requests``) was answered with.
    answered: dict[int, int] = dataclasses.field(default_factory=dict)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        index = len(self.requests)
        self.requests.append(Request(request.method, request.path, dict(request.headers), body))
        self.arrived.set()
        response = await self._answer(request, body)
        dropped = request.transport is None or request.transport.is_closing()
        self.answered[index] = 0 if dropped else response.status
        return response

    async def _answer(self, request: web.Request, body: bytes) -> web.StreamResponse:
        if self.hold_batches is not None and body.startswith(b"["):
            await self.hold_batches.wait()
        if self.behaviours:
            answer = await self.behaviours.pop(0)(request, body)
            if answer is not None:
                return answer
        status, text = self.answers.pop(0) if self.answers else self.default
        return web.Response(status=status, text=text, content_type="application/json")

    def accepted(self) -> list[Request]:
        """Deliveries answered with a 2xx."""
        return [
            r
            for i, r in enumerate(self.requests)
            if r.body.startswith(b"[") and 200 <= self.answered.get(i, 0) < 300
        ]

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


async def passthrough(request: web.Request, body: bytes) -> None:
    """Answer as the receiver's answers/default say."""
    return None


async def reset(request: web.Request, body: bytes) -> web.StreamResponse:
    """Drop the connection without an answer."""
    assert request.transport is not None
    request.transport.abort()
    return web.Response(status=200)


@contextlib.contextmanager
def receiver_in_thread() -> Iterator[Receiver]:
    """The same receiver on its own event loop in a thread, for tests that drive subprocesses."""
    loop = asyncio.new_event_loop()
    ready: concurrent.futures.Future[Receiver] = concurrent.futures.Future()
    stop = asyncio.Event()

    async def serve() -> None:
        async with receiver() as target:
            ready.set_result(target)
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    try:
        yield ready.result(timeout=10)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)
        loop.close()
