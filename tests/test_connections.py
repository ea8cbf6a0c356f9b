"""Abuse without credentials, on real sockets against a real ``serve``: slow, big, many, idle."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app import connections
from app.errors import ConfigError
from app.settings import Settings
from tests.server import Server, serving, wait_for

BOUND = 120  # above the 100 connections of the header flood
TIMEOUT_S = 1.0  # header, body and keep-alive deadlines of the shared server
SLOW_HEADERS = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"  # and then nothing: slowloris


@pytest.fixture(scope="module")
def server(tmp_path_factory: Any) -> Iterator[Server]:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('conn')}/conn.db",
        "TIDINGS_MAX_CONNECTIONS": str(BOUND),
        "TIDINGS_HEADER_TIMEOUT_S": str(TIMEOUT_S),
        "TIDINGS_BODY_TIMEOUT_S": str(TIMEOUT_S),
        "TIDINGS_KEEP_ALIVE_S": str(int(TIMEOUT_S)),
    }
    with serving(env) as running:
        yield running


def _address(server: Server) -> tuple[str, int]:
    return "127.0.0.1", int(server.base_url.rstrip("/").rpartition(":")[2])


@contextlib.contextmanager
def _sockets(server: Server, count: int, first: bytes = b"") -> Iterator[list[socket.socket]]:
    opened = [socket.create_connection(_address(server), timeout=10) for _ in range(count)]
    try:
        for sock in opened:
            if first:
                sock.sendall(first)
        yield opened
    finally:
        for sock in opened:
            sock.close()


def _until_closed(sock: socket.socket, within_s: float) -> bytes:
    """Everything the server sends until it closes the connection (fails if it does not)."""
    received, deadline = b"", time.monotonic() + within_s
    while (left_s := deadline - time.monotonic()) > 0:
        sock.settimeout(left_s)
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received
        except TimeoutError:
            break
        if not chunk:
            return received
        received += chunk
    raise AssertionError(f"still open after {within_s}s; got {received[:80]!r}")


def _healthy(server: Server) -> bool:
    return httpx.get(server.base_url + "healthz", timeout=5).status_code == 200


def test_slowloris_is_closed_after_the_header_timeout_and_others_are_served(
    server: Server,
) -> None:
    with _sockets(server, BOUND // 2, SLOW_HEADERS) as slow, _sockets(server, 2) as silent:
        started = time.monotonic()
        for _ in range(5):  # the bound leaves headroom: requests go on meanwhile
            assert _healthy(server)
        answers = [_until_closed(sock, within_s=TIMEOUT_S + 5) for sock in slow]
        assert time.monotonic() - started >= TIMEOUT_S * 0.9
        assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in answers), answers[0]
        assert [_until_closed(sock, within_s=5) for sock in silent] == [b"", b""]
    assert _healthy(server)


def _rss_bytes(server: Server) -> int:
    with open(f"/proc/{server.process.pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


def test_oversize_headers_get_431_and_do_not_grow_memory(server: Server) -> None:
    idle_rss = _rss_bytes(server)
    line = b"X-Filler: " + b"a" * 60_000 + b"\r\n"
    with _sockets(server, 100, SLOW_HEADERS) as flood:
        for sock in flood:  # 2 MB of unfinished headers each, or as much as the server takes
            with contextlib.suppress(OSError):
                for _ in range(2_000_000 // len(line)):
                    sock.sendall(line)
        flooded_rss = _rss_bytes(server)
        print(f"RSS idle {idle_rss / 2**20:.1f} MiB, flooded {flooded_rss / 2**20:.1f} MiB")
        answers = [_until_closed(sock, within_s=5) for sock in flood]
    assert all(a.startswith(b"HTTP/1.1 431 ") or a == b"" for a in answers)
    assert sum(a.startswith(b"HTTP/1.1 431 ") for a in answers) >= 50
    # Unprotected, the 100 connections held ~200 MB (about 3x the idle server).
    assert flooded_rss < idle_rss * 1.25, (idle_rss, flooded_rss)
    with _sockets(server, 1) as (sock,):  # complete, but one header past the cap at once
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20_000 + b"\r\n\r\n")
        assert _until_closed(sock, within_s=5).startswith(b"HTTP/1.1 431 ")
    fair = httpx.get(server.base_url + "healthz", headers={"X-Fine": "f" * 12_000})
    assert fair.status_code == 200


def test_beyond_the_bound_new_connections_get_503_at_once(server: Server) -> None:
    wait_for("earlier connections gone", lambda: _healthy(server), within_s=10)
    with _sockets(server, BOUND, SLOW_HEADERS):
        started = time.monotonic()
        refused = httpx.get(server.base_url + "healthz", timeout=5)
        assert time.monotonic() - started < 2
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "1"
    wait_for("a request served once the slow ones closed", lambda: _healthy(server), 10)


def test_a_slow_body_is_cut_off_after_the_body_timeout(server: Server) -> None:
    head = b"POST /v2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    with _sockets(server, 1, head + b"Content-Length: 1000\r\n\r\n{") as (sock,):
        started = time.monotonic()
        answer = _until_closed(sock, within_s=TIMEOUT_S + 5)
        assert time.monotonic() - started >= TIMEOUT_S * 0.9
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert _healthy(server)
    wait_for("its access line", lambda: "POST /v2/token 499 " in server.output, within_s=10)
    assert "Traceback" not in server.output  # a client cut off is not a server error


def test_an_idle_keep_alive_connection_is_closed_after_its_timeout(server: Server) -> None:
    with _sockets(server, 1, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") as (sock,):
        sock.settimeout(5)
        first = b""
        while not first.endswith(b'{"status":"ok"}'):  # headers and body may come apart
            first += sock.recv(65536)
        answered = time.monotonic()
        assert first.startswith(b"HTTP/1.1 200 ")
        assert _until_closed(sock, within_s=TIMEOUT_S + 2) == b""  # uvicorn's default is 5 s
        assert time.monotonic() - answered >= TIMEOUT_S * 0.9


def test_silent_connections_past_the_open_file_limit_do_not_stall_requests(
    tmp_path: Any,
) -> None:
    """The issue's case, smaller: more silent connections than ``ulimit -n`` allows."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/files.db", "TIDINGS_HEADER_TIMEOUT_S": "2"}
    with serving(env, open_files=256) as limited, _sockets(limited, 300, SLOW_HEADERS):
        started = time.monotonic()
        refused = httpx.get(limited.base_url + "healthz", timeout=10)
        assert refused.status_code == 503
        assert time.monotonic() - started < 2
        wait_for("slow connections dropped, requests served", lambda: _healthy(limited), 15)


