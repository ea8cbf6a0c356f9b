"""H, the baseline: a bare Starlette JSON hello endpoint (run under uvicorn, one worker).

The same server answers ``POST /accept/{key}``, the ceiling a durable send is measured
against: the body parsed as JSON and handed to one writer thread that commits whatever is
queued in one SQLite transaction (WAL, ``synchronous=NORMAL``, as Tidings), answered 202 after
its commit. No authentication, validation, idempotency check, indexes or sending: what a
Starlette endpoint that stores a request durably costs on this machine at the least.
"""

from __future__ import annotations

import asyncio
import os
import queue
import sqlite3
import tempfile
import threading

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"hello": "world"})


class _Writer:
    """One thread, one connection: each transaction commits everything queued meanwhile."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[str, bytes, asyncio.Future[None]]] = (
            queue.SimpleQueue()
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    async def store(self, key: str, body: bytes) -> None:
        if self._thread is None:
            self._loop = asyncio.get_running_loop()
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        assert self._loop is not None
        done = self._loop.create_future()
        self._queue.put((key, body, done))
        await done

    def _run(self) -> None:
        path = os.path.join(tempfile.mkdtemp(prefix="tidings-ceiling-"), "accept.db")
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("CREATE TABLE accepted (id INTEGER PRIMARY KEY, key TEXT, body TEXT)")
        assert self._loop is not None
        while True:
            queued = [self._queue.get()]
            while not self._queue.empty():
                queued.append(self._queue.get_nowait())
            connection.execute("BEGIN")
            connection.executemany(
                "INSERT INTO accepted (key, body) VALUES (?, ?)",
                [(key, body) for key, body, _ in queued],
            )
            connection.execute("COMMIT")
            for _, _, done in queued:
                self._loop.call_soon_threadsafe(done.set_result, None)


_writer = _Writer()


async def accept(request: Request) -> Response:
    body = orjson.dumps(orjson.loads(await request.body()))
    await _writer.store(request.path_params["key"], body)
    return JSONResponse({"accepted": True}, status_code=202)


app = Starlette(
    routes=[
        Route("/hello", hello, methods=["GET", "POST"]),
        Route("/accept/{key}", accept, methods=["POST"]),
    ]
)
