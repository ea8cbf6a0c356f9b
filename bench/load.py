"""A small closed-loop load generator (aiohttp): N clients, each sending its next request when
the previous one is answered, for a fixed time; throughput and latency percentiles."""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import time
from collections.abc import Callable
from typing import Any

import aiohttp


@dataclasses.dataclass(frozen=True)
class Run:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


Request = Callable[[int], tuple[str, str, dict[str, str], Any]]  # n → method, url, headers, json


async def closed_loop(make: Request, *, clients: int, seconds: float, ok: int) -> Run:
    """``clients`` loops for ``seconds``; a response other than ``ok`` counts as an error."""
    latencies: list[float] = []
    errors = 0
    counter = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client() -> None:
            nonlocal errors, counter
            while time.perf_counter() < deadline:
                counter += 1
                method, url, headers, body = make(counter)
                started = time.perf_counter()
                async with session.request(method, url, headers=headers, json=body) as response:
                    await response.read()
                    if response.status != ok:
                        errors += 1
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        took = time.perf_counter() - started
    return Run(len(latencies), errors, took, latencies)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
