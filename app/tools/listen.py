"""`tidings listen`: receive the account's events on this machine, through an outgoing stream.

The CLI connects out to the server (``GET /platform/v1/listen``, server-sent events), so a
laptop behind NAT needs no public URL, and it is the CLI, not the server, that POSTs to the
local ``--forward-to`` URL: the server's SSRF guard stays as it is. Each batch is signed exactly
as a real delivery (``app.delivery.signing``), with a session secret derived from the client
secret, so it is the same on every run with the same credentials (like ``stripe listen``'s).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import hmac
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TextIO

import httpx
import orjson

from app.delivery import signing
from app.errors import ConfigError
from app.tools.client import Server
from app.wire.vocabulary import EventType

MAX_BACKOFF_S = 10.0


def session_secret(client_secret: str) -> str:
    """The signing key (base64 of 32 bytes) for this client's listen sessions; receivers
    verify with ``"whsec_" + key`` as with a real callback's signatureKey."""
    derived = hmac.new(client_secret.encode(), b"tidings listen session", hashlib.sha256)
    return base64.b64encode(derived.digest()).decode()


@dataclasses.dataclass
class Listen:
    server: Server
    forward_to: str | None
    params: dict[str, str]
    print_json: bool = False
    out: TextIO = sys.stdout
    cursor: str | None = None  # the last batch's, sent back on reconnect (Last-Event-ID)
    sleep: Callable[[float], Any] = asyncio.sleep

    @property
    def key(self) -> str:
        return session_secret(self.server.client_secret)

    async def run(self) -> None:
        """Stream, forward, print; reconnect with backoff, forever."""
        self._say(f"Ready. Your webhook signing secret is whsec_{self.key} (the same every run)")
        pause = 0.25
        while True:
            try:
                async for batch in self._batches():
                    pause = 0.25
                    await self._forward(batch)
                self._say("stream ended; reconnecting")
            except (httpx.HTTPError, OSError) as exc:
                self._say(f"connection lost ({type(exc).__name__}); retrying in {pause:.1f}s")
                await self.sleep(pause)
                pause = min(pause * 2, MAX_BACKOFF_S)

    async def _batches(self) -> AsyncIterator[list[dict[str, Any]]]:
        params = self.params if self.cursor is None else {
            k: v for k, v in self.params.items() if k != "sinceMinutes"
        }  # fmt: skip
        for fresh in (False, True):
            headers = await self.server.headers(fresh=fresh)
            if self.cursor is not None:
                headers["Last-Event-ID"] = self.cursor
            async with self.server.http.stream(
                "GET", self.server.url + "platform/v1/listen", params=params, headers=headers,
                timeout=httpx.Timeout(10.0, read=60.0),
            ) as response:  # fmt: skip
                if response.status_code == 401 and not fresh:
                    continue
                if response.status_code != 200:
                    said = (await response.aread()).decode(errors="replace")[:300]
                    if response.status_code in (400, 403):  # retrying will not change it
                        raise ConfigError(f"listen answered {response.status_code}: {said}")
                    raise httpx.HTTPStatusError(
                        f"listen answered {response.status_code}: {said}",
                        request=response.request, response=response,
                    )  # fmt: skip
                self._say("connected")
                async for cursor, data in _messages(response.aiter_lines()):
                    yield orjson.loads(data)
                    self.cursor = cursor
                return

    async def _forward(self, batch: list[dict[str, Any]]) -> None:
        body = orjson.dumps(batch)
        answer, took_ms = "-", 0
        if self.forward_to is not None:
            webhook_id = "msg_listen_" + hashlib.sha256(body).hexdigest()[:24]
            headers = signing.headers(
                key=self.key, previous_key=None, webhook_id=webhook_id,
                timestamp_s=int(time.time()), body=body,
            ) | {"Content-Type": "application/json"}  # fmt: skip
            started = time.perf_counter()
            try:
                reply = await self.server.http.post(self.forward_to, content=body, headers=headers)
                answer = str(reply.status_code)
            except httpx.HTTPError as exc:
                answer = type(exc).__name__
            took_ms = int((time.perf_counter() - started) * 1000)
        for event in batch:
            info = event.get("info") or {}
            named = str(event.get("eventCategoryType", ""))
            kind = found.short if (found := EventType.lookup(named)) else named
            self._say(f"{kind}  {info.get('to', '-')}  {info.get('messageKey', '-')}"
                      f"  -> {answer} in {took_ms} ms")  # fmt: skip
            if self.print_json:
                self._say(orjson.dumps(event, option=orjson.OPT_INDENT_2).decode())

    def _say(self, line: str) -> None:
        print(line, file=self.out, flush=True)


async def _messages(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str | None, str]]:
    """(id, data) of each SSE message of type ``batch``."""
    fields: dict[str, str] = {}
    async for line in lines:
        if line == "":
            if fields.get("event") == "batch" and "data" in fields:
                yield fields.get("id"), fields["data"]
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = fields.get(name, "") + value.removeprefix(" ")
