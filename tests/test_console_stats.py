"""The console's figures: minute resolution, one definition's figures, latency and time to
deliver over time; the event catalog; suppressions found by a part of the address."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import jsonschema_rs
import pytest

from app import clock as app_clock
from app.providers.sandbox import EMAIL_DOMAIN, SMS_BOUNCE
from app.services.webhooks import catalog, fanout
from app.storage import events, latency_rollup
from app.storage.db import Db
from app.wire import vocabulary
from tests.conftest import FakeClock, Service, Tenant, make_tenant
from tests.receiver import Receiver
from tests.sending import email_definition, recipient, settle, sms_definition
from tests.webhooks import deliver, hook

SERVICE_SETTINGS = {"allow_private_callbacks": True, "webhook_timeout_s": 0.5}
MINUTE = 60_000


async def _send(service: Service, tenant: Tenant, key: str, to: str, definition: str) -> None:
    channel = "sms" if to.isdigit() else "email"
    body: dict[str, Any] = {"definitionKey": definition}
    body["recipient"] = {"to": to, "attributes": {"Code": "1"}} if to.isdigit() else recipient(to)
    response = await service.http.post(
        f"/messaging/v1/{channel}/messages/{key}", headers=tenant.headers, json=body
    )
    assert response.status_code == 202, response.text
    await settle(service, tenant.account_id, channel, key)


async def _get(service: Service, tenant: Tenant, path: str, **query: Any) -> dict[str, Any]:
    answer = await service.http.get(path, params=query, headers=tenant.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def test_minutes_and_one_definitions_counts(
    service: Service, tenant: Tenant, clock: FakeClock
) -> None:
    await email_definition(service, tenant, key="welcome")
    clock.ms += MINUTE - clock.ms % MINUTE  # the start of a minute
    start = clock.ms
    await _send(service, tenant, "o-1", "a@example.com", "order-confirm")
    clock.advance(61)
    await _send(service, tenant, "o-2", "b@example.com", "order-confirm")
    await _send(service, tenant, "w-1", "c@example.com", "Welcome")
    clock.advance(1)
    span = {"from": app_clock.iso_utc(start), "to": app_clock.iso_utc(start + 5 * MINUTE)}
    series = await _get(service, tenant, "/api/v1/stats/timeseries", granularity="minute", **span)
    assert series["times"][:2] == [app_clock.iso_utc(start), app_clock.iso_utc(start + MINUTE)]
    [sent] = series["series"]
    assert sent["type"] == "TransactionalSendEvents.EmailSent"
    assert sent["counts"] == [1, 2, 0, 0, 0]
    only = await _get(service, tenant, "/api/v1/stats/timeseries", granularity="minute",
                      definitionKey="WELCOME", **span)  # fmt: skip
    assert only["series"][0]["counts"] == [0, 1, 0, 0, 0]
    hourly = await _get(service, tenant, "/api/v1/stats/timeseries", definitionKey="welcome")
    assert sum(hourly["series"][0]["counts"]) == 1
    summary = await _get(service, tenant, "/api/v1/stats/summary", definitionKey="order-confirm")
    assert summary["sent"] == 2
    everything = await _get(service, tenant, "/api/v1/stats/summary")
    assert everything["sent"] == 3


async def test_latency_and_time_to_deliver_over_time(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    await hook(service, tenant, target, types=["EmailSent"])
    clock.ms += MINUTE - clock.ms % MINUTE
    start = clock.ms
    await _send(service, tenant, "o-1", "a@example.com", "order-confirm")
    clock.advance(2)  # two seconds from acceptance to the webhook
    await deliver(service, target, events=1)
    span = {"from": app_clock.iso_utc(start), "to": app_clock.iso_utc(start + 3 * MINUTE)}
    figures = await _get(service, tenant, "/api/v1/stats/latency", granularity="minute", **span)
    assert len(figures["times"]) == 3
    webhook, deliver_ms = figures["webhookLatencyMs"], figures["timeToDeliverMs"]
    assert webhook["p50"][0] is not None and webhook["p50"][1:] == [None, None]
    assert 1000 < deliver_ms["p50"][0] <= 2500 and deliver_ms["p99"][1:] == [None, None]
    same = await _get(service, tenant, "/api/v1/stats/latency", granularity="minute",
                      channel="email", definitionKey="ORDER-CONFIRM", **span)  # fmt: skip
    assert same["timeToDeliverMs"] == deliver_ms and same["webhookLatencyMs"] == webhook
    for other in ({"channel": "sms"}, {"definitionKey": "welcome"}):
        none = await _get(service, tenant, "/api/v1/stats/latency", granularity="minute",
                          **span, **other)  # fmt: skip
        assert none["webhookLatencyMs"]["p95"] == [None, None, None]
    hourly = await _get(service, tenant, "/api/v1/stats/latency")
    assert len(hourly["times"]) == 25 and any(hourly["timeToDeliverMs"]["p50"])
    other = await make_tenant(service, "other")
    theirs = await _get(service, other, "/api/v1/stats/latency", granularity="minute", **span)
    assert theirs["timeToDeliverMs"]["p50"] == [None, None, None]  # another account's: none
    epoch = {"from": str(start), "to": str(start + 3 * MINUTE)}  # epoch ms, as the console sends
    assert await _get(service, tenant, "/api/v1/stats/latency", granularity="minute",
                      **epoch) == figures  # fmt: skip


async def _batch_of_three(db: Db) -> None:
    """Batch b1 carries events of definitions A and b and one event the callback got before."""
    await db.execute("INSERT INTO accounts (id, name, created_at) VALUES (7, 'a', 0)")
    await db.execute(
        "INSERT INTO callbacks (id, account_id, name, url, max_batch_size, verified,"
        " signature_key, options, created_at, updated_at)"
        " VALUES ('cb', 7, 'n', 'https://x.test/', 1, 1, 'k', '{}', 0, 0)"
    )
    for n, definition in enumerate(["A", "b", "b"], start=1):
        await db.execute(
            "INSERT INTO messages (id, account_id, channel, message_key, key_lc, request_id,"
            " contact_key, recipient, attributes, overrides, payload_hash, status, attempts,"
            " next_attempt_at, created_at, updated_at) VALUES (:id, 7, 'email', :id, :id, 'r',"
            " 'c', 'x@y.z', '{}', '{}', '', 'sent', 0, 0, 0, 0)",
            {"id": f"m{n}"},
        )
        await db.execute(
            "INSERT INTO events (id, event_id, account_id, message_id, channel, type,"
            " definition_key, occurred_at, info) VALUES (:n, :e, 7, :m, 'email', 'T', :d, 0,"
            " '{}')",
            {"n": n, "e": f"e{n}", "m": f"m{n}", "d": definition},
        )
    # Event 3 went to the callback in b0 before: in b1 it is a replay.
    for event_id, batch_id in [(3, "b0"), (1, "b1"), (2, "b1"), (3, "b1")]:
        await db.execute(
            "INSERT INTO outbox (account_id, callback_id, event_id, held, batch_id, created_at)"
            " VALUES (7, 'cb', :e, 0, :b, 0)",
            {"e": event_id, "b": batch_id},
        )


async def test_a_batch_counts_once_per_slice_and_a_replay_is_no_new_delivery(db: Db) -> None:
    await _batch_of_three(db)
    await latency_rollup.count_attempt(
        db, account_id=7, batch_id="b1", at=3000, latency_ms=40, ok=True
    )
    found = await db.fetch_all("SELECT * FROM stats_latency")
    by_slice = {(r["slice_by"], r["channel"], r["definition_key"]): r for r in found}
    assert set(by_slice) == {(0, "", ""), (3, "email", "a"), (3, "email", "b")}
    everything = by_slice[(0, "", "")]
    assert everything["webhook_count"] == 1  # one POST, however many definitions it carried
    assert everything["w5"] == 1  # 40 ms: the ≤ 50 ms bucket
    assert everything["deliver_count"] == 2  # the replayed event is no new delivery
    assert everything["d5"] == 2 and everything["deliver_sum_ms"] == 6000  # 3 s: ≤ 5 s
    assert by_slice[(3, "email", "b")]["deliver_count"] == 1
    await latency_rollup.count_attempt(
        db, account_id=7, batch_id="b1", at=3000, latency_ms=40, ok=False
    )
    again = await db.fetch_one("SELECT * FROM stats_latency WHERE slice_by = 0")
    assert again is not None
    assert (again["webhook_count"], again["deliver_count"]) == (2, 2)  # a failure delivers none


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/stats/timeseries", {"granularity": "second"}),
        ("/api/v1/stats/timeseries", {"granularity": "minute", "from": "2020-01-01T00:00:00Z"}),
        ("/api/v1/stats/latency", {"granularity": "minute", "from": "2020-01-01T00:00:00Z"}),
        ("/api/v1/stats/latency", {"channel": "fax"}),
        ("/api/v1/stats/summary", {"definitionKey": "k" * 401}),
    ],
)
async def test_bad_stats_parameters_are_400s_naming_them(
    service: Service, tenant: Tenant, path: str, query: dict[str, str]
) -> None:
    answer = await service.http.get(path, params=query, headers=tenant.headers)
    assert answer.status_code == 400, answer.text
    assert set(answer.json()) == {"errors"}


async def test_the_catalog_has_every_type_with_an_example_its_schema_takes(
    service: Service, tenant: Tenant
) -> None:
    reader = await make_tenant(service, "reader", scopes="sms_read")
    listed = await _get(service, reader, "/platform/v1/event-types")
    assert [item["type"] for item in listed["items"]] == list(vocabulary.EventType)
    for item in listed["items"]:
        jsonschema_rs.validate(item["schema"], item["example"])
        assert item["description"] == vocabulary.MEANING[item["type"]]
    unauthenticated = await service.http.get("/platform/v1/event-types")
    assert unauthenticated.status_code == 401


async def test_every_event_webhooks_carry_matches_its_types_schema(
    service: Service, tenant: Tenant
) -> None:
    await sms_definition(service, tenant)
    for key, to in [("sent", "ana@example.com"), ("hard", f"bounce@{EMAIL_DOMAIN}"),
                    ("soft", f"softbounce@{EMAIL_DOMAIN}"), ("refused", f"reject@{EMAIL_DOMAIN}"),
                    ("sms", "15551234567"), ("sms-bounce", SMS_BOUNCE)]:  # fmt: skip
        await _send(service, tenant, key, to, "otp" if to.isdigit() else "order-confirm")
    suppressed = await service.http.post(
        "/api/v1/suppressions", headers=tenant.api_headers, json={"address": "gone@example.com"}
    )
    assert suppressed.status_code == 201
    await _send(service, tenant, "suppressed", "gone@example.com", "order-confirm")
    deadline = time.monotonic() + 10  # receipts and DSNs are recorded just after Sent
    while len(found := await events.recent(service.db, tenant.account_id, limit=100)) < 9:
        assert time.monotonic() < deadline, [e.type for e, _ in found]
        await asyncio.sleep(0.01)
    seen = set()
    for event in found:
        kind = vocabulary.EventType(event[0].type)
        jsonschema_rs.validate(catalog.schema_of(kind), fanout.to_wire(event[0]))
        seen.add(kind.short)
    assert seen >= {"EmailSent", "EmailBounced", "EmailNotSent", "SmsSent", "SmsBounced"}


async def test_suppressions_are_found_by_part_of_the_address(
    service: Service, tenant: Tenant
) -> None:
    for address in ("ana@example.org", "bob@example.com", "a_b@example.org"):
        added = await service.http.post(
            "/api/v1/suppressions", headers=tenant.api_headers, json={"address": address}
        )
        assert added.status_code == 201
    found = await _get(service, tenant, "/api/v1/suppressions", q="EXAMPLE.ORG")
    assert [i["address"] for i in found["items"]] == ["a_b@example.org", "ana@example.org"]
    assert found["count"] == 2 and found["items"][0]["messageId"] is None
    literal = await _get(service, tenant, "/api/v1/suppressions", q="a_b")
    assert [i["address"] for i in literal["items"]] == ["a_b@example.org"]  # _ is no wildcard
    assert (await _get(service, tenant, "/api/v1/suppressions", q="%"))["count"] == 0
    everything = await _get(service, tenant, "/api/v1/suppressions", q="  ")
    assert everything["count"] == 3
