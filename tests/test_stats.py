"""Stats: rollups equal a recount of the raw rows; the API's figures, parameters and isolation."""

from __future__ import annotations

import collections
import random
from typing import Any

import pytest

from app import clock
from app.providers.sandbox import EMAIL_DOMAIN, SMS_BOUNCE
from app.services import stats
from app.storage import events
from app.storage import stats as rollups
from tests.conftest import (
    FakeClock,
    Service,
    Tenant,
    make_tenant,
    reauthenticate,
)
from tests.receiver import Receiver, status
from tests.sending import email_definition, recipient, settle, sms_definition
from tests.webhooks import pump, register, subscribe

SERVICE_SETTINGS = {"allow_private_callbacks": True, "webhook_timeout_s": 0.5}


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
    service: Service, target: Receiver, clock: FakeClock
) -> None:
    rng = random.Random(20261122)
    a = await make_tenant(service, "a")
    await email_definition(service, a)
    await sms_definition(service, a)
    callback_id, _ = await register(service, a, target)
    await subscribe(service, a, callback_id, types=["EmailSent", "EmailBounced", "SmsSent"])
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
        a = await reauthenticate(service, a)  # the clock moves past token lifetimes
        to = rng.choice(choices)
        if to == "missing":
            await _send(service, a, f"k{n}", "m@example.com", Nothing="x")
        else:
            await _send(service, a, f"k{n}", to)
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
            event.definition_key or "", stats.detail_of(event),
        )  # fmt: skip
        recount[key] += 1
    rolled = {
        (r["account_id"], r["hour_at"], r["channel"], r["type"], r["definition_key"], r["detail"]):
        r["count"]
        for r in await service.db.fetch_all("SELECT * FROM stats_events")
    }  # fmt: skip
    assert rolled == dict(recount)
    assert len({k[1] for k in rolled}) > 3 and len({k[3] for k in rolled}) >= 5  # a real mix

    attempts = await service.db.fetch_all("SELECT * FROM attempts ORDER BY id")
    firsts: set[str] = set()
    expected: dict[tuple[Any, ...], list[int]] = collections.defaultdict(lambda: [0] * 14)
    for row in attempts:
        result = "ok" if row["ok"] else row["error_class"]
        key = (row["callback_id"], rollups.hour_of(row["attempted_at"]), result)
        totals = expected[key]
        first = row["batch_id"] not in firsts
        firsts.add(row["batch_id"])
        bucket = next(
            (i for i, b in enumerate(rollups.LATENCY_BOUNDS_MS) if row["latency_ms"] <= b), 9
        )
        for index, value in enumerate((1, int(first), row["event_count"], row["latency_ms"])):
            totals[index] += value
        totals[4 + bucket] += 1
    got = {
        (r["callback_id"], r["hour_at"], r["result"]): [
            r["attempts"], r["first_attempts"], r["events"], r["latency_sum_ms"],
            *(r[b] for b in rollups.BUCKETS),
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
    callback_id, _ = await register(service, a, target)
    await subscribe(service, a, callback_id)
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
    assert summary["bounceCodes"] == [{"bounceCode": "HARD", "smtpReason": "5.1.1", "count": 1}]
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
