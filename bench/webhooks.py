"""Webhook measures for ``python -m bench``: a receiver in this process, and the drives.

- ``fanout``: POSTs per second to many callbacks with ``maxBatchSize`` 1;
- ``drain``: events per second from a backlog to one callback with ``maxBatchSize`` 1000;
- ``latency``: request written → webhook received, with sends paced at a fixed rate (the
  stages in between come from the stored rows: bench/stages.py).

A backlog is built with the subscriptions paused and ``bufferWhilePaused``, then released by
resuming them, so the drain is timed from the resume to the last event received.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

import aiohttp
import httpx
import orjson
from aiohttp import web

from bench import provision

SENT = "TransactionalSendEvents.EmailSent"
_PER_REQUEST = 10  # callbacks or subscriptions per ENS request


class Receiver:
    """An aiohttp server answering 204, counting POSTs and events, noting duplicates."""

    def __init__(self, *, fail_one_in: int = 0, slow_one_in: int = 0, slow_s: float = 0.0) -> None:
        """Every ``fail_one_in``-th POST gets a 500 and every ``slow_one_in``-th waits
        ``slow_s`` first (0: never); the events of a failed POST do not count as received."""
        self.fail_one_in, self.slow_one_in, self.slow_s = fail_one_in, slow_one_in, slow_s
        self.attempts = 0
        self.probes: dict[str, dict[str, Any]] = {}
        self.posts = 0
        self.events = 0
        self.duplicates = 0
        self.arrived: dict[str, float] = {}  # messageKey → wall clock (ms) at arrival
        self.seen: set[tuple[str, str]] = set()  # (hook, eventId) accepted
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, port: int) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/hook/{n}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def reset(self) -> None:
        self.posts = self.events = self.duplicates = 0
        self.arrived.clear()
        self.seen.clear()

    async def _handle(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        if isinstance(body, dict):
            self.probes[body["callbackId"]] = body
            return web.Response(status=204)
        self.attempts += 1
        if self.slow_one_in and self.attempts % self.slow_one_in == 0:
            await asyncio.sleep(self.slow_s)
        if self.fail_one_in and self.attempts % self.fail_one_in == 0:
            return web.Response(status=500)
        now = time.time() * 1000  # the clock Tidings stamps its rows with: same machine
        self.posts += 1
        hook = request.match_info["n"]
        for event in body:
            self.events += 1
            seen = (hook, event["eventId"])
            if seen in self.seen:
                self.duplicates += 1
            self.seen.add(seen)
            self.arrived.setdefault(event["info"]["messageKey"], now)
        return web.Response(status=204)

    async def until(self, count: Any, target: int, *, within_s: float) -> float:
        """Seconds until ``count()`` reaches ``target`` (checked every 5 ms), bounded."""
        started = time.perf_counter()
        while count() < target:
            if time.perf_counter() - started > within_s:
                raise TimeoutError(f"{count()} of {target} after {within_s:g} s")
            await asyncio.sleep(0.005)
        return time.perf_counter() - started


@dataclasses.dataclass
class Tidings:
    """One running Tidings instance, driven through its public API."""

    base: str
    headers: dict[str, str]
    next_hook: int = 0  # receiver paths /hook/<n> stay distinct across calls

    async def callbacks(
        self,
        receiver: Receiver,
        count: int,
        *,
        batch_size: int,
        paused: bool,
        types: tuple[str, ...] = (SENT,),
    ) -> None:
        """``count`` verified callbacks with one EmailSent subscription each."""
        self.subscriptions: list[str] = []
        async with httpx.AsyncClient(base_url=self.base, headers=self.headers, timeout=60) as api:
            start, self.next_hook = self.next_hook, self.next_hook + count
            for first in range(start, start + count, _PER_REQUEST):
                numbers = range(first, min(start + count, first + _PER_REQUEST))
                items = [
                    {"callbackName": f"bench {n}", "url": f"{receiver.url}/hook/{n}",
                     "maxBatchSize": batch_size}
                    for n in numbers
                ]  # fmt: skip
                made = await provision.callbacks(
                    api, self.headers, items, receiver.probes.__getitem__
                )
                self.subscriptions += await provision.subscriptions(
                    api,
                    self.headers,
                    [
                        {"subscriptionName": f"bench {n}", "callbackId": c["callbackId"],
                         "eventCategoryTypes": list(types), "bufferWhilePaused": True}
                        for n, c in zip(numbers, made, strict=True)
                    ],
                )  # fmt: skip
        if paused:
            await self._set_status("paused")

    async def resume(self) -> None:
        await self._set_status("active")

    async def _set_status(self, status: str) -> None:
        async with httpx.AsyncClient(base_url=self.base, headers=self.headers, timeout=60) as api:
            for first in range(0, len(self.subscriptions), _PER_REQUEST):
                changed = await api.put(
                    "platform/v1/ens-subscriptions",
                    json=[
                        {"subscriptionId": s, "status": status}
                        for s in self.subscriptions[first : first + _PER_REQUEST]
                    ],
                )
                changed.raise_for_status()

    async def send_batches(self, total: int, *, prefix: str) -> None:
        """``total`` email sends, 1,000 recipients per request, four requests in flight."""
        async with httpx.AsyncClient(base_url=self.base, headers=self.headers, timeout=120) as api:
            gate = asyncio.Semaphore(4)

            async def one(start: int) -> None:
                numbers = range(start, min(total, start + 1000))
                recipients = provision.numbered_recipients(numbers, prefix)
                async with gate:
                    sent = await api.post(
                        "messaging/v1/email/messages",
                        json={"definitionKey": "bench", "recipients": recipients},
                    )
                    sent.raise_for_status()

            await asyncio.gather(*(one(start) for start in range(0, total, 1000)))

    async def wait_sent(self, total: int, *, within_s: float) -> None:
        """Until the stats count ``total`` EmailSent events (the sender has caught up)."""
        deadline = time.monotonic() + within_s
        async with httpx.AsyncClient(base_url=self.base, headers=self.headers) as api:
            while True:
                summary = (await api.get("api/v1/stats/summary")).json()
                if _sent(summary) >= total:
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{_sent(summary)} of {total} sends finished")
                await asyncio.sleep(0.2)


def _sent(summary: dict[str, Any]) -> int:
    return int(summary.get("sent", 0))


async def backlog_rate(
    tidings: Tidings, receiver: Receiver, *, callbacks: int, batch_size: int, events: int
) -> dict[str, float]:
    """Build a backlog of ``events`` per callback, release it, time it to the last event."""
    await tidings.callbacks(receiver, callbacks, batch_size=batch_size, paused=True)
    await tidings.send_batches(events, prefix=f"backlog{callbacks}-")
    await tidings.wait_sent(events, within_s=600)
    receiver.reset()
    await tidings.resume()
    wanted = events * callbacks
    took = await receiver.until(lambda: receiver.events, wanted, within_s=900)
    return {
        "events": wanted,
        "posts": receiver.posts,
        "seconds": took,
        "events_per_s": wanted / took,
        "posts_per_s": receiver.posts / took,
        "duplicates": receiver.duplicates,
    }


async def latency(
    tidings: Tidings, receiver: Receiver, *, per_s: float, seconds: float
) -> dict[str, float]:
    """Sends paced at ``per_s``; for each one accepted, its message key and the wall-clock time
    (ms) just before its request was written. Returns once every webhook has arrived."""
    await tidings.callbacks(receiver, 1, batch_size=1000, paused=False)
    receiver.reset()
    sent_at: dict[str, float] = {}
    count = int(per_s * seconds)
    async with aiohttp.ClientSession(base_url=tidings.base, headers=tidings.headers) as api:

        async def one(n: int) -> None:
            key = f"lat{n}"
            body = {"definitionKey": "bench",
                    "recipient": {"contactKey": f"c{n}", "to": f"l{n}@example.com",
                                  "attributes": {"N": str(n)}}}  # fmt: skip
            started = time.time() * 1000
            async with api.post(f"messaging/v1/email/messages/{key}", json=body) as answer:
                await answer.read()
                if answer.status == 202:
                    sent_at[key] = started

        started = time.perf_counter()
        tasks = []
        for n in range(count):
            await asyncio.sleep(max(0.0, started + n / per_s - time.perf_counter()))
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    await receiver.until(lambda: len(receiver.arrived), len(sent_at), within_s=60)
    return sent_at
