"""The benchmark suite: ``python -m bench [--quick]``.

Starts its own servers on 127.0.0.1 (H, a bare Starlette hello endpoint, and Tidings on a fresh
SQLite database with the sandbox), drives them with a closed-loop aiohttp load generator, and
prints every throughput as a ratio to H measured in the same run (medians of interleaved runs,
with min and max). Results also go to bench/results/<time>.json. Nothing here fails on timing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import httpx

from bench import load

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOG = pathlib.Path(tempfile.gettempdir()) / "tidings-bench.log"
CLIENT_ID, SECRET = "bench-client", "bench-secret-0123456789abcdef0123456789"
API_TOKEN = "tdg_bench-token-0123456789abcdef0123456789"


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _server(
    command: list[str], env: dict[str, str], ready: str
) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=LOG.open("ab")
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(ready, timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{command} did not start")
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def _tidings_setup(base: str) -> dict[str, str]:
    token = httpx.post(
        base + "v2/token",
        json={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET},
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    asset = {
        "name": "Bench",
        "customerKey": "bench",
        "assetType": {"id": 208},
        "views": {"subjectline": {"content": "Hi %%N%%"}, "html": {"content": "<p>%%N%%</p>"}},
    }
    httpx.post(base + "asset/v1/content/assets", json=asset, headers=headers).raise_for_status()
    definition = {"definitionKey": "bench", "name": "Bench", "content": {"customerKey": "bench"}}
    httpx.post(
        base + "messaging/v1/email/definitions", json=definition, headers=headers
    ).raise_for_status()
    return headers


def _recipient(n: int) -> dict[str, Any]:
    return {"contactKey": f"c{n}", "to": f"r{n}@example.com", "attributes": {"N": str(n)}}


async def _throughputs(
    h_url: str, base: str, headers: dict[str, str], *, runs: int, seconds: float
) -> dict[str, list[load.Run]]:
    api = {"Authorization": f"Bearer {API_TOKEN}"}
    run_id = iter(range(10**9))
    measures: dict[str, tuple[load.Request, int, int]] = {
        "H (bare Starlette hello)": (lambda n: ("GET", h_url, {}, None), 50, 200),
        "SFMC single send, 202": (
            lambda n: (
                "POST", f"{base}messaging/v1/email/messages/s{next(run_id)}", headers,
                {"definitionKey": "bench", "recipient": _recipient(n)},
            ), 50, 202,
        ),
        "Broadcast send, 201": (
            lambda n: (
                "POST", f"{base}api/v1/transactionals.json", api,
                {"to": f"b{n}@example.com", "subject": "Hi", "body": "Hello"},
            ), 50, 201,
        ),
        "SFMC batch of 1,000 (requests)": (
            lambda n: (
                "POST", f"{base}messaging/v1/email/messages", headers,
                {"definitionKey": "bench",
                 "recipients": [_recipient(n * 1000 + i) | {"messageKey": f"m{next(run_id)}"}
                                for i in range(1000)]},
            ), 4, 202,
        ),
        "authenticated read (message status)": (
            lambda n: ("GET", f"{base}messaging/v1/email/messages/s1", headers, None), 50, 200,
        ),
    }  # fmt: skip
    results: dict[str, list[load.Run]] = {name: [] for name in measures}
    for round_ in range(runs):
        for name, (make, clients, ok) in measures.items():
            say(f"run {round_ + 1}/{runs}: {name}, {clients} clients, {seconds:g} s")
            results[name].append(
                await load.closed_loop(make, clients=clients, seconds=seconds, ok=ok)
            )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one short run of each (≈1 min)")
    options = parser.parse_args()
    runs, seconds = (1, 3.0) if options.quick else (3, 6.0)
    work = pathlib.Path(tempfile.mkdtemp(prefix="tidings-bench-"))
    h_port, t_port = _port(), _port()
    env = {
        "DATABASE_URL": f"sqlite:///{work}/bench.db",
        "TIDINGS_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
        "TIDINGS_BOOTSTRAP_CLIENT_SECRET": SECRET,
        "TIDINGS_BOOTSTRAP_API_TOKEN": API_TOKEN,
        "TIDINGS_ALLOW_PRIVATE_CALLBACKS": "true",
        "TIDINGS_LOG_LEVEL": "warning",
    }
    h_cmd = [sys.executable, "-m", "uvicorn", "bench.hello:app", "--port", str(h_port),
             "--log-level", "warning", "--no-access-log"]  # fmt: skip
    t_cmd = [sys.executable, "-m", "app", "serve", "--port", str(t_port)]
    base = f"http://127.0.0.1:{t_port}/"
    say("starting H and Tidings (SQLite, sandbox)")
    with (
        _server(h_cmd, {}, f"http://127.0.0.1:{h_port}/hello"),
        _server(t_cmd, env, base + "readyz"),
    ):
        headers = _tidings_setup(base)
        results = asyncio.run(
            _throughputs(
                f"http://127.0.0.1:{h_port}/hello", base, headers, runs=runs, seconds=seconds
            )
        )
    report(results)
    return 0


def report(results: dict[str, list[load.Run]]) -> None:
    h = load.median([r.rate for r in results["H (bare Starlette hello)"]])
    rows = []
    columns = ("median/s", "x H", "min-max x H", "p50 ms", "p99 ms", "errors")
    widths = (10, 6, 13, 7, 7, 6)
    print(
        "\n"
        + f"{'measure':40s} "
        + " ".join(f"{c:>{w}s}" for c, w in zip(columns, widths, strict=True))
    )
    for name, runs in results.items():
        scale = 1000 if "batch" in name else 1
        rates = [r.rate * scale for r in runs]
        unit = " recipients" if scale > 1 else ""
        mid = load.median(rates)
        p50 = load.median([r.percentile(0.5) for r in runs])
        p99 = load.median([r.percentile(0.99) for r in runs])
        errors = sum(r.errors for r in runs)
        print(
            f"{name:40s} {mid:10.0f} {mid / h:6.2f} {min(rates) / h:6.2f}-{max(rates) / h:<6.2f}"
            f" {p50:7.1f} {p99:7.1f} {errors:6d}{unit}"
        )
        rows.append({"measure": name, "median_per_s": mid, "ratio_to_h": mid / h,
                     "min_ratio": min(rates) / h, "max_ratio": max(rates) / h,
                     "p50_ms": p50, "p99_ms": p99, "errors": errors})  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"h_per_s": h, "results": rows}, indent=2))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    raise SystemExit(main())
