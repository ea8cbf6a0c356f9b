"""SFMC sends end to end on the sandbox: definitions, sends, outcomes, status, feed, queue."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.providers import Email, Sms
from app.providers.sandbox import EMAIL_DOMAIN, SMS_BOUNCE
from app.services.sending.pass_reads import PassReads
from app.storage import assets, events, messages, subscribers, suppressions
from app.storage import definitions as storage_definitions
from tests.conftest import FakeClock, Service, Tenant, reauthenticate
from tests.sending import ASSET, email_definition, recipient, settle, sms_definition

Tenants = tuple[Tenant, Tenant]


async def test_definition_lifecycle(service: Service, tenants: Tenants) -> None:
    a, b = tenants
    created = await email_definition(service, a, key="Order-Confirm", options={"cc": []})
    assert created["status"] == "Active"
    assert created["content"] == {"customerKey": "Order-Confirm-content"}
    assert created["options"]["trackLinks"] is True
    again = await service.http.post(
        "/messaging/v1/email/definitions",
        headers=a.headers,
        json={
            "definitionKey": "order-confirm",
            "name": "x",
            "content": {"customerKey": "Order-Confirm-content"},
        },
    )
    assert again.status_code == 409
    lowered = await service.http.get(
        "/messaging/v1/email/definitions/order-confirm/", headers=a.headers
    )
    assert lowered.status_code == 200
    assert lowered.json()["definitionKey"] == "Order-Confirm"  # stored casing echoed
    patched = await service.http.patch(
        "/messaging/v1/email/definitions/order-confirm",
        headers=a.headers,
        json={"status": "Inactive", "options": {"bcc": ["x@y.io"]}},
    )
    assert patched.json()["status"] == "Inactive"
    assert patched.json()["options"]["bcc"] == ["x@y.io"]
    assert patched.json()["options"]["trackLinks"] is True  # merged, not replaced
    listed = await service.http.get(
        "/messaging/v1/email/definitions?$filter=status%20eq%20inactive", headers=a.headers
    )
    assert [d["definitionKey"] for d in listed.json()["definitions"]] == ["Order-Confirm"]
    assert (
        await service.http.get("/messaging/v1/email/definitions/order-confirm", headers=b.headers)
    ).status_code == 404
    deleted = await service.http.delete(
        "/messaging/v1/email/definitions/Order-Confirm", headers=a.headers
    )
    assert deleted.json()["deletedDefinitionKey"].startswith("Order-Confirm-deleted-")
    missing = await service.http.get(
        "/messaging/v1/email/definitions/Order-Confirm", headers=a.headers
    )
    assert missing.status_code == 404
    assert missing.json()["errorcode"] == 30003
    reused = await email_definition(service, a, key="Order-Confirm2")
    assert reused["definitionKey"] == "Order-Confirm2"


async def test_definition_validation_errors(service: Service, tenants: Tenants) -> None:
    a = tenants[0]
    cases = [
        ("email", {"name": "n"}, 10002),
        ("email", {"definitionKey": "k", "name": "n", "content": {"customerKey": "none"}}, 10005),
        (
            "sms",
            {
                "definitionKey": "k",
                "name": "n",
                "content": {"message": "hi"},
                "subscriptions": {"shortCode": "123"},
            },
            109120,
        ),
        ("email", [1, 2], 10001),
    ]
    for channel, body, code in cases:
        response = await service.http.post(
            f"/messaging/v1/{channel}/definitions", json=body, headers=a.headers
        )
        assert response.status_code == 400, (body, response.text)
        assert response.json()["errorcode"] == code
    bad_json = await service.http.post(
        "/messaging/v1/email/definitions", content=b"{oops", headers=a.headers
    )
    assert bad_json.status_code == 400 and bad_json.json()["errorcode"] == 10004
    bad_filter = await service.http.get(
        "/messaging/v1/email/definitions?$filter=name eq x", headers=a.headers
    )
    assert bad_filter.status_code == 400


async def test_single_send_is_personalised_sent_and_recorded(
    service: Service, tenants: Tenants
) -> None:
    a = tenants[0]
    await email_definition(service, a)
    response = await service.http.post(
        "/messaging/v1/email/messages/order-A-1",
        headers=a.headers,
        json={"definitionKey": "order-confirm", "recipient": recipient(FirstName="<Ana & Co>")},
    )
    assert response.status_code == 202, response.text
    assert response.json()["errorcode"] == 0
    assert response.json()["responses"] == [{"messageKey": "order-A-1"}]
    message = await settle(service, a.account_id, "email", "order-A-1")
    assert message.status == messages.SENT
    sent = [m for m in service.runtime.sandbox.outbox if isinstance(m, Email)]
    assert sent[-1].subject == "Your order A-1 ✓"
    assert "<b>&lt;Ana &amp; Co&gt;</b>" in sent[-1].html  # attribute values escaped in HTML
    assert "Hello <Ana & Co>, order A-1" in sent[-1].text  # generated text view, unescaped
    assert "display:none" in sent[-1].html  # preheader as hidden preview text
    status = await service.http.get("/messaging/v1/email/messages/ORDER-a-1", headers=a.headers)
    assert status.json()["eventCategoryType"] == "TransactionalSendEvents.EmailSent"
    assert status.json()["info"]["messageKey"] == "order-A-1"
    [event] = await events.for_message(service.db, message.id)
    assert event.type == "TransactionalSendEvents.EmailSent"
    assert event.info["renderedSubject"] == "Your order A-1 ✓"


async def test_batch_partial_failure_and_generated_keys(service: Service, tenant: Tenant) -> None:
    response = await service.http.post(
        "/messaging/v1/email/messages",
        headers=tenant.headers,
        json={
            "definitionKey": "order-confirm",
            "attributes": {"OrderNo": "shared"},
            "recipients": [
                recipient("a@example.com") | {"messageKey": "k-1"},
                {"contactKey": "c2", "to": "not-an-email", "messageKey": "k-2"},
                {"contactKey": "c3", "to": "c@example.com", "attributes": {"FirstName": "Cy"}},
            ],
        },
    )
    assert response.status_code == 202
    body = response.json()
    assert body["errorcode"] == 109001
    assert "1 subscribers failed to queue out of 3" in body["message"]
    assert body["responses"][0] == {"messageKey": "k-1"}
    assert body["responses"][1]["errorcode"] == 109124
    generated = body["responses"][2]["messageKey"]
    assert len(generated) == 22
    third = await settle(service, tenant.account_id, "email", generated)
    assert third.attributes == {"OrderNo": "shared", "FirstName": "Cy"}  # recipient wins


async def test_whole_request_errors_use_the_sfmc_envelope(service: Service, tenant: Tenant) -> None:
    many = [recipient(f"r{i}@example.com") for i in range(2001)]
    cases = [
        ({"recipients": [recipient()]}, 109107),
        ({"definitionKey": "nope", "recipients": [recipient()]}, 109111),
        ({"definitionKey": "order-confirm", "recipients": many}, 109101),
        ({"definitionKey": "order-confirm", "recipients": []}, 109102),
        ({"definitionKey": "order-confirm", "recipients": [recipient()], "extra": 1}, 109122),
        (
            {
                "definitionKey": "order-confirm",
                "recipients": [recipient()],
                "attributes": {"nested": {"a": 1}},
            },
            10001,
        ),
    ]
    for body, code in cases:
        response = await service.http.post(
            "/messaging/v1/email/messages", json=body, headers=tenant.headers
        )
        assert response.status_code == 400, (code, response.text)
        assert response.json()["errorcode"] == code
        assert set(response.json()) >= {"message", "errorcode", "documentation"}


async def test_message_key_is_the_idempotency_key(service: Service, tenant: Tenant) -> None:
    body = {"definitionKey": "order-confirm", "recipient": recipient()}
    first = await service.http.post(
        "/messaging/v1/email/messages/idem-1", json=body, headers=tenant.headers
    )
    replay = await service.http.post(
        "/messaging/v1/email/messages/IDEM-1", json=body, headers=tenant.headers
    )
    assert first.status_code == replay.status_code == 202
    assert replay.json()["responses"] == [{"messageKey": "IDEM-1"}]
    changed = await service.http.post(
        "/messaging/v1/email/messages/idem-1",
        headers=tenant.headers,
        json={"definitionKey": "order-confirm", "recipient": recipient("other@example.com")},
    )
    assert changed.status_code == 400
    assert changed.json()["errorcode"] == 109110
    count = await service.db.fetch_val(
        "SELECT COUNT(*) FROM messages WHERE account_id = :a", {"a": tenant.account_id}
    )
    assert count == 1


async def test_inactive_definition_queues_until_reactivated(
    service: Service, tenants: Tenants
) -> None:
    a = tenants[0]
    await email_definition(service, a, status="Inactive")
    accepted = await service.http.post(
        "/messaging/v1/email/messages/held-1",
        headers=a.headers,
        json={"definitionKey": "order-confirm", "recipient": recipient()},
    )
    assert accepted.status_code == 202
    await service.runtime.sender.run_once()
    status = await service.http.get("/messaging/v1/email/messages/held-1", headers=a.headers)
    assert status.json()["eventCategoryType"] == "TransactionalSendEvents.EmailQueued"
    assert "info" not in status.json()
    queue = await service.http.get(
        "/messaging/v1/email/definitions/order-confirm/queue", headers=a.headers
    )
    assert queue.json()["count"] == 1
    await service.http.patch(
        "/messaging/v1/email/definitions/order-confirm",
        headers=a.headers,
        json={"status": "Active"},
    )
    refused = await service.http.delete(
        "/messaging/v1/email/definitions/order-confirm/queue", headers=a.headers
    )
    assert refused.status_code == 400 and refused.json()["errorcode"] == 30001
    assert (await settle(service, a.account_id, "email", "held-1")).status == messages.SENT


async def test_purged_queue_ends_not_sent_and_feeds_with_a_cursor(
    service: Service, tenants: Tenants
) -> None:
    a = tenants[0]
    await email_definition(service, a, status="Inactive")
    await service.http.post(
        "/messaging/v1/email/messages",
        headers=a.headers,
        json={
            "definitionKey": "order-confirm",
            "recipients": [recipient(f"p{i}@example.com") for i in range(3)],
        },
    )
    purged = await service.http.delete(
        "/messaging/v1/email/definitions/order-confirm/queue", headers=a.headers
    )
    assert purged.json()["message"] == "Queued"
    page = await service.http.get(
        "/messaging/v1/email/messages/?type=notSent&$pageSize=2", headers=a.headers
    )
    first = page.json()
    assert first["count"] == 2
    assert first["messages"][0]["statusCode"] == 39
    rest = await service.http.get(
        f"/messaging/v1/email/messages?type=NotSent&$pagesize=5&lastEventId={first['lastEventID']}",
        headers=a.headers,
    )
    assert rest.json()["count"] == 1
    assert rest.json()["messages"][0]["eventID"] > first["lastEventID"]


async def test_bounce_suppresses_and_missing_attribute_is_not_sent(
    service: Service, tenants: Tenants
) -> None:
    a = tenants[0]
    await email_definition(service, a)
    bounce_to = f"bounce@{EMAIL_DOMAIN}"
    await service.http.post(
        "/messaging/v1/email/messages/b-1",
        headers=a.headers,
        json={"definitionKey": "order-confirm", "recipient": recipient(bounce_to)},
    )
    bounced = await settle(service, a.account_id, "email", "b-1")
    assert bounced.status == messages.BOUNCED
    [event] = await events.for_message(service.db, bounced.id)
    assert event.info["bounceCode"] == "HARD" and event.info["smtpReason"] == "5.1.1"
    assert await suppressions.is_suppressed(service.db, a.account_id, bounce_to)
    await service.http.post(
        "/messaging/v1/email/messages/b-2",
        headers=a.headers,
        json={"definitionKey": "order-confirm", "recipient": recipient(bounce_to)},
    )
    again = await settle(service, a.account_id, "email", "b-2")
    assert (again.status, again.status_code) == (messages.NOT_SENT, 27)
    await service.http.post(
        "/messaging/v1/email/messages/m-1",
        headers=a.headers,
        json={
            "definitionKey": "order-confirm",
            "recipient": {"contactKey": "c", "to": "m@example.com", "attributes": {}},
        },
    )
    missing = await settle(service, a.account_id, "email", "m-1")
    assert (missing.status, missing.status_code) == (messages.NOT_SENT, 10)
    status = await service.http.get("/messaging/v1/email/messages/m-1", headers=a.headers)
    assert status.json()["info"]["statusCode"] == 10


async def test_sms_send_and_status(service: Service, tenants: Tenants) -> None:
    a, b = tenants
    await sms_definition(service, a)
    response = await service.http.post(
        "/messaging/v1/sms/messages/otp-1",
        headers=a.headers,
        json={
            "definitionKey": "otp",
            "recipient": {"to": "+1 555 555 0123", "attributes": {"Code": "481516"}},
        },
    )
    assert response.status_code == 202, response.text
    sent = await settle(service, a.account_id, "sms", "otp-1")
    assert sent.recipient == "15555550123" and sent.contact_key == "15555550123"
    texts = [m.text for m in service.runtime.sandbox.outbox if isinstance(m, Sms)]
    assert texts[-1] == "Your code is 481516"
    status = await service.http.get("/messaging/v1/sms/messages/otp-1", headers=a.headers)
    assert status.json()["eventCategoryType"] == "TransactionalSendEvents.SMSSent"
    assert (
        await service.http.get("/messaging/v1/sms/messages/otp-1", headers=b.headers)
    ).status_code == 404
    await service.http.post(
        "/messaging/v1/sms/messages/otp-2",
        headers=a.headers,
        json={"definitionKey": "otp", "recipient": {"to": SMS_BOUNCE, "attributes": {"Code": "1"}}},
    )
    assert (await settle(service, a.account_id, "sms", "otp-2")).status == messages.BOUNCED


async def test_send_scopes_are_enforced(service: Service, tenants: Tenants) -> None:
    from tests.conftest import make_tenant

    reader = await make_tenant(service, "reader", scopes="email_read")
    response = await service.http.post(
        "/messaging/v1/email/messages",
        headers=reader.headers,
        json={"definitionKey": "x", "recipients": [recipient()]},
    )
    assert response.status_code == 403 and response.json()["errorcode"] == 20002


async def test_held_messages_time_out_after_the_queue_window(
    service: Service, tenants: Tenants, clock: FakeClock
) -> None:
    a = tenants[0]
    await email_definition(service, a, status="Inactive")
    for key in ("old-1", "new-1"):
        a = await reauthenticate(service, a)  # the clock jumped past the token's lifetime
        await service.http.post(
            f"/messaging/v1/email/messages/{key}",
            headers=a.headers,
            json={"definitionKey": "order-confirm", "recipient": recipient()},
        )
        await service.runtime.sender.run_once()
        clock.advance(2 * 86400)  # old-1 is 4 days old at the end, new-1 only 2
    assert await service.runtime.jobs.expire_queues() == 1
    old = await messages.get_by_key(service.db, a.account_id, "email", "old-1")
    new = await messages.get_by_key(service.db, a.account_id, "email", "new-1")
    assert old is not None and (old.status, old.status_code) == (messages.NOT_SENT, 139)
    assert new is not None and new.status == messages.HELD
    [event] = await events.for_message(service.db, old.id)
    assert event.info["statusMessage"] == "TimedoutInQueue"


async def test_assets_belong_to_their_account(service: Service, tenants: Tenants) -> None:
    a, b = tenants
    created = await service.http.post("/asset/v1/content/assets", json=ASSET, headers=a.headers)
    asset_id = created.json()["id"]
    url = f"/asset/v1/content/assets/{asset_id}"
    assert (await service.http.get(url, headers=b.headers)).status_code == 404
    assert (await service.http.patch(url, json={"name": "x"}, headers=b.headers)).status_code == 404
    assert (await service.http.delete(url, headers=b.headers)).status_code == 404
    by_key = await service.http.get(
        "/asset/v1/content/assets?customerKey=order-confirm-content", headers=b.headers
    )
    assert by_key.json()["count"] == 0
    assert (await service.http.get(url, headers=a.headers)).json()["name"] == ASSET["name"]
    # B may reuse A's customerKey: keys are unique per account only.
    assert (
        await service.http.post("/asset/v1/content/assets", json=ASSET, headers=b.headers)
    ).status_code == 201


async def test_a_send_sees_its_definition_paused_or_deleted_at_once_though_sends_cache_it(
    service: Service, tenants: Tenants
) -> None:
    """Sends read their definition through a short cache; a change made here drops it."""
    a = tenants[0]
    await email_definition(service, a)

    async def send(key: str) -> tuple[int, dict[str, object]]:
        sent = await service.http.post(
            f"/messaging/v1/email/messages/{key}",
            headers=a.headers,
            json={"definitionKey": "order-confirm", "recipient": recipient()},
        )
        return sent.status_code, sent.json()

    assert (await send("cached-1"))[0] == 202  # the definition is cached now
    await service.http.patch(
        "/messaging/v1/email/definitions/order-confirm",
        headers=a.headers,
        json={"status": "Inactive"},
    )
    assert (await send("cached-2"))[0] == 202
    stored = await messages.get_by_key(service.runtime.db, a.account_id, "email", "cached-2")
    assert stored is not None and stored.status == messages.HELD  # accepted as paused
    await service.http.delete("/messaging/v1/email/definitions/order-confirm", headers=a.headers)
    status, body = await send("cached-3")
    assert status == 400 and body["errorcode"] == 109111


async def test_a_sender_pass_reads_what_its_messages_share_once(
    service: Service, tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The five messages commit together, so the pass the commit wakes delivers all five: one
    read of their definition, of its asset, of their suppressions and of their subscribers.
    Each still gets its own outcome: the suppressed recipient's is NotSent, and the contact
    that two messages share is added once and both are sent."""
    a = tenants[0]
    await email_definition(service, a)
    suppressed = await service.http.post(
        "/api/v1/suppressions", json={"address": "Once3@example.com"}, headers=a.headers
    )
    assert suppressed.status_code == 201
    reads: list[str] = []
    for module, name in (
        (storage_definitions, "get"), (assets, "get_by_key"),
        (suppressions, "suppressed_among"), (subscribers, "get_many"),
    ):  # fmt: skip
        real = getattr(module, name)

        async def counted(*args: object, _real=real, _name=name) -> object:  # type: ignore[no-untyped-def]
            reads.append(_name)
            return await _real(*args)

        monkeypatch.setattr(module, name, counted)
    sent = [recipient(f"once{i}@example.com") for i in range(4)]
    sent.append(recipient("once4@example.com") | {"contactKey": "once0@example.com"})
    accepted = await service.http.post(
        "/messaging/v1/email/messages",
        headers=a.headers,
        json={"definitionKey": "order-confirm", "recipients": sent},
    )
    assert accepted.status_code == 202
    keys = [answer["messageKey"] for answer in accepted.json()["responses"]]
    deadline = time.monotonic() + 10  # the service's own sender delivers them: not settle(),
    while time.monotonic() < deadline:  # whose passes would run beside it and split them
        found = [await messages.get_by_key(service.db, a.account_id, "email", k) for k in keys]
        if all(m is not None and m.status in messages.FINAL for m in found):
            break
        await asyncio.sleep(0.01)
    statuses = [m.status if m else None for m in found]
    assert statuses == [messages.SENT] * 3 + [messages.NOT_SENT, messages.SENT]
    assert sorted(reads) == ["get", "get_by_key", "get_many", "suppressed_among"]
    shared = await subscribers.get(service.db, a.account_id, "once0@example.com")
    assert shared is not None


