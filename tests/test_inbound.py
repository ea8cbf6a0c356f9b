"""Asynchronous outcomes: DSNs and JSON bounces, SMS delivery receipts, and their auth."""

from __future__ import annotations

import base64

from app.storage import events, messages, suppressions
from tests.conftest import FakeClock, Service, Tenant, make_tenant, running, settings_for
from tests.receiver import receiver
from tests.sending import dsn, email_definition, recipient, settle, sms_definition
from tests.smtp_server import smtp_server

TOKEN = "inbound-token-for-tests-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


SERVICE_SETTINGS = {"inbound_token": TOKEN}


async def _sent(service: Service, tenant: Tenant, key: str, to: str) -> messages.Message:
    response = await service.http.post(
        f"/messaging/v1/email/messages/{key}",
        headers=tenant.headers,
        json={"definitionKey": "order-confirm", "recipient": recipient(to)},
    )
    assert response.status_code == 202, response.text
    return await settle(service, tenant.account_id, "email", key)


async def test_dsn_for_a_message_sent_through_real_smtp(
    database_url: str, clock: FakeClock
) -> None:
    with smtp_server() as (url, handler):
        settings = settings_for(
            database_url, smtp_url=url, inbound_token=TOKEN, from_address="shop@mail.example.com"
        )
        async with running(settings, clock) as service:
            a = await make_tenant(service, "a")
            await email_definition(service, a)
            sent = await _sent(service, a, "k-1", "ana@example.com")
            assert sent.status == messages.SENT
            [got] = handler.received
            report = dsn(
                to=got.mail_from, recipient_address="ana@example.com", original=got.message
            )
            first = await service.http.post(
                "/inbound/bounces",
                content=report,
                headers=AUTH | {"Content-Type": "message/rfc822"},
            )
            again = await service.http.post("/inbound/bounces", content=report, headers=AUTH)
            found = await events.for_message(service.db, sent.id)
            bounced = await messages.get(service.db, sent.id)
            listed = await suppressions.is_suppressed(service.db, a.account_id, "ana@example.com")
            status = await service.http.get("/messaging/v1/email/messages/k-1", headers=a.headers)

    assert first.status_code == 200, first.text
    [recorded] = first.json()["recorded"]
    assert recorded["messageKey"] == "k-1" and recorded["duplicate"] is False
    assert again.json()["recorded"][0]["duplicate"] is True  # a re-delivered DSN adds nothing
    assert [e.type.rpartition(".")[2] for e in found] == ["EmailSent", "EmailBounced"]
    info = found[1].info
    assert (info["bounceCode"], info["smtpReason"]) == ("HARD", "5.1.1")
    assert info["to"] == "ana@example.com" and "User unknown" in info["bounceMessage"]
    assert bounced is not None and bounced.status == messages.BOUNCED
    assert listed  # 5.1.1: the mailbox does not exist
    assert status.json()["info"]["bounced"] is True


async def test_dsn_matched_by_verp_alone_soft_and_ignored(service: Service, tenant: Tenant) -> None:
    sent = await _sent(service, tenant, "k-2", "bo@example.com")
    verp = f"bounces+{sent.id}@bounces.example.com"
    delayed = await service.http.post(
        "/inbound/bounces",
        content=dsn(to=verp, recipient_address="bo@example.com", action="delayed", status="4.2.2"),
        headers=AUTH,
    )
    delivered = await service.http.post(
        "/inbound/bounces",
        content=dsn(
            to=verp, recipient_address="bo@example.com", action="delivered", status="2.0.0"
        ),
        headers=AUTH,
    )
    stray = await service.http.post(
        "/inbound/bounces",
        content=dsn(to="postmaster@example.com", recipient_address="nobody@example.com"),
        headers=AUTH,
    )
    assert delayed.json()["recorded"][0]["messageKey"] == "k-2"
    [_, soft] = await events.for_message(service.db, sent.id)
    assert (soft.info["bounceCode"], soft.info["smtpReason"]) == ("SOFT", "4.2.2")
    assert not await suppressions.is_suppressed(service.db, tenant.account_id, "bo@example.com")
    assert delivered.json() == {"recorded": [], "unmatched": [], "ignored": 1}
    assert stray.status_code == 200  # unmatched is reported, not retried forever
    assert stray.json()["unmatched"] == [{"recipient": "nobody@example.com", "smtpReason": "5.1.1"}]


