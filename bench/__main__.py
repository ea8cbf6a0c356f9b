"""The benchmark suite: ``python -m bench [--quick] [--only STAGES] [--soak SECONDS]``.

Starts its own servers on 127.0.0.1: H (a bare Starlette hello endpoint), and for each stage a
fresh Tidings on SQLite, or on a throwaway PostgreSQL cluster (initdb from the machine) when
one is found, with the sandbox provider and an aiohttp webhook receiver in this process.
HTTP throughputs, H's included, are driven by ``wrk -t1 -c50`` (bench/wrk.py; installed with
apt-get when missing and root); paced latency runs by a Python client. Every throughput is
printed as a ratio to H measured in the same run (medians of interleaved runs, with min and
max), every latency beside the loopback round trip to H. Results also go to
bench/results/<time>.json.
Nothing here fails on timing; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench import (
    capacity,
    fill,
    pg,
    provision,
    queue_health,
    search,
    stages,
    throughputs,
    webhooks,
    wrk,
)  # fmt: skip

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOG = pathlib.Path(tempfile.gettempdir()) / "tidings-bench.log"
CLIENT_ID, SECRET = "bench-client", "bench-secret-0123456789abcdef0123456789"
API_TOKEN = "tdg_bench-token-0123456789abcdef0123456789"


def tidings_env(database_url: str) -> dict[str, str]:
    """The environment of a benchmarked Tidings: the bench's client, loopback receivers."""
    return {
        "DATABASE_URL": database_url,
        "TIDINGS_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
        "TIDINGS_BOOTSTRAP_CLIENT_SECRET": SECRET,
        "TIDINGS_BOOTSTRAP_API_TOKEN": API_TOKEN,
        "TIDINGS_ALLOW_PRIVATE_CALLBACKS": "true",
        "TIDINGS_LOG_LEVEL": "warning",
        # The load comes from one client, faster than the default per-client limit.
        "TIDINGS_RATE_LIMIT_CLIENT": "off",
        "TIDINGS_RATE_LIMIT_ACCOUNT": "off",
    }


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


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


