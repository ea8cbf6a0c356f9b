"""Run ``python -m app serve`` as a real subprocess on a free port, and wait until it is ready."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from app.storage.db import Db
from bench import provision
from bench.pg import free_port
from tests.receiver import Receiver

T = TypeVar("T")


@dataclass
class Server:
    process: subprocess.Popen[str]
    base_url: str
    lines: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)  # stderr, when kept apart from stdout

    @property
    def output(self) -> str:
        return "".join(self.lines)


@contextlib.contextmanager
def serving(
    env: dict[str, str],
    *args: str,
    port: int | None = None,
    cwd: str | None = None,
    ready_within_s: float = 20.0,
    separate_log: bool = False,
    open_files: int | None = None,
) -> Iterator[Server]:
    chosen = port or int(env.get("PORT") or 0) or free_port()
    command = [sys.executable, "-m", "app", "serve", *args]
    if "--port" not in args and "PORT" not in env:
        command += ["--port", str(chosen)]
    process = subprocess.Popen(
        command,
        env={k: v for k, v in {**os.environ, **env}.items() if v != ""},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if separate_log else subprocess.STDOUT,
        text=True,
        preexec_fn=None if open_files is None else lambda: _limit_open_files(open_files),
    )
    server = Server(process=process, base_url=f"http://127.0.0.1:{chosen}/")
    reader = threading.Thread(target=lambda: server.lines.extend(iter(process.stdout.readline, "")))  # type: ignore[union-attr]
    reader.start()
    if separate_log:
        log_reader = threading.Thread(
            target=lambda: server.log.extend(iter(process.stderr.readline, ""))
        )  # type: ignore[union-attr]
        log_reader.start()
    try:
        _wait_ready(server, ready_within_s)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=15)
        reader.join(timeout=5)
        process.stdout.close()  # type: ignore[union-attr]
        if separate_log:
            log_reader.join(timeout=5)
            process.stderr.close()  # type: ignore[union-attr]


def _limit_open_files(soft: int) -> None:
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (soft, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
    )


def _wait_ready(server: Server, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.output}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(server.base_url + "readyz", timeout=1).status_code == 200:
                return
        time.sleep(0.05)
    raise TimeoutError(f"server not ready within {within_s}s:\n{server.output}")


def wait_for(
    what: str, check: Callable[[], bool], within_s: float, *, every_s: float = 0.005
) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` after ``within_s``."""
    deadline = time.monotonic() + within_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within_s}s")
        time.sleep(every_s)


def provisioned(base_url: str, step: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    """One ``bench.provision`` step against a running server, from a synchronous test."""

    async def run() -> T:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            return await step(http)

    return asyncio.run(run())


def access_token(base_url: str, client_id: str, secret: str) -> dict[str, str]:
    """Bearer headers for a client of a running server."""
    token = provisioned(base_url, lambda http: provision.access_token(http, client_id, secret))
    return {"Authorization": f"Bearer {token}"}


def verified_hook(
    base_url: str,
    headers: dict[str, str],
    target: Receiver,
    types: list[str],
    *,
    name: str = "hook",
    **options: Any,
) -> str:
    """A verified callback of a running server for ``target`` (``/hook``), subscribed to
    ``types``: its callbackId."""

    async def steps(http: httpx.AsyncClient) -> str:
        item = {"callbackName": name, "url": target.url + "/hook", **options}
        probe = lambda _: target.probes[-1]  # noqa: E731
        [callback] = await provision.callbacks(http, headers, [item], probe)
        subscription = {"subscriptionName": name, "callbackId": callback["callbackId"],
                        "eventCategoryTypes": types}  # fmt: skip
        await provision.subscriptions(http, headers, [subscription])
        return callback["callbackId"]  # type: ignore[no-any-return]

    return provisioned(base_url, steps)


def post_email_batch(base_url: str, headers: dict[str, str], count: int) -> None:
    """An htmlemail asset, a definition ``receipt`` and one accepted batch of ``count`` sends."""
    provisioned(
        base_url,
        lambda http: provision.email_definition(
            http, headers, "receipt", views=provision.NUMBERED_VIEWS
        ),
    )
    batch = {"definitionKey": "receipt", "recipients": provision.numbered_recipients(range(count))}
    accepted = httpx.post(
        base_url + "messaging/v1/email/messages", json=batch, headers=headers, timeout=60
    )
    assert accepted.status_code == 202, accepted.text[:300]
    assert accepted.json()["errorcode"] == 0


def query(database_url: str, sql: str) -> list[dict[str, Any]]:
    """Rows from a database a subprocess is using (WAL and MVCC let us read alongside)."""

    async def read() -> list[dict[str, Any]]:
        db = Db(database_url)
        await db.connect()
        try:
            return [dict(row) for row in await db.fetch_all(sql)]
        finally:
            await db.disconnect()

    return asyncio.run(read())
