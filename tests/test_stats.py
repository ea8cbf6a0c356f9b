"""Stats: rollups equal a recount of the raw rows; the API's figures, parameters and isolation."""

from __future__ import annotations

import asyncio
import bisect
import collections
import math
import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from app import clock
from app.providers.sandbox import EMAIL_DOMAIN, SMS_BOUNCE
from app.services import latency
from app.services.sending import outcomes
from app.services.sending.rollup_shards import SHARDS
from app.storage import accounts, events, messages, migrations
from app.storage import stats as rollups
from app.storage.db import Db
from bench import fill
from tests.conftest import (
    FakeClock,
    Service,
    Tenant,
    make_tenant,
    reauthenticate,
)
from tests.receiver import Behaviour, Receiver, status
from tests.sending import email_definition, recipient, settle, sms_definition
from tests.webhooks import deliver, hook, pump

INBOUND = "inbound-token-for-stats-tests-0123456789abcdef"
SERVICE_SETTINGS = {
    "allow_private_callbacks": True,
    "webhook_timeout_s": 0.5,
    "inbound_token": INBOUND,
}


async def _send(service: Service, tenant: Tenant, key: str, to: str, **attrs: Any) -> None:
    channel = "sms" if to.isdigit() else "email"
    body: dict[str, Any] = {"definitionKey": "otp" if channel == "sms" else "order-confirm"}
    if channel == "sms":
        body["recipient"] = {"to": to, "attributes": {"Code": "1"}}
    else:
        body["recipient"] = recipient(to) | ({"attributes": attrs} if attrs else {})
    response = await service.http.post(
        f"/messaging/v1/{channel}/messages/{key}", headers=tenant.headers, json=body
    )
    assert response.status_code == 202, response.text
    await settle(service, tenant.account_id, channel, key)