async def _tidings_setup(base: str) -> dict[str, str]:
    """Bearer headers for the bench client, and the email definition ``bench``."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        token = await provision.access_token(http, CLIENT_ID, SECRET)
        headers = {"Authorization": f"Bearer {token}"}
        await provision.email_definition(http, headers, "bench", views=provision.NUMBERED_VIEWS)
    return headers


@dataclasses.dataclass
class Sizes:
    runs: int
    seconds: float
    fanout_events: int  # per callback, 50 callbacks
    drain_events: int
    latency_s: float
    scaling_events: int  # per callback, 10 callbacks
    stats_events: int
    soak_s: float
    health_s: float
    health_events: int

    @classmethod
    def of(cls, quick: bool, soak_s: float | None) -> Sizes:
        if quick:
            return cls(1, 3.0, 200, 20_000, 5.0, 2_000, 200_000, soak_s or 20.0, 15.0, 6_000)
        return cls(3, 6.0, 1_000, 200_000, 20.0, 10_000, 1_000_000, soak_s or 120.0, 60.0, 30_000)


@dataclasses.dataclass
class Row:
    """One line of the report: a figure, its ratio to the baseline, and the target."""

    measure: str
    value: float
    unit: str
    baseline: str
    ratio: float | None = None
    spread: tuple[float, float] | None = None
    target: str = ""
    note: str = ""


STAGES = (
    "sends", "fanout", "drain", "latency", "scaling", "capacity", "snapshot", "stats", "soak",
    "search",
)  # fmt: skip


class Bench:
    def __init__(self, sizes: Sizes, work: pathlib.Path, cluster: pg.Cluster | None) -> None:
        self.sizes = sizes
        self.work = work
        self.cluster = cluster
        self.rows: list[Row] = []
        self.h = 0.0
        self.h_rtt: tuple[float, float] = (0.0, 0.0)
        self._databases = iter(range(10**6))

    def database(self, postgres: bool = False) -> str:
        n = next(self._databases)
        if not postgres:
            return f"sqlite:///{self.work}/bench{n}.db"
        assert self.cluster is not None
        subprocess.run(
            [str(self.cluster.bindir / "createdb"), "-h", "127.0.0.1", "-p",
             str(self.cluster.port), "-U", "postgres", f"bench{n}"],
            check=True, capture_output=True,
        )  # fmt: skip
        return self.cluster.url(f"bench{n}")

    @contextlib.asynccontextmanager
    async def tidings(
        self, url: str, *, processes: int = 1, roles: tuple[str, ...] = ()
    ) -> AsyncIterator[tuple[webhooks.Tidings, webhooks.Receiver, list[int]]]:
        """Fresh Tidings process(es) on ``url`` (``processes`` of role all, or one per role
        given) and a receiver; yields the API (of the first that serves it) and the pids."""
        env = tidings_env(url)
        receiver = webhooks.Receiver()
        await receiver.start(pg.free_port())
        base, headers = "", {}
        with contextlib.ExitStack() as stack:
            pids = []
            for role in roles or ("all",) * processes:
                port = pg.free_port()
                command = [sys.executable, "-m", "app", "serve", "--port", str(port),
                           "--role", role]  # fmt: skip
                ready = f"http://127.0.0.1:{port}/readyz"
                pids.append(stack.enter_context(_server(command, env, ready)).pid)
                if not base and role != "worker":
                    base = f"http://127.0.0.1:{port}/"
                    headers = await _tidings_setup(base)
            try:
                yield webhooks.Tidings(base, headers), receiver, pids
            finally:
                await receiver.stop()

    async def baseline(self, h_url: str) -> None:
        """The loopback round trip: sequential GETs to H."""
        async with httpx.AsyncClient() as client:
            times = []
            for _ in range(300):
                started = time.perf_counter()
                (await client.get(h_url)).raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        self.h_rtt = (times[len(times) // 2], times[int(len(times) * 0.99)])

    def rtt(self) -> str:
        return f"H round trip p50 {self.h_rtt[0]:.1f} ms, p99 {self.h_rtt[1]:.1f} ms"

    async def sends(self, h_url: str) -> None:
        h_base = h_url.removesuffix("/hello")
        async with self.tidings(self.database()) as (tidings, _, _pids):
            await throughputs.prepare(tidings.base, tidings.headers)
            chosen = throughputs.measures(tidings.headers, API_TOKEN)
            got = await throughputs.interleaved(
                h_base, tidings.base, chosen, runs=self.sizes.runs, seconds=self.sizes.seconds,
                say=say,
            )  # fmt: skip
        h = got.pop(throughputs.H)
        self.h = h.median
        self.rows.append(Row(
            throughputs.H, self.h, "req/s", "H", 1.0,
            (min(h.rates) / self.h, max(h.rates) / self.h), note=f"p50 {h.p50_ms:.1f} ms",
        ))  # fmt: skip
        targets = iter(["", "≥ 0.30 H", "≥ 0.30 H", "≥ 0.50 H", "≥ 2 H"])
        ceiling = got[throughputs.CEILING].median
        for name, figure in got.items():
            rates = figure.rates
            share = figure.median / ceiling
            of_ceiling = "" if "batch" in name else f", {share:.2f} of the ceiling"
            self.rows.append(Row(
                name, figure.median, "recipients/s" if "batch" in name else "req/s", "H",
                figure.median / self.h, (min(rates) / self.h, max(rates) / self.h),
                next(targets),
                f"p50 {figure.p50_ms:.1f} ms, {figure.errors} errors{of_ceiling}",
            ))  # fmt: skip

    async def h_only(self, h_url: str) -> None:
        """H alone, for runs without the sends stage: every ratio needs H from this run."""
        chosen = {throughputs.H: throughputs.measures({"Authorization": ""}, "")[throughputs.H]}
        got = await throughputs.interleaved(
            h_url.removesuffix("/hello"), "", chosen, runs=self.sizes.runs,
            seconds=self.sizes.seconds, say=say,
        )  # fmt: skip
        h = got[throughputs.H]
        self.h = h.median
        self.rows.append(Row(
            throughputs.H, self.h, "req/s", "H", 1.0, (min(h.rates) / self.h, max(h.rates) / self.h)
        ))  # fmt: skip

    async def fanout(self) -> None:
        events = self.sizes.fanout_events
        for postgres, target in ((False, "≥ 0.35 H"), (True, "≥ 0.25 H")):
            if postgres and self.cluster is None:
                continue
            name = "PostgreSQL" if postgres else "SQLite"
            async with self.tidings(self.database(postgres)) as (tidings, receiver, _):
                say(f"fanout on {name}: {events} events to each of 50 callbacks, maxBatchSize 1")
                got = await webhooks.backlog_rate(
                    tidings, receiver, callbacks=50, batch_size=1, events=events
                )
            self.rows.append(Row(
                f"webhook POSTs, batch 1, 50 callbacks, {name}", got["posts_per_s"], "POSTs/s",
                "H", got["posts_per_s"] / self.h, target=target,
                note=f"{got['posts']:.0f} POSTs, {got['duplicates']:.0f} duplicates",
            ))  # fmt: skip

    async def drain(self) -> None:
        events = self.sizes.drain_events
        async with self.tidings(self.database()) as (tidings, receiver, _):
            say(f"drain: a backlog of {events} events, maxBatchSize 1000")
            got = await webhooks.backlog_rate(
                tidings, receiver, callbacks=1, batch_size=1000, events=events
            )
        self.rows.append(Row(
            f"backlog drain, {events} events, batch 1000", got["events_per_s"], "events/s",
            "H", got["events_per_s"] / self.h, target="≥ 1.5 H",
            note=f"{got['posts']:.0f} POSTs, {got['duplicates']:.0f} duplicates",
        ))  # fmt: skip

    async def latency(self) -> None:
        targets = {False: "p50 ≤ 5, p99 ≤ 15 ms", True: "p50 ≤ 10, p99 ≤ 30 ms"}
        for postgres, target in targets.items():
            if postgres and self.cluster is None:
                continue
            name = "PostgreSQL" if postgres else "SQLite"
            url = self.database(postgres)
            async with self.tidings(url) as (tidings, receiver, _):
                say(f"latency on {name}: 100 sends/s for {self.sizes.latency_s:g} s")
                sent_at = await webhooks.latency(
                    tidings, receiver, per_s=100, seconds=self.sizes.latency_s
                )
                got = await stages.breakdown(url, sent_at, receiver.arrived)
            p50, p99 = got.pop("total", (0.0, 0.0))
            self.rows.append(Row(
                f"send → webhook at 100/s, {name}: p50", p50, "ms", self.rtt(),
                target=target, note=f"p99 {p99:.1f} ms, {len(sent_at)} sends, from the request",
            ))  # fmt: skip
            for stage, (s50, s99) in got.items():
                self.rows.append(Row(f"  {name}: {stage}", s50, "ms p50", "",
                                     note=f"p99 {s99:.1f} ms"))  # fmt: skip

    async def scaling(self) -> None:
        if self.cluster is None:
            say("scaling: skipped, no PostgreSQL binaries found")
            return
        rates = {}
        for processes in (1, 2):
            async with self.tidings(self.database(True), processes=processes) as (
                tidings, receiver, _,
            ):  # fmt: skip
                say(f"scaling: PostgreSQL, {processes} process(es), 10 callbacks x "
                    f"{self.sizes.scaling_events} events, maxBatchSize 100")  # fmt: skip
                got = await webhooks.backlog_rate(
                    tidings, receiver, callbacks=10, batch_size=100,
                    events=self.sizes.scaling_events,
                )  # fmt: skip
            rates[processes] = got
        one, two = rates[1]["events_per_s"], rates[2]["events_per_s"]
        self.rows.append(Row(
            "PostgreSQL drain, 2 processes vs 1", two / one, "x one process",
            f"one process {one:.0f} events/s", target="no duplicates (2 cores: no speed-up)",
            note=f"duplicates {rates[1]['duplicates']:.0f} / {rates[2]['duplicates']:.0f}",
        ))  # fmt: skip

    async def capacity(self) -> None:
        """Per delivered event: CPU in each process and in PostgreSQL, statements, locks."""
        if self.cluster is None:
            say("capacity: skipped, no PostgreSQL binaries found")
            return
        url = self.database(True)
        events = self.sizes.scaling_events
        async with self.tidings(url, roles=("api", "worker")) as (tidings, receiver, pids):
            await tidings.callbacks(receiver, 1, batch_size=1, paused=False)
            say(f"capacity: 1 api + 1 worker process, {events} sends, each its own webhook POST")
            async with pg_statements(url) as counts:
                before = [capacity.cpu_s(pid) for pid in pids]
                pg_before = capacity.cluster_cpu_s(self.cluster.data)
                started = time.monotonic()
                await tidings.send_batches(events, prefix="capacity-")
                await receiver.until(lambda: receiver.events, events, within_s=900)
                took = time.monotonic() - started
                api, worker = (capacity.cpu_s(pid) - b for pid, b in zip(pids, before, strict=True))
                pg_cpu = capacity.cluster_cpu_s(self.cluster.data) - pg_before
                ran = await counts()
        cost = capacity.Cost(
            events, took, api / events, worker / events, pg_cpu / events,
            ran.count / events, ran.transactions / events, ran.locks / events,
        )  # fmt: skip
        lines = (
            cost.lines()
            + ["PostgreSQL's costliest statements, per delivered event:"]
            + [
                f"  {calls / events:5.2f} calls, {total_ms * 1000 / events:6.1f} µs: {text[:90]}"
                for calls, total_ms, text in ran.top
            ]
        )
        self.rows.append(Row(
            "capacity: CPU per delivered event (all processes)", cost.total_cpu_s * 1e6,
            "µs", "", note="\n".join(lines),
        ))  # fmt: skip

    async def snapshot(self) -> None:
        """A drain with and without a REPEATABLE READ transaction held open meanwhile."""
        if self.cluster is None:
            say("snapshot: skipped, no PostgreSQL binaries found")
            return
        seconds, events = self.sizes.health_s, self.sizes.health_events
        got = {}
        for held in (False, True):
            url = self.database(True)
            async with self.tidings(url) as (tidings, receiver, _):
                say(f"snapshot: {events} events, maxBatchSize 1, drained for up to {seconds:g} s"
                    f"{', a REPEATABLE READ transaction held open' if held else ''}")  # fmt: skip
                got[held] = await queue_health.drain(
                    tidings, receiver, url, events=events, seconds=seconds, held=held
                )
        for held, figures in got.items():
            dead = ", ".join(f"{t} {n}" for t, n in figures["dead"].items())
            self.rows.append(Row(
                f"PostgreSQL drain, {'snapshot held' if held else 'no snapshot'}",
                figures["events_per_s"], "events/s", "H", figures["events_per_s"] / self.h,
                target="no slowdown" if held else "",
                note=f"first tenth {figures['first_per_s']:.0f}/s, last tenth "
                f"{figures['last_per_s']:.0f}/s{'' if figures['drained'] else ', not drained'};"
                f" dead rows at the end: {dead}",
            ))  # fmt: skip

    async def stats(self) -> None:
        for postgres in (False, True):
            if postgres and self.cluster is None:
                continue
            await self._stats_on(postgres)

    async def _stats_on(self, postgres: bool) -> None:
        count, name = self.sizes.stats_events, "PostgreSQL" if postgres else "SQLite"
        url = self.database(postgres)
        async with self.tidings(url) as (tidings, _, _pids):
            say(f"stats on {name}: storing {count} events")
            async with httpx.AsyncClient(base_url=tidings.base, headers=tidings.headers) as api:
                context = (await api.get("platform/v1/tokenContext")).json()
                account, now_ms = int(context["organization"]["id"]), int(time.time() * 1000)
                if postgres:
                    await fill.events_pg(url, account_id=account, count=count, now_ms=now_ms)
                else:
                    await asyncio.to_thread(
                        fill.events, pg_path(url), account_id=account, count=count, now_ms=now_ms
                    )
                month = {"from": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(
                    time.time() - 30 * 86400))}  # fmt: skip
                for path, params in (
                    ("api/v1/stats/summary", month),
                    ("api/v1/stats/timeseries", {**month, "granularity": "day"}),
                    ("api/v1/stats/timeseries", {**month, "granularity": "hour"}),
                ):
                    times = []
                    for _ in range(30):
                        started = time.perf_counter()
                        (await api.get(path, params=params)).raise_for_status()
                        times.append((time.perf_counter() - started) * 1000)
                    times.sort()
                    by = params.get("granularity")
                    label = path.rsplit("/", 1)[1] + (f" by {by}" if by else "")
                    self.rows.append(Row(
                        f"stats {label}, {count} events, {name}", times[15], "ms", self.rtt(),
                        target="≤ 50 ms", note=f"max {times[-1]:.1f} ms, 30 days",
                    ))  # fmt: skip

    async def search(self) -> None:
        """Message search over as many stored messages as the stats stage stores events."""
        count = self.sizes.stats_events
        for postgres in (False, True):
            if postgres and self.cluster is None:
                continue
            name, url = "PostgreSQL" if postgres else "SQLite", self.database(postgres)
            async with self.tidings(url) as (tidings, _, _pids):
                async with httpx.AsyncClient(base_url=tidings.base, headers=tidings.headers) as api:
                    context = (await api.get("platform/v1/tokenContext")).json()
                account = int(context["organization"]["id"])
                say(f"search on {name}: storing {count} messages")
                took = await search.fill(
                    url, account_id=account, count=count,
                    now_ms=int(time.time() * 1000),
                )  # fmt: skip
                say(f"search on {name}: stored in {took:.0f} s; timing searches")
                for label, params in search.queries(count).items():
                    p50, most, listed = await search.measure(tidings.base, tidings.headers, params)
                    self.rows.append(Row(
                        f"search {label}, {count} messages, {name}", p50, "ms", self.rtt(),
                        p50 / self.h_rtt[0], target="≤ 100 ms",
                        note=f"max {most:.1f} ms, {listed} listed; x H is to H's round trip",
                    ))  # fmt: skip

    async def soak(self) -> None:
        seconds = self.sizes.soak_s
        async with self.tidings(self.database()) as (tidings, receiver, pids):
            await tidings.callbacks(receiver, 1, batch_size=1000, paused=False)
            say(
                f"soak: sends for {seconds:g} s as fast as they are sent and delivered, one"
                " callback; resident memory sampled"
            )
            samples: list[float] = []
            started = time.monotonic()
            deadline = started + seconds
            sent = 0
            while time.monotonic() < deadline:
                await tidings.send_batches(2000, prefix=f"soak{sent}-")
                sent += 2000
                # Paced by the pipeline: at most 4,000 accepted sends not yet sent.
                await tidings.wait_sent(sent - 4000, within_s=120)
                samples.append(rss_mb(pids[0]))
            await tidings.wait_sent(sent, within_s=600)
            await receiver.until(lambda: receiver.events, sent, within_s=600)
            samples.append(rss_mb(pids[0]))
        quarter = max(1, len(samples) // 4)
        self.rows.append(Row(
            f"resident memory after {sent} sends delivered", samples[-1], "MB", "",
            target="≤ 200 MB, flat",
            note=f"first quarter max {max(samples[:quarter]):.0f} MB, overall max "
            f"{max(samples):.0f} MB; {sent / (time.monotonic() - started):.0f} sends/s end to end",
        ))  # fmt: skip


TOP_STATEMENTS = 8


@dataclasses.dataclass(frozen=True)
class Statements:
    count: int
    transactions: int
    locks: int  # advisory lock calls: a lock across processes
    top: list[tuple[int, float, str]]  # calls, total ms, text: the costliest first


@contextlib.asynccontextmanager
async def pg_statements(url: str) -> AsyncIterator[Callable[[], Awaitable[Statements]]]:
    """Counting from now: yields a reader of the statements, transactions and advisory lock
    calls run in ``url``'s database since (pg_stat_statements, which the bench's cluster
    loads), with the statements that took PostgreSQL the most time."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await connection.execute("SELECT pg_stat_statements_reset()")
        xacts = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1"
        name = url.rsplit("/", 1)[1]
        first = await connection.fetchval(xacts, name)

        async def read() -> Statements:
            await connection.execute("SELECT pg_stat_clear_snapshot()")
            rows = await connection.fetch(
                "SELECT s.calls, s.total_exec_time, s.query FROM pg_stat_statements s"
                " JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1", name
            )  # fmt: skip
            ours = [r for r in rows if "pg_stat" not in r["query"]]
            locks = sum(r["calls"] for r in ours if "advisory" in r["query"])
            done = await connection.fetchval(xacts, name) - first
            costliest = sorted(ours, key=lambda r: -r["total_exec_time"])[:TOP_STATEMENTS]
            top = [
                (r["calls"], r["total_exec_time"], " ".join(r["query"].split())) for r in costliest
            ]
            return Statements(sum(r["calls"] for r in ours), int(done), locks, top)

        yield read
    finally:
        await connection.close()


