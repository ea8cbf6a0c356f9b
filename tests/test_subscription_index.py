"""Subscriptions per account: limits, matching through an index by event type that every
process reloads when the account's subscriptions change, and no subscription outliving its
callback."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

import pytest

from app import clock as real_clock
from app.services.access import credentials
from app.services.wakeups import NOBODY
from app.services.webhooks import fanout
from app.services.webhooks import subscriptions as subscription_service
from app.storage import callbacks, events, subscriptions
from app.storage.db import Db
from app.wire.subscriptions import SubscriptionIn, SubscriptionPatch
from tests.conftest import FakeClock, Service, Tenant, make_tenant, running, settings_for
from tests.receiver import Receiver
from tests.sending import email_definition
from tests.webhooks import ALL_EMAIL, register, send_email, subscribe

SERVICE_SETTINGS = {
    "allow_private_callbacks": True,
    "callbacks_per_account": 2,
    "subscriptions_per_account": 3,
}
SENT, SMS_SENT = "TransactionalSendEvents.EmailSent", "TransactionalSendEvents.SmsSent"


def _event(account_id: int, type_: str = SENT, definition_key: str = "order") -> events.Event:
    return events.Event(
        event_id=str(uuid.uuid4()), account_id=account_id, message_id="m", channel="email",
        type=type_, definition_key=definition_key, definition_id="d", occurred_at=0, info={},
    )  # fmt: skip


def _subscription(types: list[str], filters: list[str] | None = None) -> subscriptions.Subscription:
    return subscriptions.Subscription(
        id=str(uuid.uuid4()), account_id=1, callback_id="c", name="s", event_types=types,
        filters=filters or [], status=subscriptions.ACTIVE, status_reason="",
        buffer_while_paused=False, created_at=0, updated_at=0,
    )  # fmt: skip


def test_an_event_looks_only_at_subscriptions_that_could_match_it() -> None:
    """400 subscriptions for other types or other definitions are not even looked at."""
    other_type = [_subscription([SMS_SENT]) for _ in range(200)]
    other_definition = [_subscription([SENT], [f"definitionKey=other-{n}"]) for n in range(200)]
    unfiltered = _subscription([SENT, SMS_SENT])
    for_order = _subscription([SENT], ["definitionKey=ORDER", "statusCode=1"])
    paused = dataclasses.replace(_subscription([SENT]), status=subscriptions.PAUSED)
    index = fanout.Index.of(7, [*other_type, *other_definition, unfiltered, for_order, paused])
    assert index.candidates(_event(1)) == (unfiltered, for_order)
    assert index.candidates(_event(1, definition_key="nothing")) == (unfiltered,)
    assert index.candidates(_event(1, "TransactionalSendEvents.EmailBounced")) == ()


async def _verified_callback(db: Db, account_id: int) -> str:
    now = real_clock.now_ms()
    callback_id = str(uuid.uuid4())
    async with db.write():
        await callbacks.insert(
            db,
            callbacks.Callback(
                id=callback_id, account_id=account_id, name=callback_id,
                url=f"https://hooks.example.com/{callback_id}", max_batch_size=1, verified=True,
                signature_key="unused", options={}, created_at=now, updated_at=now,
            ),
        )  # fmt: skip
    return callback_id


async def test_the_index_follows_changes_made_through_another_handle(
    db: Db, database_url: str
) -> None:
    """Two handles on one database are two processes: the one that matches events sees every
    subscription change the other commits, and rebuilds only then."""
    other = Db(database_url)
    await other.connect()
    try:
        account = await credentials.create_account(db, name="a", now=real_clock.now_ms())
        callback_id = await _verified_callback(db, account.id)

        async def candidates(type_: str = SENT) -> int:
            async with other.write():
                return len(
                    (await fanout.index_for(other, account.id)).candidates(
                        _event(account.id, type_)
                    )
                )

        assert await candidates() == 0
        [made] = await subscription_service.create(
            db, account.id, [SubscriptionIn.model_validate({"subscriptionName": "s",
            "callbackId": callback_id, "eventCategoryTypes": [SENT]})], now=1, limit=10,
        )  # fmt: skip
        assert await candidates() == 1
        cached = await fanout.index_for(other, account.id)
        assert await fanout.index_for(other, account.id) is cached  # nothing changed: no reload
        changes = SubscriptionPatch.model_validate(
            {"subscriptionId": made["subscriptionId"], "eventCategoryTypes": [SMS_SENT]}
        )
        await subscription_service.update(db, account.id, [changes], now=2, wake=NOBODY)
        assert (await candidates(), await candidates(SMS_SENT)) == (0, 1)
        pause = SubscriptionPatch.model_validate(
            {"subscriptionId": made["subscriptionId"], "status": "paused"}
        )
        await subscription_service.update(db, account.id, [pause], now=3, wake=NOBODY)
        assert await candidates(SMS_SENT) == 0  # paused without buffering: dropped
        await subscription_service.delete(db, account.id, made["subscriptionId"])
        assert await candidates(SMS_SENT) == 0
    finally:
        await other.disconnect()


def _limit_error(response: Any, what: str, limit: int, setting: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) >= {"message", "errorcode", "documentation"}, body
    assert f"at most {limit} {what}" in body["message"] and setting in body["message"]


async def test_callbacks_and_subscriptions_per_account_are_limited(
    service: Service, target: Receiver
) -> None:
    a, b = await make_tenant(service, "a"), await make_tenant(service, "b")
    first, _ = await register(service, a, target, "/1")
    await register(service, a, target, "/2")
    third = await service.http.post(
        "/platform/v1/ens-callbacks",
        headers=a.headers,
        json=[{"callbackName": "three", "url": target.url + "/3"}],
    )
    _limit_error(third, "callbacks", 2, "TIDINGS_CALLBACKS_PER_ACCOUNT")
    await register(service, b, target, "/b")  # another account has its own allowance
    for n in range(3):
        await subscribe(service, a, first, name=f"s{n}")
    fourth = await _subscribe(service, a, first, "s3")
    _limit_error(fourth, "subscriptions", 3, "TIDINGS_SUBSCRIPTIONS_PER_ACCOUNT")
    listed = await service.http.get(
        f"/platform/v1/ens-callbacks/{first}/subscriptions", headers=a.headers
    )
    assert len(listed.json()) == 3


async def _subscribe(service: Service, tenant: Tenant, callback_id: str, name: str) -> Any:
    return await service.http.post(
        "/platform/v1/ens-subscriptions",
        headers=tenant.headers,
        json=[
            {"subscriptionName": name, "callbackId": callback_id, "eventCategoryTypes": ALL_EMAIL}
        ],
    )


@pytest.mark.parametrize("rounds", [15])
async def test_a_subscription_never_outlives_its_callback(service: Service, rounds: int) -> None:
    """Create-subscription and delete-callback at the same time: exactly one wins, never a
    500, and no subscription is left without its callback."""
    a = await make_tenant(service, "a")
    outcomes: set[tuple[int, int]] = set()
    for n in range(rounds):
        callback_id = await _verified_callback(service.db, a.account_id)
        create = _subscribe(service, a, callback_id, f"race-{n}")
        delete = service.http.delete(f"/platform/v1/ens-callbacks/{callback_id}", headers=a.headers)
        if n % 2:
            deleted, created = await asyncio.gather(delete, create)
        else:
            created, deleted = await asyncio.gather(create, delete)
        outcomes.add((created.status_code, deleted.status_code))
        assert (created.status_code, deleted.status_code) in {(201, 409), (404, 200)}, (
            created.text,
            deleted.text,
        )
        orphans = await service.db.fetch_val(
            "SELECT COUNT(*) FROM subscriptions s"
            " WHERE NOT EXISTS (SELECT 1 FROM callbacks c WHERE c.id = s.callback_id)"
        )
        assert orphans == 0
        if created.status_code == 201:  # it stands, whole; then make room for the next round
            url = f"/platform/v1/ens-subscriptions/{created.json()[0]['subscriptionId']}"
            shown = await service.http.get(url, headers=a.headers)
            assert shown.status_code == 200, shown.text
            assert (await service.http.delete(url, headers=a.headers)).status_code == 200
    assert len(outcomes) >= 1


async def test_a_worker_matches_what_another_process_committed(
    database_url: str, clock: FakeClock, target: Receiver
) -> None:
    """Two services on one database: subscriptions change through one, events are written by
    the other's sender, and each event is fanned out by the subscriptions of that moment."""
    settings = settings_for(database_url, allow_private_callbacks=True)
    async with running(settings, clock) as api, running(settings, clock) as worker:
        await api.runtime.sender.stop()  # every outcome is written by the worker
        a = await make_tenant(api, "a")
        await email_definition(api, a)
        callback_id, _ = await register(api, a, target)
        subscription_id = await subscribe(api, a, callback_id, [SENT])

        async def owed_after_send(key: str) -> int:
            await send_email(worker, a, key)
            found = await api.db.fetch_val(
                "SELECT COUNT(*) FROM outbox WHERE account_id = :a", {"a": a.account_id}
            )
            return int(found)

        async def retype(types: list[str]) -> None:
            changed = await api.http.put(
                "/platform/v1/ens-subscriptions",
                headers=a.headers,
                json=[{"subscriptionId": subscription_id, "eventCategoryTypes": types}],
            )
            assert changed.status_code == 200, changed.text

        assert await owed_after_send("k1") == 1
        await retype([SMS_SENT])
        assert await owed_after_send("k2") == 1  # the worker's index was rebuilt: no match
        await retype([SENT])
        assert await owed_after_send("k3") == 2