async def test_rollups_equal_a_recount_of_the_raw_rows(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    rng = random.Random(20261122)
    await sms_definition(service, tenant)
    await hook(service, tenant, target, types=["EmailSent", "EmailBounced", "SmsSent"])
    target.behaviours = [rng.choice([status(500), status(200)]) for _ in range(200)]
    choices = [
        "ok@example.com",
        f"bounce@{EMAIL_DOMAIN}",
        f"reject@{EMAIL_DOMAIN}",
        f"softbounce@{EMAIL_DOMAIN}",
        "missing",
        "15555550123",
        SMS_BOUNCE,
    ]
    for n in range(60):
        tenant = await reauthenticate(service, tenant)  # the clock moves past token lifetimes
        to = rng.choice(choices)
        if to == "missing":
            await _send(service, tenant, f"k{n}", "m@example.com", Nothing="x")
        else:
            await _send(service, tenant, f"k{n}", to)
        clock.advance(rng.choice([1, 60, 1800]))  # spread over several hours
        if n % 7 == 0:
            await pump(service)
    for _ in range(30):
        clock.advance(400)
        await pump(service)

    raw = await service.db.fetch_all("SELECT * FROM events")
    recount: collections.Counter[tuple[Any, ...]] = collections.Counter()
    for row in raw:
        event = events.Event.from_row(row)
        key = (
            event.account_id, rollups.hour_of(event.occurred_at), event.channel, event.type,
            event.definition_key or "", outcomes.detail_of(event),
        )  # fmt: skip
        recount[key] += 1
    rolled: collections.Counter[tuple[Any, ...]] = collections.Counter()
    for r in await service.db.fetch_all("SELECT * FROM stats_events"):  # summed over shards
        key = (r["account_id"], r["hour_at"], r["channel"], r["type"], r["definition_key"],
               r["detail"])  # fmt: skip
        rolled[key] += r["count"]
    assert dict(rolled) == dict(recount)
    assert len({k[1] for k in rolled}) > 3 and len({k[3] for k in rolled}) >= 5  # a real mix

    attempts = await service.db.fetch_all("SELECT * FROM attempts ORDER BY id")
    firsts: set[str] = set()
    width = 4 + len(rollups.BUCKETS) + 1  # counters, buckets, the legacy bucket (never written)
    expected: dict[tuple[Any, ...], list[int]] = collections.defaultdict(lambda: [0] * width)
    for row in attempts:
        result = "ok" if row["ok"] else row["error_class"]
        key = (row["callback_id"], rollups.hour_of(row["attempted_at"]), result)
        totals = expected[key]
        first = row["batch_id"] not in firsts
        firsts.add(row["batch_id"])
        bounds = rollups.LATENCY_BOUNDS_MS
        bucket = next((i for i, b in enumerate(bounds) if row["latency_ms"] <= b), len(bounds))
        for index, value in enumerate((1, int(first), row["event_count"], row["latency_ms"])):
            totals[index] += value
        totals[4 + bucket] += 1
    got = {
        (r["callback_id"], r["hour_at"], r["result"]): [
            r["attempts"], r["first_attempts"], r["events"], r["latency_sum_ms"],
            *(r[b] for b in rollups.BUCKETS), r[rollups.LEGACY_BUCKET],
        ]
        for r in await service.db.fetch_all("SELECT * FROM stats_attempts")
    }  # fmt: skip
    assert got == dict(expected)
    assert {k[2] for k in got} == {"ok", "http_status"}


async def test_summary_timeseries_and_callbacks(
    service: Service, target: Receiver, clock: FakeClock
) -> None:
    a, b = await make_tenant(service, "a"), await make_tenant(service, "b")
    await email_definition(service, a)
    callback_id, _ = await hook(service, a, target)
    start = clock.ms
    # Set before sending: the background dispatcher may deliver the first batch at once.
    target.behaviours = [status(503)]
    for n, to in enumerate(["x@example.com", "y@example.com", "z@example.com"]):
        await _send(service, a, f"ok{n}", to)
    await _send(service, a, "hard", f"bounce@{EMAIL_DOMAIN}")
    await _send(service, a, "again", f"bounce@{EMAIL_DOMAIN}")  # suppressed: NotSent 27
    await pump(service)
    clock.advance(10)
    await pump(service)

    async def get(path: str, who: Tenant = a) -> Any:
        response = await service.http.get(path, headers=who.headers)
        assert response.status_code == 200, response.text
        return response.json()

    summary = await get("/api/v1/stats/summary")
    assert (summary["sent"], summary["notSent"]) == (3, 1)
    assert summary["bounced"] == {"total": 1, "hard": 1, "soft": 0}
    assert summary["bounceRate"] == 0.25 and summary["deliverySuccessRate"] == 0.6
    assert summary["notSentByReason"] == [
        {"channel": "email", "statusCode": "27", "reason": "SuppressionListExclusion", "count": 1}
    ]
    assert summary["bounceCodes"] == [
        {"channel": "email", "bounceCode": "HARD", "smtpReason": "5.1.1", "count": 1}
    ]
    hooks = summary["webhooks"]
    assert hooks["attempts"] >= 2 and hooks["failuresByClass"] == {"http_status": 1}
    assert hooks["backlog"] == 0 and hooks["firstAttemptSuccessRate"] < 1
    assert hooks["latencyMs"]["p50"] is not None

    series = await get(f"/api/v1/stats/timeseries?from={_iso(start - 7200_000)}&granularity=hour")
    assert len(series["times"]) == len(series["series"][0]["counts"]) >= 3
    sent = next(s for s in series["series"] if s["type"].endswith("EmailSent"))
    assert sum(sent["counts"]) == 3 and sent["counts"][-1] == 3
    daily = await get("/api/v1/stats/timeseries?granularity=day&type=EmailBounced&channel=email")
    assert [s["type"] for s in daily["series"]] == ["TransactionalSendEvents.EmailBounced"]

    listed = (await get("/api/v1/stats/callbacks"))["callbacks"]
    assert [(c["callbackId"], c["state"]) for c in listed] == [(callback_id, "healthy")]
    assert 0 < listed[0]["successRate"] < 1 and listed[0]["lastError"] == "http_status 503"

    other = await get("/api/v1/stats/summary", b)
    assert (other["sent"], other["webhooks"]["attempts"]) == (0, 0)
    assert (await get("/api/v1/stats/callbacks", b))["callbacks"] == []


def _iso(at: int) -> str:
    return clock.iso_utc(at)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("summary?from=yesterday", "from"),
        ("summary?to=2026-13-01", "to"),
        ("summary?from=2026-11-22T10:00:00Z&to=2026-11-22T09:00:00Z", "from"),
        ("summary?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"),
        ("timeseries?granularity=week", "granularity"),
        ("timeseries?channel=fax", "channel"),
        ("timeseries?type=EmailOpened", "type"),
        ("callbacks?from=nope", "from"),
    ],
)
async def test_bad_parameters_are_a_400_naming_them(
    service: Service, tenants: tuple[Tenant, Tenant], query: str, field: str
) -> None:
    response = await service.http.get(f"/api/v1/stats/{query}", headers=tenants[0].headers)
    assert response.status_code == 400, response.text
    assert list(response.json()["errors"]) == [field]