async def test_json_bounce_and_its_errors(service: Service, tenants: tuple[Tenant, Tenant]) -> None:
    a, b = tenants
    await email_definition(service, a)
    sent = await _sent(service, a, "k-3", "cy@example.com")
    body = {
        "accountId": a.account_id,
        "messageKey": "K-3",
        "smtpReason": "5.7.1",
        "bounceMessage": "550 5.7.1 blocked by policy",
    }
    ok = await service.http.post("/inbound/bounces", json=body, headers=AUTH)
    assert ok.status_code == 200, ok.text
    [_, hard] = await events.for_message(service.db, sent.id)
    assert (hard.info["bounceCode"], hard.info["smtpReason"]) == ("HARD", "5.7.1")
    # A policy block says nothing about the mailbox: no suppression.
    assert not await suppressions.is_suppressed(service.db, a.account_id, "cy@example.com")

    async def post(payload: object, **headers: str) -> tuple[int, dict[str, object]]:
        response = await service.http.post(
            "/inbound/bounces", json=payload, headers=headers or AUTH
        )
        return response.status_code, response.json()

    assert (await post(body | {"accountId": b.account_id}))[0] == 404  # another account's key
    assert (await post({"recipient": "nobody@example.com", "accountId": a.account_id}))[0] == 404
    assert (await post(body | {"smtpReason": "bogus"}))[1]["errorcode"] == 10000
    assert (await post(body | {"bounceCode": "MEDIUM"}))[0] == 400
    assert (await post({"messageKey": "k-3"}))[0] == 400  # a key needs its account
    assert (await post({"bounceCode": "HARD"}))[0] == 400  # names no message
    assert (await post(["not", "an", "object"]))[0] == 400
    assert (await post(body, Authorization="Bearer wrong"))[0] == 401
    assert (await post(body, Authorization="Basic !!!"))[0] == 401
    basic = base64.b64encode(f"any:{TOKEN}".encode()).decode()
    assert (await post(body, Authorization=f"Basic {basic}"))[0] == 200
    garbage = await service.http.post("/inbound/bounces", content=b"hello", headers=AUTH)
    assert garbage.status_code == 400 and "delivery status" in garbage.json()["message"]
    broken = await service.http.post(
        "/inbound/bounces", content=b"{", headers=AUTH | {"Content-Type": "application/json"}
    )
    assert broken.status_code == 400 and broken.json()["errorcode"] == 10004
    nul = await service.http.post(  # PostgreSQL text cannot hold NUL: refused up front
        "/inbound/bounces",
        content=b'{"recipient": "a\\u0000@example.com"}',
        headers=AUTH | {"Content-Type": "application/json"},
    )
    assert nul.status_code == 400 and nul.json()["errorcode"] == 10004
    latin1 = dsn(to="x@example.com", recipient_address="cafE9@example.com").replace(
        b"cafE9",
        "café".encode("latin-1"),  # a non-UTF-8 byte in a header
    )
    odd = await service.http.post("/inbound/bounces", content=latin1, headers=AUTH)
    assert (
        odd.status_code == 200
        and odd.json()["unmatched"][0]["recipient"] == "caf\ufffd@example.com"
    )

    await email_definition(service, a, key="paused", status="Inactive")
    await service.http.post(
        "/messaging/v1/email/messages/held-1",
        headers=a.headers,
        json={"definitionKey": "paused", "recipient": recipient("dee@example.com")},
    )
    await service.runtime.sender.run_once()
    never = await post({"accountId": a.account_id, "messageKey": "held-1"})
    assert never[0] == 409  # not handed over yet, so it cannot have bounced


