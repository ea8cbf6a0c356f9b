"""Webhooks end to end against real receivers on 127.0.0.1: delivery, signatures, faults,
retries, ordering, breaker, buffering, replay, rotation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import pytest
import standardwebhooks

from app.delivery import signing
from app.providers.sandbox import EMAIL_DOMAIN
from app.storage import batches, outbox
from tests.conftest import (
    FakeClock,
    Service,
    Tenant,
    make_tenant,
    reauthenticate,
    running,
    settings_for,
)
from tests.receiver import Receiver, receiver, reset, slow, status
from tests.sending import email_definition, settle
from tests.webhooks import deliver, hook, pump, register, send_email, subscribe

SERVICE_SETTINGS = {
    "allow_private_callbacks": True,
    "webhook_timeout_s": 0.5,
    "webhook_breaker_s": 3600,
}


def sfmc_signature(key: str, body: bytes) -> str:
    """The documented SFMC recipe: base64(HMAC-SHA256(base64-decoded key, raw body))."""
    return base64.b64encode(hmac.new(base64.b64decode(key), body, hashlib.sha256).digest()).decode()


async def test_events_arrive_signed_both_ways(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    _, key = await hook(service, tenant, target)
    await send_email(service, tenant, "k-1")
    await send_email(service, tenant, "k-2", to=f"bounce@{EMAIL_DOMAIN}")
    events = await deliver(service, target, events=2)

    assert sorted(e["eventCategoryType"] for e in events) == [
        "TransactionalSendEvents.EmailBounced",
        "TransactionalSendEvents.EmailSent",
    ]
    sent = next(e for e in events if e["eventCategoryType"].endswith("EmailSent"))
    assert sent["info"]["messageKey"] == "k-1" and sent["definitionKey"] == "order-confirm"
    assert sent["mid"] == tenant.account_id and isinstance(sent["timestampUTC"], int)
    assert sent["eventId"] and sent["compositeId"].endswith(
        tenant.account_id.__str__() + "." + sent["compositeId"].split(".")[-1]
    )
    for batch in target.batches:
        assert batch.headers["Content-Type"] == "application/json"
        assert batch.headers["x-sfmc-ens-signature"] == sfmc_signature(key, batch.body)
        verified = standardwebhooks.Webhook("whsec_" + key).verify(batch.body, batch.headers)
        assert verified == batch.json()
        assert batch.body == batch.body.replace(b", ", b",")  # compact JSON
    batch = target.batches[0]
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook("whsec_" + key).verify(batch.body + b" ", batch.headers)
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook("whsec_" + signing.new_key()).verify(batch.body, batch.headers)
    assert sfmc_signature(signing.new_key(), batch.body) != batch.headers["x-sfmc-ens-signature"]
    old = int(time.time()) - 600
    replayed = batch.headers | {
        "webhook-timestamp": str(old),
        "webhook-signature": signing.standard(key, batch.headers["webhook-id"], old, batch.body),
    }
    with pytest.raises(standardwebhooks.WebhookVerificationError, match="too old"):
        standardwebhooks.Webhook("whsec_" + key).verify(batch.body, replayed)


async def test_utf8_key_encoding(service: Service, tenant: Tenant, target: Receiver) -> None:
    _, key = await hook(service, tenant, target, keyEncoding="utf8")
    await send_email(service, tenant, "k-1")
    await deliver(service, target, events=1)
    batch = target.batches[0]
    expected = base64.b64encode(hmac.new(key.encode(), batch.body, hashlib.sha256).digest())
    assert batch.headers["x-sfmc-ens-signature"] == expected.decode()
    standardwebhooks.Webhook("whsec_" + key).verify(batch.body, batch.headers)


async def _attempts(service: Service, tenant: Tenant, callback_id: str) -> list[dict[str, object]]:
    response = await service.http.get(
        f"/platform/v1/ens-callbacks/{callback_id}/attempts", headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    return response.json()["attempts"][::-1]  # type: ignore[no-any-return]


async def _batch(service: Service) -> batches.Batch:
    row = await service.db.fetch_one("SELECT * FROM batches ORDER BY created_at LIMIT 1")
    assert row is not None
    return batches.Batch.from_row(row)


async def test_500s_then_success_on_the_retry_schedule(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    callback_id, _ = await hook(service, tenant, target)
    target.behaviours = [status(500), status(500)]
    await send_email(service, tenant, "k-1")
    await pump(service)
    first = await _batch(service)
    assert first.status == batches.PENDING and first.attempts == 1
    assert 4000 <= first.next_attempt_at - clock.ms <= 6000  # 5 s ± 20 %
    await pump(service)
    assert len(target.batches) == 1  # not due yet
    clock.ms = first.next_attempt_at
    await pump(service)
    second = await _batch(service)
    assert 240_000 <= second.next_attempt_at - clock.ms <= 360_000  # 5 min ± 20 %
    clock.ms = second.next_attempt_at
    events = await deliver(service, target, events=3)
    done = await _batch(service)
    assert done.status == batches.DELIVERED and done.attempts == 3
    ids = {b.headers["webhook-id"] for b in target.batches}
    assert ids == {done.id}  # the batch kept its identity across retries
    assert [b.headers["x-tidings-attempt"] for b in target.batches] == ["1", "2", "3"]
    log = await _attempts(service, tenant, callback_id)
    assert [(a["ok"], a["statusCode"], a["errorClass"]) for a in log] == [
        (False, 500, "http_status"),
        (False, 500, "http_status"),
        (True, 200, None),
    ]
    assert len(events) == 3 and len({e["eventId"] for e in events}) == 1


@pytest.mark.parametrize(
    ("behaviour", "error_class"),
    [(slow(1.5), "timeout"), (reset, "reset"), (status(302, {"Location": "/moved"}), "redirect")],
    ids=["timeout", "reset", "redirect"],
)
async def test_failures_are_classified_and_retried(
    service: Service,
    tenant: Tenant,
    target: Receiver,
    clock: FakeClock,
    behaviour: object,
    error_class: str,
) -> None:
    callback_id, _ = await hook(service, tenant, target)
    target.behaviours = [behaviour]  # type: ignore[list-item]
    await send_email(service, tenant, "k-1")
    await pump(service)
    [failed] = await _attempts(service, tenant, callback_id)
    assert failed["errorClass"] == error_class and failed["ok"] is False
    assert all(r.path == "/hook" for r in target.requests)  # the redirect was not followed
    clock.advance(10)
    await deliver(service, target, events=2)
    health = (
        await service.http.get(
            f"/platform/v1/ens-callbacks/{callback_id}/health", headers=tenant.headers
        )
    ).json()
    assert health["state"] == "healthy" and health["successRate"] == 0.5
    assert health["backlog"] == 0 and health["attempts"] == 2


async def test_slow_but_in_time_is_success(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    callback_id, _ = await hook(service, tenant, target)
    target.behaviours = [slow(0.2)]
    await send_email(service, tenant, "k-1")
    await deliver(service, target, events=1)
    [attempt] = await _attempts(service, tenant, callback_id)
    assert attempt["ok"] is True and int(attempt["latencyMs"]) >= 200  # type: ignore[call-overload]


async def test_429_retry_after_and_410_gone(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    callback_id, _ = await hook(service, tenant, target)
    target.behaviours = [status(429, {"Retry-After": "120"}), status(410)]
    await send_email(service, tenant, "k-1")
    await pump(service)
    waiting = await _batch(service)
    assert waiting.next_attempt_at - clock.ms == 120_000  # honoured exactly (within bounds)
    clock.advance(120)
    await pump(service)
    tenant = await reauthenticate(service, tenant)
    found = (
        await service.http.get(f"/platform/v1/ens-callbacks/{callback_id}", headers=tenant.headers)
    ).json()
    assert found["status"] == "disabled" and "410" in found["statusReason"]
    await send_email(service, tenant, "k-2")  # accumulates while disabled
    clock.advance(3600)
    await pump(service)
    assert len(target.batches) == 2  # nothing new went out
    tenant = await reauthenticate(service, tenant)
    enabled = await service.http.post(
        f"/platform/v1/ens-callbacks/{callback_id}/enable", headers=tenant.headers
    )
    assert enabled.json()["status"] == "verified"
    events = await deliver(service, target, events=4)  # k-1 twice before, then k-1, k-2
    assert sorted(e["info"]["messageKey"] for e in events[2:]) == ["k-1", "k-2"]


async def test_circuit_breaker_disables_then_delivers_in_order(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    # Strict order, so "in order" is observable: one batch in flight at a time.
    callback_id, _ = await hook(service, tenant, target, maxBatchSize=1, strictOrder=True)
    target.default = (503, "{}")
    await send_email(service, tenant, "k-1")
    await pump(service)
    for _ in range(2):
        clock.advance(1800)  # past each retry; failing for 3600 s trips the breaker
        await pump(service)
    tenant = await reauthenticate(service, tenant)
    found = (
        await service.http.get(f"/platform/v1/ens-callbacks/{callback_id}", headers=tenant.headers)
    ).json()
    assert found["status"] == "disabled", await _attempts(service, tenant, callback_id)
    assert "no successful delivery" in found["statusReason"]
    for n in (2, 3):
        await send_email(service, tenant, f"k-{n}")
    tries = len(target.batches)
    clock.advance(86400)
    await pump(service)
    assert len(target.batches) == tries  # disabled: nothing is sent, nothing is dropped
    tenant = await reauthenticate(service, tenant)
    target.default = (200, "{}")
    await service.http.post(
        f"/platform/v1/ens-callbacks/{callback_id}/enable", headers=tenant.headers
    )
    events = await deliver(service, target, events=tries + 3)
    assert [e["info"]["messageKey"] for e in events[tries:]] == ["k-1", "k-2", "k-3"]


async def test_strict_order_holds_newer_batches_behind_a_failing_one(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    await hook(service, tenant, target, maxBatchSize=1, strictOrder=True)
    target.behaviours = [status(500), status(500)]
    for n in range(1, 6):
        await send_email(service, tenant, f"k-{n}")
    for _ in range(4):
        await pump(service)
        clock.advance(400)
    events = await deliver(service, target, events=7)
    delivered = [e["info"]["messageKey"] for e in events]
    assert delivered == ["k-1", "k-1", "k-1", "k-2", "k-3", "k-4", "k-5"]


async def test_default_order_does_not_hold_newer_batches(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    await hook(service, tenant, target, maxBatchSize=1)
    target.behaviours = [status(500)]
    for n in range(1, 4):
        await send_email(service, tenant, f"k-{n}")
    events = await deliver(service, target, events=3)
    assert sorted(e["info"]["messageKey"] for e in events) == ["k-1", "k-2", "k-3"]
    assert [e["info"]["messageKey"] for e in events].count("k-1") == 1  # still waiting to retry


async def test_paused_subscription_buffers_or_drops(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    buffered_id, _ = await register(service, tenant, target, path="/buffered")
    dropped_id, _ = await register(service, tenant, target, path="/dropped")
    buffered = await subscribe(service, tenant, buffered_id, name="b", bufferWhilePaused=True)
    dropped = await subscribe(service, tenant, dropped_id, name="d")
    for subscription_id in (buffered, dropped):
        paused = await service.http.put(
            "/platform/v1/ens-subscriptions",
            headers=tenant.headers,
            json=[
                {"subscriptionId": subscription_id, "status": "paused", "statusReason": "deploy"}
            ],
        )
        assert paused.json()[0]["status"] == "paused"
    await send_email(service, tenant, "while-paused")
    await pump(service)
    assert target.batches == []
    for subscription_id in (buffered, dropped):
        await service.http.put(
            "/platform/v1/ens-subscriptions",
            headers=tenant.headers,
            json=[{"subscriptionId": subscription_id, "status": "active", "statusReason": "done"}],
        )
    await send_email(service, tenant, "after")
    await deliver(service, target, events=3)
    by_path = {
        path: [e["info"]["messageKey"] for b in target.batches if b.path == path for e in b.json()]
        for path in ("/buffered", "/dropped")
    }
    assert sorted(by_path["/buffered"]) == ["after", "while-paused"]
    assert by_path["/dropped"] == ["after"]  # SFMC semantics: paused without buffer drops


async def test_filters_replay_and_test_send(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    callback_id, key = await hook(
        service, tenant, target,
        types=["TransactionalSendEvents.EmailBounced"], filters=["smtpReason=5.1.1"],
    )  # fmt: skip
    started = clock.ms
    await send_email(service, tenant, "sent-1")
    await send_email(service, tenant, "bounce-1", to=f"bounce@{EMAIL_DOMAIN}")
    events = await deliver(service, target, events=1)
    assert [e["info"]["messageKey"] for e in events] == ["bounce-1"]
    clock.advance(1)
    replayed = await service.http.post(
        f"/platform/v1/ens-callbacks/{callback_id}/replay",
        headers=tenant.headers,
        json={"from": started, "eventCategoryTypes": ["EmailBounced"]},
    )
    assert replayed.status_code == 202 and replayed.json()["queued"] == 1
    events = await deliver(service, target, events=2)
    assert [e["info"]["messageKey"] for e in events[1:]] == ["bounce-1"]
    tested = await service.http.post(
        f"/platform/v1/ens-callbacks/{callback_id}/test", headers=tenant.headers
    )
    assert tested.json()["ok"] is True and tested.json()["statusCode"] == 200
    sample = target.batches[-1]
    standardwebhooks.Webhook("whsec_" + key).verify(sample.body, sample.headers)
    assert sample.json()[0]["definitionKey"] == "tidings-test"


async def test_regenerate_signs_with_both_keys_during_grace(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    callback_id, old_key = await hook(service, tenant, target)
    rotated = await service.http.put(
        "/platform/v1/ens-regenerate", headers=tenant.headers, json={"callbackId": callback_id}
    )
    new_key = rotated.json()["signatureKey"]
    assert new_key != old_key
    await send_email(service, tenant, "k-1")
    await deliver(service, target, events=1)
    batch = target.batches[-1]
    for key in (new_key, old_key):  # receivers on either key keep verifying
        standardwebhooks.Webhook("whsec_" + key).verify(batch.body, batch.headers)
    assert batch.headers["x-sfmc-ens-signature"] == sfmc_signature(new_key, batch.body)
    assert batch.headers["x-sfmc-ens-signature-previous"] == sfmc_signature(old_key, batch.body)
    clock.advance(86400 + 1)
    tenant = await reauthenticate(service, tenant)
    await send_email(service, tenant, "k-2")
    await deliver(service, target, events=2)
    later = target.batches[-1]
    assert "x-sfmc-ens-signature-previous" not in later.headers
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook("whsec_" + old_key).verify(later.body, later.headers)


async def test_keys_are_encrypted_at_rest_with_the_secret(
    database_url: str, clock: FakeClock
) -> None:
    settings = settings_for(
        database_url, allow_private_callbacks=True, secret_key="operator-secret-0123456789abcdef"
    )
    async with running(settings, clock) as service, receiver() as target:
        a = await make_tenant(service, "a")
        await email_definition(service, a)
        callback_id, key = await register(service, a, target)
        stored = await service.db.fetch_val(
            "SELECT signature_key FROM callbacks WHERE id = :id", {"id": callback_id}
        )
        await subscribe(service, a, callback_id)
        await send_email(service, a, "k-1")
        await deliver(service, target, events=1)
    assert stored.startswith("fernet:") and key not in stored
    batch = target.batches[0]
    standardwebhooks.Webhook("whsec_" + key).verify(batch.body, batch.headers)


async def _replay(service: Service, tenant: Tenant, callback_id: str, **body: object) -> Any:
    return await service.http.post(
        f"/platform/v1/ens-callbacks/{callback_id}/replay", headers=tenant.headers, json=body
    )


async def test_nothing_is_sent_to_an_unverified_callback(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    created = await service.http.post(
        "/platform/v1/ens-callbacks",
        headers=tenant.headers,
        json=[{"callbackName": "never verified", "url": target.url + "/unverified"}],
    )
    callback_id = created.json()[0]["callbackId"]
    await hook(service, tenant, target, path="/verified")
    await send_email(service, tenant, "k-1")
    await deliver(service, target, events=1)
    for path, body in (("/replay", {"from": 0}), ("/test", None)):
        refused = await service.http.post(
            f"/platform/v1/ens-callbacks/{callback_id}{path}", headers=tenant.headers, json=body
        )
        assert refused.status_code == 400, refused.text
        assert "is not verified" in refused.json()["message"], path
        assert refused.json()["errorcode"] == 10001
    # Rows owed to it (left by an earlier version's replay) are never batched nor POSTed.
    [event] = await events_of(service, tenant)
    async with service.db.write():
        await outbox.insert_rows(
            service.db,
            [outbox.Entry(tenant.account_id, callback_id, event, None, False, clock_ms(service))],
        )
    await pump(service)
    await pump(service)
    assert [b.path for b in target.batches] == ["/verified"]


async def events_of(service: Service, tenant: Tenant) -> list[int]:
    rows = await service.db.fetch_all(
        "SELECT id FROM events WHERE account_id = :a ORDER BY id", {"a": tenant.account_id}
    )
    return [int(row["id"]) for row in rows]


def clock_ms(service: Service) -> int:
    return service.runtime.now()


async def test_replay_sends_only_what_the_subscriptions_select(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    await email_definition(service, tenant, "newsletter")
    callback_id, _ = await hook(
        service, tenant, target,
        types=["TransactionalSendEvents.EmailSent"], filters=["definitionKey=order-confirm"],
    )  # fmt: skip
    started = clock.ms
    await send_email(service, tenant, "order-1")
    other = await service.http.post(
        "/messaging/v1/email/messages/news-1",
        headers=tenant.headers,
        json={"definitionKey": "newsletter", "recipient": {"contactKey": "c", "to": "c@ex.io"}},
    )
    assert other.status_code == 202, other.text
    await settle(service, tenant.account_id, "email", "news-1")
    broadcast = await service.http.post(
        "/api/v1/transactionals.json",
        headers=tenant.api_headers,
        json={"to": "ana@example.com", "subject": "Hi", "body": "Hello"},
    )
    assert broadcast.status_code == 201, broadcast.text
    await settle(service, tenant.account_id, "email", broadcast.json()["id"])
    await send_email(service, tenant, "order-2")
    await send_email(service, tenant, "not-sent", to=f"reject@{EMAIL_DOMAIN}")
    assert len(await events_of(service, tenant)) == 5
    await deliver(service, target, events=2)
    clock.advance(1)

    replayed = await _replay(service, tenant, callback_id, **{"from": started})
    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["queued"] == 2 and replayed.json()["truncated"] is False
    assert replayed.json()["eventCategoryTypes"] == ["TransactionalSendEvents.EmailSent"]
    events = await deliver(service, target, events=4)
    assert [e["info"]["messageKey"] for e in events[2:]] == ["order-1", "order-2"]

    for asked in (["EmailNotSent"], ["EmailSent", "EmailBounced"]):
        refused = await _replay(
            service, tenant, callback_id, **{"from": started, "eventCategoryTypes": asked}
        )
        assert refused.status_code == 400, refused.text
        assert "is not subscribed to" in refused.json()["message"]
    assert len(await events_of(service, tenant)) == 5
    await pump(service)
    assert len(target.events()) == 4


async def test_replay_is_bounded_per_call_and_goes_on_from_next_from(
    database_url: str, clock: FakeClock, target: Receiver
) -> None:
    settings = settings_for(database_url, **SERVICE_SETTINGS, replay_max_events=2)
    async with running(settings, clock) as service:
        tenant = await make_tenant(service, "a")
        await email_definition(service, tenant)
        callback_id, _ = await hook(service, tenant, target)
        await service.http.put(  # nothing is delivered but what the replays queue
            "/platform/v1/ens-subscriptions",
            headers=tenant.headers,
            json=[{"subscriptionId": (await subscription_ids(service, tenant))[0],
                   "status": "paused"}],
        )  # fmt: skip
        started = clock.ms
        for key in ("a-1", "a-2", "a-3"):  # one millisecond: never split across calls
            await send_email(service, tenant, key)
        clock.ms += 1
        for key in ("b-1", "b-2", "b-3"):
            await send_email(service, tenant, key)
            clock.ms += 1
        await service.http.put(
            "/platform/v1/ens-subscriptions",
            headers=tenant.headers,
            json=[{"subscriptionId": (await subscription_ids(service, tenant))[0],
                   "status": "active"}],
        )  # fmt: skip
        answers, since = [], started
        for _ in range(5):
            answer = (await _replay(service, tenant, callback_id, **{"from": since})).json()
            answers.append((answer["queued"], answer["truncated"]))
            if answer["nextFrom"] is None:
                break
            since = answer["nextFrom"]
        assert answers == [(3, True), (2, True), (1, False)]
        events = await deliver(service, target, events=6)
        assert [e["info"]["messageKey"] for e in events] == [
            "a-1",
            "a-2",
            "a-3",
            "b-1",
            "b-2",
            "b-3",
        ]


async def subscription_ids(service: Service, tenant: Tenant) -> list[str]:
    rows = await service.db.fetch_all(
        "SELECT id FROM subscriptions WHERE account_id = :a ORDER BY created_at",
        {"a": tenant.account_id},
    )
    return [row["id"] for row in rows]