@pytest.mark.parametrize(
    ("open_files", "bound"), [(1024, 768), (256, 192), (100, 36), (65536, 1000)]
)
def test_the_default_bound_stays_below_the_open_file_limit(open_files: int, bound: int) -> None:
    assert connections.limits_for(Settings(), open_files).max_connections == bound


def test_a_bound_above_the_open_file_limit_is_refused_at_start() -> None:
    with pytest.raises(ConfigError, match="TIDINGS_MAX_CONNECTIONS=2000"):
        connections.limits_for(Settings(max_connections=2000), 1024)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TIDINGS_MAX_CONNECTIONS": "0"}, "TIDINGS_MAX_CONNECTIONS must be at least 1"),
        ({"TIDINGS_MAX_HEADER_BYTES": "-1"}, "TIDINGS_MAX_HEADER_BYTES must be at least 1"),
        ({"TIDINGS_HEADER_TIMEOUT_S": "0"}, "TIDINGS_HEADER_TIMEOUT_S must be more than 0"),
        ({"TIDINGS_BODY_TIMEOUT_S": "soon"}, "TIDINGS_BODY_TIMEOUT_S must be a number"),
        ({"TIDINGS_KEEP_ALIVE_S": "0"}, "TIDINGS_KEEP_ALIVE_S must be at least 1"),
    ],
)
def test_connection_settings_are_checked(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


class _Recorded:
    """A transport that records each write (one ``send`` on a real socket)."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"extra {name}"


async def test_a_response_head_goes_out_with_its_body_in_one_write() -> None:
    transport = _Recorded()
    one = connections._OneWrite(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
    one.write(b"HTTP/1.1 200 OK\r\n\r\n")
    one.write(b"body")
    one.write(b"more")
    assert transport.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody", b"more"]
    await asyncio.sleep(0)  # the scheduled flush finds nothing held
    assert transport.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody", b"more"]
    assert one.get_extra_info("peername") == "extra peername"


async def test_a_head_without_a_body_yet_goes_out_on_the_next_turn_or_at_close() -> None:
    transport = _Recorded()
    one = connections._OneWrite(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
    one.write(b"head")
    assert transport.writes == []
    await asyncio.sleep(0)
    assert transport.writes == [b"head"]
    closing = connections._OneWrite(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
    closing.write(b"head2")
    closing.close()
    assert transport.writes == [b"head", b"head2"] and transport.closed