async def test_stats_need_a_read_scope(service: Service) -> None:
    sender = await make_tenant(service, "sender", scopes="email_send")
    denied = await service.http.get("/api/v1/stats/summary", headers=sender.headers)
    assert denied.status_code == 403
    assert (await service.http.get("/api/v1/stats/summary")).status_code == 401


# The README's error bound of a latency percentile: the width of the histogram bucket that holds
# the exact value, as (exact value up to, bound) in ms.
DOCUMENTED_BOUND_MS = [
    (2, 1), (5, 3), (10, 5), (25, 15), (50, 25), (100, 50), (250, 150), (500, 250),
    (1000, 500), (2500, 1500), (5000, 2500), (10000, 5000),
]  # fmt: skip


def _nearest_rank(values: list[int], fraction: float) -> int:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _within_bound(reported: float, values: list[int], fraction: float) -> bool:
    exact = _nearest_rank(values, fraction)
    bound = next(b for upper, b in DOCUMENTED_BOUND_MS if exact <= upper)
    return abs(reported - exact) <= bound


def _slow(delay_ms: int) -> Behaviour:
    async def answer_late(request: Any, body: bytes) -> None:
        await asyncio.sleep(delay_ms / 1000)

    return answer_late


async def test_latency_percentiles_are_within_the_documented_bound(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    """Receivers answering in 3, 4, 5 and 6 ms (LAN-like): the percentiles the API reports,
    from the hourly histogram, are within the README's bound of the exact ones computed from
    the attempts log (which keeps each attempt's measured latency)."""
    callback_id, _ = await hook(service, tenant, target, maxBatchSize=1)
    target.behaviours = [_slow(ms) for ms in (3, 4, 5, 6)]
    for n in range(4):
        await _send(service, tenant, f"k{n}", f"r{n}@example.com")
    await deliver(service, target, events=4)
    await pump(service)  # the last attempt is recorded
    logged = [
        int(row["latency_ms"])
        for row in await service.db.fetch_all(
            "SELECT latency_ms FROM attempts WHERE callback_id = :id", {"id": callback_id}
        )
    ]
    assert len(logged) == 4 and min(logged) >= 3
    summary = await service.http.get("/api/v1/stats/summary", headers=tenant.headers)
    health = await service.http.get("/api/v1/stats/callbacks", headers=tenant.headers)
    for figures in (summary.json()["webhooks"], health.json()["callbacks"][0]):
        reported = figures["latencyMs"]
        for name, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            assert _within_bound(reported[name], logged, fraction), (name, reported, logged)


@pytest.mark.parametrize(
    ("latencies", "fraction", "expected"),
    [
        ([3, 4, 5, 6], 0.5, 4.0),  # 2 of the 3 in (2, 5] ms
        ([3, 4, 5, 6], 0.95, 9.0),  # the one in (5, 10]
        ([0, 0, 1, 1], 0.5, 0.5),
        ([2] * 10, 0.5, 1.5),
        ([30] * 99 + [20_000], 0.99, 50.0),
        ([20_000], 0.5, 10_000.0),  # beyond the last bound: "at least 10 s"
        ([], 0.5, None),
    ],
)
def test_percentiles_interpolate_within_a_bucket(
    latencies: list[int], fraction: float, expected: float | None
) -> None:
    bounds = rollups.LATENCY_BOUNDS_MS
    buckets = [0.0] * len(rollups.BUCKETS)
    for value in latencies:
        buckets[bisect.bisect_left(bounds, value)] += 1
    assert latency.percentile_ms(buckets, fraction) == expected
    if latencies and max(latencies) <= bounds[-1]:
        assert _within_bound(latency.percentile_ms(buckets, fraction) or 0, latencies, fraction)


async def test_rollup_rows_from_before_the_finer_buckets_still_read(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database whose histogram has one bucket up to 25 ms is migrated; its old counts are
    read as spread over 0-25 ms, next to new ones in the finer buckets of the same hour."""
    db = Db(database_url)
    every = migrations.available(db.dialect)
    [split] = [m.version for m in every if m.name == "latency_buckets"]
    before = [m for m in every if m.version < split]
    monkeypatch.setattr(migrations, "available", lambda dialect: before)
    hour = rollups.hour_of(clock.now_ms())
    await db.connect()
    try:
        await migrations.apply(db)
        await db.execute(
            "INSERT INTO stats_attempts (account_id, callback_id, hour_at, result, attempts,"
            " first_attempts, events, latency_sum_ms, b0, b1, b2, b3, b4, b5, b6, b7, b8, b9)"
            " VALUES (1, 'cb', :hour, 'ok', 4, 4, 4, 70, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0)",
            {"hour": hour},
        )
        monkeypatch.undo()
        assert split in [m.version for m in await migrations.apply(db)]
        async with db.write():
            for latency_ms in (3, 4):
                count = rollups.attempt_count(
                    account_id=1, callback_id="cb", at=hour + 1000, result="ok",
                    first=True, events=1, latency_ms=latency_ms,
                )  # fmt: skip
                await rollups.count_attempts(db, [count])
        [counts] = await rollups.attempt_counts(db, 1, since=hour, until=hour + rollups.HOUR_MS)
    finally:
        await db.disconnect()
    assert (counts.attempts, counts.legacy_bucket, counts.latency_sum_ms) == (6, 3, 77)
    assert counts.buckets[rollups.BUCKETS.index("b0_5")] == 2
    assert counts.buckets[rollups.BUCKETS.index("b1")] == 1
    histogram = latency.histogram([counts])
    assert sum(histogram) == pytest.approx(6)
    p50 = latency.percentile_ms(histogram, 0.5)
    assert p50 is not None and 2 < p50 < 25
    assert latency.percentile_ms(histogram, 0.99) == 48.5  # in b1: (25, 50] ms


async def test_hard_and_soft_bounces_add_up_with_sms_bounces(
    service: Service, tenant: Tenant
) -> None:
    """SMS bounces count as HARD unless the receipt names a temporary failure (4501 Expired)."""
    await sms_definition(service, tenant)
    await _send(service, tenant, "mail", f"bounce@{EMAIL_DOMAIN}")  # EmailBounced HARD 5.1.1
    await _send(service, tenant, "sandbox", SMS_BOUNCE)  # the sandbox's SmsBounced 4500 receipt
    for key in ("failed", "expired"):  # gateway receipts: 4500 Undeliverable, 4501 Expired
        await _send(service, tenant, key, "15555550123")
        message = await messages.get_by_key(service.db, tenant.account_id, "sms", key)
        assert message is not None
        receipt = await service.http.post(
            "/inbound/sms/receipts",
            json={"messageId": message.id, "status": key},
            headers={"Authorization": f"Bearer {INBOUND}"},
        )
        assert receipt.status_code == 200, receipt.text
    summary = (await service.http.get("/api/v1/stats/summary", headers=tenant.headers)).json()
    bounced = summary["bounced"]
    assert bounced["total"] == 4 and summary["byChannel"]["sms"]["Bounced"] == 3
    assert bounced["hard"] + bounced["soft"] == bounced["total"]
    codes = summary["bounceCodes"]
    assert {"channel": "sms", "bounceCode": "HARD", "statusCode": "4500", "count": 2} in codes
    assert {"channel": "email", "bounceCode": "HARD", "smtpReason": "5.1.1", "count": 1} in codes
    soft = [c for c in codes if c["bounceCode"] == "SOFT"]
    assert soft and all(c["channel"] == "sms" and c["statusCode"] == "4501" for c in soft)
    assert sum(c["count"] for c in codes) == bounced["total"]
    assert sum(c["count"] for c in codes if c["bounceCode"] == "HARD") == bounced["hard"]


async def test_attempts_counted_together_add_up_per_hour_callback_and_result(db: Db) -> None:
    """The dispatcher's grouped results: counts of one key in one statement are summed."""
    hour = 10 * rollups.HOUR_MS

    def attempt(at: int, latency_ms: int, *, first: bool = True, callback: str = "cb_a") -> Any:
        return rollups.attempt_count(
            account_id=1, callback_id=callback, at=hour + at, result="ok", first=first,
            events=1, latency_ms=latency_ms,
        )  # fmt: skip

    counts = [
        attempt(5, 3),
        attempt(9, 700),
        attempt(9, 3, first=False),
        attempt(1, 3, callback="cb_b"),
    ]
    async with db.write():
        await rollups.count_attempts(db, counts)
        await rollups.count_attempts(db, counts[:1])
    rows = await db.fetch_all("SELECT * FROM stats_attempts ORDER BY callback_id")
    assert [(r["callback_id"], r["hour_at"], r["attempts"], r["first_attempts"]) for r in rows] == [
        ("cb_a", hour, 4, 3),
        ("cb_b", hour, 1, 1),
    ]
    a = rows[0]
    assert (a["events"], a["latency_sum_ms"], a["b0_5"], a["b5"]) == (4, 709, 3, 1)  # b5: ≤ 1 s


async def _count(db: Db, *, at: int, shard: int) -> None:
    await rollups.count_event(
        db, account_id=1, at=at, channel="email", event_type="TransactionalSendEvents.EmailSent",
        definition_key="d", detail="", shard=shard,
    )  # fmt: skip


async def test_outcome_transactions_in_flight_never_wait_on_one_rollup_row(db: Db) -> None:
    """Two outcomes of one account and hour: the second commits while the first still holds
    its row (without shards it would wait for the first's COMMIT, which here never comes
    before the second is done, so this would not finish)."""
    if db.dialect != "postgresql":
        assert [*_shards_of_two(db)] == [0, 0]  # one writer: nothing to wait for
        return
    hour = 10 * rollups.HOUR_MS
    first_counted, second_done = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        with SHARDS.taken(db) as shard:
            async with db.write():
                await _count(db, at=hour, shard=shard)
                first_counted.set()
                await second_done.wait()

    async def second() -> None:
        await first_counted.wait()
        with SHARDS.taken(db) as shard:
            async with db.write():
                await _count(db, at=hour + 1, shard=shard)
        second_done.set()

    await asyncio.wait_for(asyncio.gather(first(), second()), 30)
    rows = await db.fetch_all("SELECT shard, count FROM stats_events")
    assert len(rows) == 2 and sum(r["count"] for r in rows) == 2


def _shards_of_two(db: Db) -> tuple[int, int]:
    with SHARDS.taken(db) as one, SHARDS.taken(db) as two:
        return one, two


async def test_shards_in_flight_differ_and_a_fork_takes_another_range(db: Db) -> None:
    if db.dialect != "postgresql":
        return
    one, two = _shards_of_two(db)
    assert one != two and 0 not in (one, two)
    SHARDS.reset()
    assert _shards_of_two(db)[0] not in (one, two)


async def test_past_hours_shards_fold_into_one_row_each_and_the_sums_stay(db: Db) -> None:
    now = 100 * rollups.HOUR_MS + 5
    old, current = now - 3 * rollups.HOUR_MS, now
    async with db.write():
        for shard in (0, 5, 9, 9):
            await _count(db, at=old, shard=shard)
        await _count(db, at=current, shard=7)
    async with db.write():
        folded = await rollups.fold_event_shards(db, before=rollups.hour_of(now))
    assert folded == 2  # the rows of shards 5 and 9
    rows = await db.fetch_all("SELECT hour_at, shard, count FROM stats_events ORDER BY hour_at")
    assert [(r["hour_at"], r["shard"], r["count"]) for r in rows] == [
        (rollups.hour_of(old), 0, 4),
        (rollups.hour_of(current), 7, 1),
    ]
    async with db.write():
        assert await rollups.fold_event_shards(db, before=rollups.hour_of(now)) == 0


async def _until_a_backend_waits_on_a_lock(db: Db) -> None:
    """Returns once another session of this database waits on a row lock (30 s deadline)."""
    deadline = asyncio.get_running_loop().time() + 30
    while not await db.fetch_val(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock'"
    ):
        assert asyncio.get_running_loop().time() < deadline, "no session came to wait"
        await asyncio.sleep(0.01)


async def _event_total(db: Db) -> int:
    return int(await db.fetch_val("SELECT COALESCE(SUM(count), 0) FROM stats_events"))


_FOLD_NOW = 100 * rollups.HOUR_MS + 5
_FOLDED_HOUR = _FOLD_NOW - 3 * rollups.HOUR_MS  # a past hour the fold job folds


async def _fold_while_held(db: Db, holder: Callable[[], Awaitable[object]]) -> None:
    """``holder``'s writes in a transaction held open, while a fold runs beside it and comes
    to wait on one of its rows; then the holder commits and the fold finishes."""
    written, release = asyncio.Event(), asyncio.Event()

    async def held() -> None:
        async with db.write():
            await holder()
            written.set()
            await release.wait()

    async def fold() -> None:
        await written.wait()
        async with db.write():
            await rollups.fold_event_shards(db, before=rollups.hour_of(_FOLD_NOW))

    both = asyncio.gather(held(), fold())
    await asyncio.wait_for(written.wait(), 30)
    await _until_a_backend_waits_on_a_lock(db)
    release.set()
    await asyncio.wait_for(both, 30)


async def test_two_processes_folding_at_once_count_each_event_once(db: Db) -> None:
    """Every worker runs the fold job; two started together fold together. The second's
    INSERT … SELECT read the shard rows before the first committed their DELETE, so it added
    their sums to shard 0 a second time."""
    if db.dialect != "postgresql":
        return  # one writer process
    async with db.write():
        for shard in (0, 5, 9):
            await _count(db, at=_FOLDED_HOUR, shard=shard)
    await _fold_while_held(
        db, lambda: rollups.fold_event_shards(db, before=rollups.hour_of(_FOLD_NOW))
    )
    assert await _event_total(db) == 3


async def test_a_fold_never_loses_an_increment_committed_while_it_runs(db: Db) -> None:
    """An outcome adding to a shard row of a folded hour (a process whose clock is behind)
    while the fold runs: the fold's DELETE waited for it, then deleted the row with the
    increment its INSERT … SELECT had not seen."""
    if db.dialect != "postgresql":
        return  # one writer: the fold and the outcome cannot interleave
    async with db.write():
        await _count(db, at=_FOLDED_HOUR, shard=5)
    await _fold_while_held(db, lambda: _count(db, at=_FOLDED_HOUR, shard=5))
    assert await _event_total(db) == 2


async def test_the_bench_fill_stores_rollups_the_stats_reads_sum(db: Db, tmp_path: Any) -> None:
    """bench's stats stage fills a migrated database: its upsert must name the rollups' key
    as it is since migration 0014 (with the shard), or SQLite refuses the statement."""
    now_ms = 1000 * rollups.HOUR_MS
    await accounts.insert(db, accounts.Account(id=7, name="filled", created_at=now_ms))
    if db.dialect == "sqlite":
        await asyncio.to_thread(
            fill.events, Db.sqlite_path_of(db.url), account_id=7, count=50, now_ms=now_ms
        )
    else:
        await fill.events_pg(db.url, account_id=7, count=50, now_ms=now_ms)
    counts = await rollups.event_counts(db, 7, since=0, until=now_ms + 1, by=("channel",))
    assert sum(c.count for c in counts) == 50