def pg_path(url: str) -> pathlib.Path:
    return pathlib.Path(url.split("://", 1)[1].removeprefix("/"))


def rss_mb(pid: int) -> float:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(options: argparse.Namespace) -> list[Row]:
    sizes = Sizes.of(options.quick, options.soak)
    stages = options.only.split(",") if options.only else list(STAGES)
    work = pathlib.Path(tempfile.mkdtemp(prefix="tidings-bench-"))
    bindir = pg.find_bindir()
    pg_stages = {"fanout", "latency", "scaling", "capacity", "snapshot", "stats", "search"}
    cluster = pg.Cluster(bindir) if bindir and pg_stages & set(stages) else None
    if cluster is not None:
        say("starting a throwaway PostgreSQL cluster (durable commits, pg_stat_statements)")
        cluster.start(durable=True, statements=True)
    h_port = pg.free_port()
    h_url = f"http://127.0.0.1:{h_port}/hello"
    h_cmd = [sys.executable, "-m", "uvicorn", "bench.hello:app", "--port", str(h_port),
             "--log-level", "warning", "--no-access-log"]  # fmt: skip
    bench = Bench(sizes, work, cluster)
    try:
        with _server(h_cmd, {}, h_url):
            await bench.baseline(h_url)
            if "sends" in stages:
                await bench.sends(h_url)
            else:
                await bench.h_only(h_url)
            for stage in stages:
                if stage != "sends":
                    await getattr(bench, stage)()
    finally:
        if cluster is not None:
            cluster.stop()
    return bench.rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts, one run (≈3 min)")
    parser.add_argument("--only", help=f"comma-separated stages: {','.join(STAGES)}")
    parser.add_argument("--soak", type=float, help="soak seconds (default 120; 20 with --quick)")
    options = parser.parse_args()
    wrk.ensure()  # before anything starts: installs it, or says how
    if options.only and set(options.only.split(",")) - set(STAGES):
        parser.error(f"stages are {', '.join(STAGES)}")
    rows = asyncio.run(run(options))
    report(rows)
    return 0


def report(rows: list[Row]) -> None:
    print(f"\n{'measure':52s} {'value':>10s} {'unit':13s} {'x H':>5s} {'min-max':>11s}  target")
    for row in rows:
        ratio = f"{row.ratio:5.2f}" if row.ratio is not None else "     "
        spread = f"{row.spread[0]:.2f}-{row.spread[1]:.2f}" if row.spread else ""
        print(f"{row.measure:52s} {row.value:10.1f} {row.unit:13s} {ratio} {spread:>11s}  "
              f"{row.target}")  # fmt: skip
        for extra in (row.note, row.baseline if row.baseline != "H" else ""):
            for line in extra.splitlines():
                print(f"{'':52s}   {line}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps([dataclasses.asdict(row) for row in rows], indent=2))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    raise SystemExit(main())