async def test_a_recipient_alone_names_no_message_in_any_account(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    """Anyone can mail the bounce mailbox: a DSN naming only Final-Recipient is unmatched."""
    a, b = tenants
    await email_definition(service, a)
    sent = await _sent(service, a, "k-4", "dan@example.com")
    forged = await service.http.post(
        "/inbound/bounces",
        content=dsn(to="bounces@bounces.example.com", recipient_address="dan@example.com"),
        headers=AUTH | {"Content-Type": "message/rfc822"},
    )
    by_address = await service.http.post(
        "/inbound/bounces",
        json={"recipient": "dan@example.com", "smtpReason": "5.1.1"},
        headers=AUTH,
    )
    elsewhere = await service.http.post(
        "/inbound/bounces",
        json={"recipient": "dan@example.com", "accountId": b.account_id, "smtpReason": "5.1.1"},
        headers=AUTH,
    )
    assert forged.status_code == 200, forged.text
    assert forged.json() == {
        "recorded": [],
        "unmatched": [{"recipient": "dan@example.com", "smtpReason": "5.1.1"}],
        "ignored": 0,
    }
    assert by_address.status_code == 400 and by_address.json()["errorcode"] == 10000
    assert elsewhere.status_code == 404  # B never mailed it; A's message is not B's
    assert [e.type for e in await events.for_message(service.db, sent.id)] == [
        "TransactionalSendEvents.EmailSent"
    ]
    assert not await suppressions.is_suppressed(service.db, a.account_id, "dan@example.com")
    owned = await service.http.post(
        "/inbound/bounces",
        json={"recipient": "dan@example.com", "accountId": a.account_id, "smtpReason": "5.1.1"},
        headers=AUTH,
    )
    assert owned.json()["recorded"][0]["messageKey"] == "k-4"  # named with its account: fine


async def test_inbound_is_closed_without_a_token(database_url: str, clock: FakeClock) -> None:
    async with running(settings_for(database_url), clock) as service:
        response = await service.http.post(
            "/inbound/bounces", json={"messageId": "x"}, headers=AUTH
        )
        receipt = await service.http.post("/inbound/sms/receipts", json={}, headers=AUTH)
    assert response.status_code == 403 and "TIDINGS_INBOUND_TOKEN" in response.json()["message"]
    assert receipt.status_code == 403


async def test_sms_gateway_and_delivery_receipts(database_url: str, clock: FakeClock) -> None:
    async with receiver() as gateway:
        gateway.answers = [(500, '{"error": "busy"}'), (201, '{"id": "SM-1"}')]
        gateway.default = (201, '{"id": "SM-2"}')
        settings = settings_for(
            database_url,
            inbound_token=TOKEN,
            sms_gateway_url=gateway.url + "/send",
            sms_gateway_authorization="Key gw-secret",
        )
        async with running(settings, clock) as service:
            a = await make_tenant(service, "a")
            await sms_definition(service, a)
            for key, to in (("otp-1", "+1 555 555 0101"), ("otp-2", "15555550102")):
                await service.http.post(
                    f"/messaging/v1/sms/messages/{key}",
                    headers=a.headers,
                    json={
                        "definitionKey": "otp",
                        "recipient": {"to": to, "attributes": {"Code": "7"}},
                    },
                )
                first = await settle(service, a.account_id, "sms", key, clock=clock)
                assert first.status == messages.SENT
            one = await messages.get_by_key(service.db, a.account_id, "sms", "otp-1")
            two = await messages.get_by_key(service.db, a.account_id, "sms", "otp-2")
            assert one is not None and two is not None
            delivered = await service.http.post(
                "/inbound/sms/receipts",
                json={"messageId": one.id, "status": "delivered", "from": "4915112345678"},
                headers=AUTH,
            )
            twilio = await service.http.post(
                "/inbound/sms/receipts",
                data={"MessageSid": "SM-2", "MessageStatus": "undelivered", "ErrorCode": "30003"},
                headers=AUTH,
            )
            unknown = await service.http.post(
                "/inbound/sms/receipts", json={"providerId": "SM-9", "status": "sent"}, headers=AUTH
            )
            bad = await service.http.post(
                "/inbound/sms/receipts", json={"messageId": one.id, "status": "??"}, headers=AUTH
            )
            one_events = await events.for_message(service.db, one.id)
            two_events = await events.for_message(service.db, two.id)
            two_after = await messages.get(service.db, two.id)

    posts = [r for r in gateway.requests if r.path == "/send"]
    assert len(posts) == 3  # the 500 was retried once
    assert posts[0].headers["Authorization"] == "Key gw-secret"
    assert b'"to":"15555550101"' in posts[0].body and b"Your code is 7" in posts[0].body
    assert delivered.status_code == 200, delivered.text
    assert [e.type.rpartition(".")[2] for e in one_events] == ["SmsSent", "SmsDelivered"]
    assert one_events[1].info["statusCode"] == "4000"
    assert one_events[1].info["fromAddress"] == "4915112345678"
    assert twilio.status_code == 200, twilio.text
    assert two_events[1].type.endswith("SmsBounced")
    assert two_events[1].info["statusCode"] == "30003"
    assert two_after is not None and two_after.status == messages.BOUNCED
    assert unknown.status_code == 404 and bad.status_code == 400
