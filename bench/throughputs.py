"""The HTTP throughputs of ``python -m bench``, each driven by ``wrk -t1 -c50`` (bench/wrk.py):
H, a bare durable accept (the ceiling a send is seen against), SFMC single sends, Broadcast
sends, status reads and SFMC batches of 2,000 recipients.

Rounds are interleaved (every measure once per round, H included), so a slow spell on the
shared machine lands on every measure alike; each figure is a median with its min and max.
"""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import time
from collections.abc import Callable

import httpx

from bench import wrk

H = "H (bare Starlette hello)"
CEILING = "bare durable accept (ceiling, bench/hello.py)"
ON_H = (H, CEILING)  # measured against H's server
BATCH = 2000  # recipients per batch request (the most one request takes)


@dataclasses.dataclass(frozen=True)
class Figure:
    name: str
    rates: list[float]  # per run, requests (or recipients) per second
    errors: int
    p50_ms: float

    @property
    def median(self) -> float:
        return statistics.median(self.rates) if self.rates else 0.0


def measures(base_headers: dict[str, str], api_token: str) -> dict[str, wrk.Measure]:
    """Every throughput, ``H`` first: paths are relative to its server's base URL."""
    bearer = {"Authorization": base_headers["Authorization"]}
    return {
        H: wrk.Measure("GET", 'make = function(n) return "/hello", nil end'),
        CEILING: wrk.Measure("POST", """
make = function(n)
  return "/accept/" .. prefix .. "-" .. n, string.format(
    '{"definitionKey":"bench","recipient":{"contactKey":"c%d","to":"r%d@example.com",'
    .. '"attributes":{"N":"%d"}}}', n, n, n)
end"""),
        "SFMC single send, 202": wrk.Measure("POST", """
make = function(n)
  return "/messaging/v1/email/messages/" .. prefix .. "-" .. n, string.format(
    '{"definitionKey":"bench","recipient":{"contactKey":"c%d","to":"r%d@example.com",'
    .. '"attributes":{"N":"%d"}}}', n, n, n)
end""", bearer),
        "Broadcast send, 201": wrk.Measure("POST", """
make = function(n)
  return "/api/v1/transactionals.json", string.format(
    '{"to":"b%d@example.com","subject":"Hi","body":"Hello %s"}', n, prefix)
end""", {"Authorization": f"Bearer {api_token}"}),
        "status read (SFMC message status)": wrk.Measure(
            "GET", 'make = function(n) return "/messaging/v1/email/messages/read-me", nil end',
            bearer,
        ),
        f"SFMC batch recipients, {BATCH:,} per request": wrk.Measure(
            "POST", wrk.batch_body(BATCH, "bench"), bearer, scale=BATCH, longer=4
        ),
    }  # fmt: skip


async def prepare(base: str, headers: dict[str, str]) -> None:
    """The message the status reads read."""
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        sent = await http.post(
            "messaging/v1/email/messages/read-me",
            json={"definitionKey": "bench", "recipient": {"contactKey": "c", "to": "r@example.com",
                  "attributes": {"N": "0"}}},
        )  # fmt: skip
        sent.raise_for_status()


async def interleaved(
    h_base: str, base: str, chosen: dict[str, wrk.Measure], *, runs: int, seconds: float,
    say: Callable[[str], None] = print,
) -> dict[str, Figure]:  # fmt: skip
    """``runs`` rounds of every measure in turn (H against ``h_base``, the rest ``base``)."""
    got: dict[str, list[wrk.Run]] = {name: [] for name in chosen}
    stamp = time.strftime("%H%M%S")
    for round_ in range(runs):
        for name, measure in chosen.items():
            say(f"run {round_ + 1}/{runs}: {name}, wrk -t1 -c{wrk.CONNECTIONS}, {seconds:g} s")
            target = h_base if name in ON_H else base
            got[name].append(await asyncio.to_thread(
                wrk.run, measure, target.rstrip("/"), seconds=seconds,
                prefix=f"w{stamp}-{round_}",
            ))  # fmt: skip
    return {
        name: Figure(
            name, [r.rate for r in runs_], sum(r.errors for r in runs_),
            statistics.median(r.p50_ms for r in runs_),
        )
        for name, runs_ in got.items()
    }  # fmt: skip
