"""Run ``python -m app serve`` as a real subprocess on a free port, and wait until it is ready."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx

from tests.pg import free_port


@dataclass
class Server:
    process: subprocess.Popen[str]
    base_url: str
    lines: list[str] = field(default_factory=list)

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
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Server(process=process, base_url=f"http://127.0.0.1:{chosen}/")
    reader = threading.Thread(target=lambda: server.lines.extend(iter(process.stdout.readline, "")))  # type: ignore[union-attr]
    reader.start()
    try:
        _wait_ready(server, ready_within_s)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=15)
        reader.join(timeout=5)
        process.stdout.close()  # type: ignore[union-attr]


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
