"""The console's messages: search by every filter with paging, channel and account isolation,
bad queries, a bounced message's whole story (timeline, content, events), the sandboxed HTML."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from app.providers.sandbox import EMAIL_DOMAIN, SMS_BOUNCE
from app.storage import search
from app.storage.db import Db
from tests.conftest import FakeClock, Service, Tenant, make_tenant, running, settings_for
from tests.receiver import Receiver, status
from tests.sending import email_definition, recipient, settle, sms_definition
from tests.smtp_server import smtp_server
from tests.webhooks import deliver, hook

SERVICE_SETTINGS = {"allow_private_callbacks": True, "webhook_timeout_s": 0.5}
SFMC_ERROR = {"message", "errorcode", "documentation"}


async def _send(
    service: Service, tenant: Tenant, key: str, to: str, definition: str = "order-confirm"
) -> None:
    channel = "sms" if to.isdigit() else "email"
    body: dict[str, Any] = {"definitionKey": "otp" if channel == "sms" else definition}
    if channel == "sms":
        body["recipient"] = {"to": to, "attributes": {"Code": "1"}}
    else:
        body["recipient"] = recipient(to)
    response = await service.http.post(
        f"/messaging/v1/{channel}/messages/{key}", headers=tenant.headers, json=body
    )
    assert response.status_code == 202, response.text
    await settle(service, tenant.account_id, channel, key)


async def _find(service: Service, tenant: Tenant, **query: Any) -> list[dict[str, Any]]:
    """Every page of a search, followed through nextCursor."""
    found: list[dict[str, Any]] = []
    params = {k: v for k, v in query.items() if v is not None}
    while True:
        answer = await service.http.get(
            "/platform/v1/messages", params=params, headers=tenant.headers
        )
        assert answer.status_code == 200, answer.text
        found += answer.json()["items"]
        cursor = answer.json()["nextCursor"]
        if cursor is None:
            return found
        params["cursor"] = cursor


async def _sent_mix(service: Service, a: Tenant, clock: FakeClock) -> None:
    """Eight messages, a second apart (``a`` has the order-confirm definition already)."""
    await email_definition(service, a, key="welcome")
    await sms_definition(service, a)
    for i in range(5):
        clock.advance(1)
        await _send(service, a, f"order-{i}", f"buyer{i}@example.com")
    clock.advance(1)
    await _send(service, a, "Welcome-1", "Ana@Example.com", definition="welcome")
    clock.advance(1)
    await _send(service, a, "bounce-1", f"bounce@{EMAIL_DOMAIN}")
    clock.advance(1)
    await _send(service, a, "otp-1", "15551234567")


async def test_search_by_every_filter_newest_first_in_pages(
    service: Service, tenant: Tenant, clock: FakeClock
) -> None:
    start = clock.ms
    await _sent_mix(service, tenant, clock)
    everything = await _find(service, tenant, limit=3)
    keys = [m["messageKey"] for m in everything]
    assert keys == ["otp-1", "bounce-1", "Welcome-1", *(f"order-{i}" for i in range(4, -1, -1))]
    assert len({m["id"] for m in everything}) == 8
    by = {m["messageKey"]: m for m in everything}
    assert by["order-0"]["subject"] and by["order-0"]["text"] is None
    assert by["otp-1"]["text"] == "Your code is 1" and by["otp-1"]["subject"] is None
    assert by["bounce-1"]["status"] == "bounced" and "5.1.1" in by["bounce-1"]["statusReason"]

    async def keys_of(**query: Any) -> list[str]:
        return [m["messageKey"] for m in await _find(service, tenant, **query)]

    assert await keys_of(recipient="ana@EXAMPLE.com") == ["Welcome-1"]
    assert await keys_of(messageKey="welcome-1") == ["Welcome-1"]
    assert await keys_of(definitionKey="WELCOME") == ["Welcome-1"]
    assert await keys_of(status="bounced") == ["bounce-1"]
    assert await keys_of(status="notSent") == []
    assert len(await keys_of(status="sent")) == 7
    assert await keys_of(channel="sms") == ["otp-1"]
    assert await keys_of(channel="email", status="sent", definitionKey="welcome") == ["Welcome-1"]
    window = {"from": start + 2500, "to": start + 4500}  # epoch ms: order-2 and order-3
    assert await keys_of(**window) == ["order-3", "order-2"]
    iso = await _find(service, tenant, **{"from": by["order-4"]["createdAt"]})
    assert [m["messageKey"] for m in iso][-1] == "order-4"
    assert await keys_of(recipient="nobody@example.com") == []


async def test_each_read_scope_shows_its_own_channel(
    service: Service, tenant: Tenant, clock: FakeClock
) -> None:
    await _sent_mix(service, tenant, clock)
    ids = {m["messageKey"]: m["id"] for m in await _find(service, tenant)}
    for scope, mine, other in (
        ("email_read", "order-0", "otp-1"),
        ("sms_read", "otp-1", "order-0"),
    ):
        answer = await service.http.post("/v2/token", json={
            "grant_type": "client_credentials", "client_id": tenant.client_id,
            "client_secret": tenant.client_secret, "scope": scope,
        })  # fmt: skip
        headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        listed = await service.http.get("/platform/v1/messages", headers=headers)
        channels = {m["channel"] for m in listed.json()["items"]}
        assert channels == {"sms" if scope == "sms_read" else "email"}
        seen = await service.http.get(f"/platform/v1/messages/{ids[mine]}", headers=headers)
        assert seen.status_code == 200
        hidden = await service.http.get(f"/platform/v1/messages/{ids[other]}", headers=headers)
        assert hidden.status_code == 404 and set(hidden.json()) == SFMC_ERROR
        wrong = await service.http.get(
            "/platform/v1/messages", params={"channel": other_channel(scope)}, headers=headers
        )
        assert wrong.json()["items"] == []


def other_channel(scope: str) -> str:
    return "email" if scope == "sms_read" else "sms"


async def test_another_accounts_message_is_not_found(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    await email_definition(service, a)
    await _send(service, a, "secret", "ana@example.com")
    [mine] = await _find(service, a)
    assert await _find(service, b) == []
    assert await _find(service, b, recipient="ana@example.com") == []
    for path in (f"/platform/v1/messages/{mine['id']}", f"/platform/v1/messages/{mine['id']}/html"):
        answer = await service.http.get(path, headers=b.headers)
        assert answer.status_code == 404, answer.text
        assert set(answer.json()) == SFMC_ERROR
    missing = await service.http.get("/platform/v1/messages/no-such-id", headers=a.headers)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"status": "lost"},
        {"channel": "fax"},
        {"from": "yesterday"},
        {"from": "2024-03-22T00:00:00Z", "to": "2024-03-21T00:00:00Z"},
        {"cursor": "!!!"},
        {"cursor": "bm9jb2xvbg"},
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "ten"},
        {"messageKey": "k" * 401},
    ],
)
async def test_a_bad_query_is_a_400_in_sfmc_shape(
    service: Service, tenant: Tenant, query: dict[str, str]
) -> None:
    answer = await service.http.get("/platform/v1/messages", params=query, headers=tenant.headers)
    assert answer.status_code == 400, (answer.request.url, answer.text)
    assert set(answer.json()) == SFMC_ERROR and answer.json()["errorcode"] == 10005


async def test_a_bounced_messages_whole_story(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    callback_id, _ = await hook(service, tenant, target)
    target.behaviours = [status(500)]  # the first POST fails, the retry succeeds
    await _send(service, tenant, "bounce-1", f"bounce@{EMAIL_DOMAIN}")
    await deliver(service, target, events=1)
    clock.advance(60)  # past the first retry's time (5 s, jittered)
    await deliver(service, target, events=2)
    [found] = await _find(service, tenant, messageKey="bounce-1")
    detail = (await service.http.get(f"/platform/v1/messages/{found['id']}",
                                     headers=tenant.headers)).json()  # fmt: skip
    kinds = [step["kind"] for step in detail["timeline"]]
    assert kinds == ["accepted", "queued", "handedToProvider", "event", "attempt", "attempt"]
    handed = detail["timeline"][2]
    assert handed["answer"].startswith("550 5.1.1")
    [event] = [s for s in detail["timeline"] if s["kind"] == "event"]
    assert event["type"] == "TransactionalSendEvents.EmailBounced"
    assert (event["bounceCode"], event["smtpReason"], event["statusCode"]) == ("HARD", "5.1.1", "5")
    failed, ok = [s for s in detail["timeline"] if s["kind"] == "attempt"]
    assert (failed["ok"], failed["statusCode"], ok["ok"], ok["statusCode"]) == (
        False, 500, True, 200,
    )  # fmt: skip
    assert failed["callbackId"] == callback_id and failed["callbackName"] == "hook /hook"
    assert failed["eventId"] == event["eventId"] and failed["errorClass"]
    assert [e["eventId"] for e in detail["events"]] == [event["eventId"]]
    assert detail["events"] == target.events()[:1]  # as the webhook carried it
    content = detail["content"]
    assert content["to"] == f"bounce@{EMAIL_DOMAIN}" and content["hasHtml"] is True
    assert content["headers"]["Subject"] == content["subject"] and content["from"]
    listed = await service.http.get("/api/v1/suppressions", headers=tenant.api_headers)
    [entry] = listed.json()["items"]
    assert entry["messageId"] == found["id"] and entry["eventId"] == event["eventId"]


async def test_the_relays_answer_is_kept(database_url: str, clock: FakeClock) -> None:
    with smtp_server() as (url, _):
        async with running(settings_for(database_url, smtp_url=url), clock) as service:
            a = await make_tenant(service, "a")
            await email_definition(service, a)
            await _send(service, a, "relayed", "ana@example.com")
            [found] = await _find(service, a)
            detail = await service.http.get(
                f"/platform/v1/messages/{found['id']}", headers=a.headers
            )
    [handed] = [s for s in detail.json()["timeline"] if s["kind"] == "handedToProvider"]
    assert handed["answer"] == "250 2.0.0 queued"
    assert handed["providerId"] == detail.json()["content"]["headers"]["Message-ID"]


async def test_the_html_is_served_sandboxed(
    service: Service, tenant: Tenant, clock: FakeClock
) -> None:
    await _sent_mix(service, tenant, clock)
    ids = {m["messageKey"]: m["id"] for m in await _find(service, tenant)}
    answer = await service.http.get(
        f"/platform/v1/messages/{ids['order-0']}/html", headers=tenant.headers
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    policy = answer.headers["content-security-policy"]
    assert policy.startswith(
        "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    )
    assert "<p>Hello <b>Ana</b>, order A-1 is on its way.</p>" in answer.text
    sms = await service.http.get(f"/platform/v1/messages/{ids['otp-1']}/html",
                                 headers=tenant.headers)  # fmt: skip
    assert sms.status_code == 404 and set(sms.json()) == SFMC_ERROR


async def test_an_sms_bounce_and_receipt_read_in_order(service: Service, tenant: Tenant) -> None:
    await sms_definition(service, tenant)
    await _send(service, tenant, "sms-bounce", SMS_BOUNCE)
    [found] = await _find(service, tenant)
    deadline = time.monotonic() + 10  # the receipt is recorded just after the Sent event
    while True:
        detail = await service.http.get(f"/platform/v1/messages/{found['id']}",
                                        headers=tenant.headers)  # fmt: skip
        if len(detail.json()["events"]) == 2 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.01)
    steps = detail.json()["timeline"]
    types = [s.get("type") for s in steps if s["kind"] == "event"]
    assert types == ["TransactionalSendEvents.SmsSent", "TransactionalSendEvents.SmsBounced"]
    assert detail.json()["content"]["text"] == "Your code is 1"


_INDEXES = {
    "recent": (search.Filter(1, ("email", "sms")), "messages_search_recent"),
    "channel": (search.Filter(1, ("sms",)), "messages_search_channel"),
    "recipient": (search.Filter(1, ("email",), recipient="a@b.c"), "messages_search_recipient"),
    "key": (search.Filter(1, ("email",), message_key="K", recipient="a@b.c"),
            "messages_search_key"),
    "definition": (search.Filter(1, ("email", "sms"), definition_key="d", statuses=("sent",)),
                   "messages_search_definition"),
    # A common filter with a rare one: the index of both (a rare status, partial).
    "definition, status": (
        search.Filter(1, ("email", "sms"), definition_key="d", statuses=("bounced",)),
        "messages_search_definition_status"),
    "channel, status": (search.Filter(1, ("sms",), statuses=("not_sent",)),
                        "messages_search_channel_status"),
    "recipient, status": (search.Filter(1, ("email",), recipient="a@b.c", statuses=("bounced",)),
                          "messages_search_recipient"),
    "status": (search.Filter(1, ("email", "sms"), statuses=("bounced",)), "messages_search_status"),
    "sent": (search.Filter(1, ("email", "sms"), statuses=("sent",)), "messages_search_recent"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(_INDEXES))
async def test_each_search_walks_its_index_on_sqlite(db: Db, case: str) -> None:
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL chooses by its statistics (bench --only search times it)")
    where, index = _INDEXES[case]
    sql, values = search.plan_sql(where)
    plan = await db.fetch_all("EXPLAIN QUERY PLAN " + sql, values)
    text = " ".join(str(row["detail"]) for row in plan)
    assert f"INDEX {index}" in text, text
    assert "TEMP B-TREE" not in text, text  # the order comes from the index
