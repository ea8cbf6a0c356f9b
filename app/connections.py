"""Connection limits uvicorn lacks: header size, header and body deadlines, open connections.

uvicorn (0.54, httptools) keeps a connection open for as long as the client keeps its request
unfinished: it has no deadline for headers or bodies, no cap on header size with httptools
(``h11_max_incomplete_event_size`` only binds h11, and answers 400), and its
``limit_concurrency`` answers 503 only once a whole request has been read from a connection it
already accepted, counting idle and half-sent connections against legitimate requests. So a
few hundred silent sockets exhaust the file descriptors and every request waits. The subclass
below adds the missing parts at the three points the parser already reports (bytes received,
headers complete, message complete) and leaves the rest to uvicorn, including keep-alive
(``timeout_keep_alive``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import resource
from collections.abc import Callable
from typing import ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.errors import ConfigError
from app.settings import Settings

_RESERVED_FILES = 64  # at least this many descriptors stay free for the database, SMTP, webhooks


@dataclasses.dataclass(frozen=True)
class Limits:
    max_connections: int
    max_header_bytes: int
    header_timeout_s: float
    body_timeout_s: float


def _response(status: str, text: str, extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\n{extra}"
        f"content-length: {len(text)}\r\nconnection: close\r\n\r\n{text}"
    ).encode("ascii")


BUSY = _response("503 Service Unavailable", "Too many connections", "retry-after: 1\r\n")
TOO_LARGE = _response("431 Request Header Fields Too Large", "Request headers too large")
TOO_SLOW = _response("408 Request Timeout", "Request not received in time")


class _HeadersTooLarge(Exception):
    """Raised inside the parser's callback, which stops it; uvicorn then calls send_400_response."""


def limits_for(settings: Settings, open_files: int | None = None) -> Limits:
    """The limits of ``settings``; the connection bound stays below the open-file limit."""
    if open_files is None:
        open_files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    most = max(1, open_files - max(_RESERVED_FILES, open_files // 4))
    bound = settings.max_connections or min(1000, most)
    if bound > most:
        raise ConfigError(
            f"TIDINGS_MAX_CONNECTIONS={bound} leaves too few of the {open_files} open files "
            f"(ulimit -n) for the rest; at most {most}, or raise the limit"
        )
    return Limits(bound, settings.max_header_bytes, settings.header_timeout_s,
                  settings.body_timeout_s)  # fmt: skip


def protocol(limits: Limits) -> type[HttpToolsProtocol]:
    """uvicorn's protocol with ``limits`` (uvicorn builds protocols from a class, not a factory)."""
    return type("GuardedHttp", (GuardedHttp,), {"limits": limits})


class GuardedHttp(HttpToolsProtocol):
    limits: ClassVar[Limits]
    _deadline: asyncio.TimerHandle | None = None
    _awaiting_headers = True  # no request in progress, or its headers not complete
    _header_bytes = 0
    _refusal: bytes | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            # Answered at once rather than after reading a request, so the descriptor is freed now.
            self.connections.discard(self)
            self._refuse(BUSY)
            return
        self._arm(self.limits.header_timeout_s, self._headers_late)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._awaiting_headers:
            if self._deadline is None:  # a keep-alive connection starts its next request
                self._arm(self.limits.header_timeout_s, self._headers_late)
            self._header_bytes += len(data)
        super().data_received(data)
        if self._awaiting_headers and self._header_bytes > self.limits.max_header_bytes:
            self._refuse(TOO_LARGE)

    def on_headers_complete(self) -> None:
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.limits.max_header_bytes:
            self._refusal = TOO_LARGE
            raise _HeadersTooLarge
        self._awaiting_headers = False
        self._arm(self.limits.body_timeout_s, self._body_late)
        super().on_headers_complete()
        if self.cycle is not None and self.cycle.transport is self.transport:
            self.cycle.transport = _OneWrite(self.transport, self.loop)  # type: ignore[assignment]

    def on_message_complete(self) -> None:
        self._disarm()
        self._awaiting_headers, self._header_bytes = True, 0
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        if self._refusal is None:
            super().send_400_response(msg)
        else:
            self._refuse(self._refusal)

    def _headers_late(self) -> None:
        # Silence for a connection that never began a request (or is still being answered).
        busy = self.cycle is not None and not self.cycle.response_complete
        self._refuse(None if busy or self._header_bytes == 0 else TOO_SLOW)

    def _body_late(self) -> None:
        if self.cycle is None or self.cycle.response_started:
            self._refuse(None)
            return
        self.cycle.disconnected = True  # the application's own answer, if any, is dropped
        self._refuse(TOO_SLOW)

    def _refuse(self, response: bytes | None) -> None:
        self._disarm()
        if not self.transport.is_closing():
            if response is not None:
                self.transport.write(response)
            self.transport.close()

    def _arm(self, delay_s: float, then: Callable[[], None]) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(delay_s, then)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None


class _OneWrite:
    """A response's transport that sends its head together with the body that follows it.

    uvicorn writes the status line and headers, then the body, each at once: two TCP segments
    per response, each its own ``send`` (and on loopback the receiver's work too, in that
    call), and the client wakes twice. Here the head waits for the next write, or for the end
    of this turn of the event loop when none comes (a streamed response's first chunk may take
    its time), so the bytes are the same and most responses go out in one ``send``.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport, self._loop = transport, loop
        self._held: bytes | None = None
        self._first = True

    def write(self, data: bytes) -> None:
        if self._first:  # the head
            self._first = False
            if not self._transport.is_closing():
                self._held = data
                self._loop.call_soon(self._flush)
                return
        if self._held is not None:
            data, self._held = self._held + data, None
        self._transport.write(data)

    def _flush(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            self._transport.write(held)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> object:
        return getattr(self._transport, name)
