"""Signed webhook POSTs per second: Tidings' delivery client against bare httpx and aiohttp loops.

Same process, same receiver (aiohttp on 127.0.0.1), same concurrency; prints each as a ratio to
the bare aiohttp loop measured in the same run. Never fails on timing.

    .venv/bin/python -m bench.webhook_client [--posts 3000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp
import httpx
from aiohttp import web

from app.delivery import client, signing

BODY = b'[{"eventCategoryType":"TransactionalSendEvents.EmailSent","info":{"to":"a@example.com"}}]'


async def _receiver() -> tuple[web.AppRunner, str]:
    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="{}")

    app = web.Application()
    app.router.add_post("/hook", ok)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/hook"


async def _rate(post: Callable[[], Awaitable[None]], posts: int, concurrency: int) -> float:
    left = posts

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await post()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return posts / (time.perf_counter() - started)


async def main(posts: int, concurrency: int) -> None:
    runner, url = await _receiver()
    key = signing.new_key()

    def headers() -> dict[str, str]:
        return signing.headers(
            key=key, previous_key=None, webhook_id="msg_bench",
            timestamp_s=int(time.time()), body=BODY,
        )  # fmt: skip

    results: dict[str, float] = {}
    async with aiohttp.ClientSession() as session:

        async def bare_aiohttp() -> None:
            async with session.post(url, data=BODY, headers=headers()) as response:
                await response.read()

        results["bare aiohttp loop (baseline)"] = await _rate(bare_aiohttp, posts, concurrency)
    async with httpx.AsyncClient() as http:

        async def bare_httpx() -> None:
            (await http.post(url, content=BODY, headers=headers())).raise_for_status()

        results["bare httpx loop"] = await _rate(bare_httpx, posts, concurrency)
    poster = client.Poster(allow_private=True, concurrency=concurrency)

    async def tidings() -> None:
        reply = await poster.post(url, BODY, headers(), timeout_s=10)
        assert reply.ok

    results["Tidings delivery client (guarded, classified)"] = await _rate(
        tidings, posts, concurrency
    )
    await poster.close()
    await runner.cleanup()
    base = results["bare aiohttp loop (baseline)"]
    print(f"{posts} signed POSTs, {concurrency} in flight, one process")
    for name, rate in results.items():
        print(f"  {name:48s} {rate:8.0f} POST/s   {rate / base:5.2f} x baseline")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    options = parser.parse_args()
    asyncio.run(main(options.posts, options.concurrency))