async def test_a_pass_of_two_accounts_reads_each_accounts_own_suppressions_and_subscribers(
    service: Service, tenants: Tenants
) -> None:
    """One address, one contact key, two accounts, one pass: A suppresses the address, B does
    not; each message sees its own account's suppressions and subscriber (each account's own
    delivery may have added its subscriber meanwhile)."""
    a, b = tenants
    stored = []
    for tenant in (a, b):
        await email_definition(service, tenant)
        sent = await service.http.post(
            "/messaging/v1/email/messages",
            headers=tenant.headers,
            json={"definitionKey": "order-confirm", "recipients": [recipient("x@example.com")]},
        )
        assert sent.status_code == 202
        key = sent.json()["responses"][0]["messageKey"]
        stored.append(await messages.get_by_key(service.db, tenant.account_id, "email", key))
    of_a, of_b = stored
    assert of_a is not None and of_b is not None
    now = service.runtime.now()
    await suppressions.add(service.db, suppressions.Suppression(
        a.account_id, "x@example.com", "test", "operator", None, now))  # fmt: skip
    for order in ([of_a, of_b], [of_b, of_a]):
        reads = PassReads(service.db, order)
        assert [await reads.suppressed(m) for m in (of_a, of_b)] == [True, False]
        found = [await reads.subscriber(m) for m in (of_a, of_b)]
        accounts = [f.account_id for f in found if f is not None]
        assert accounts in ([a.account_id, b.account_id], [a.account_id], [b.account_id], [])
        assert found[0] is None or found[0].account_id == a.account_id
