"""Internationalised email addresses and phone numbers, end to end through both APIs."""

from __future__ import annotations

import dataclasses
import email.policy
from typing import Any

import pytest

from app.providers import Email, Sms, mime
from app.providers.sandbox import SMS_BOUNCE
from app.storage import messages
from tests.conftest import FakeClock, Service, Tenant, make_tenant, running, settings_for
from tests.sending import email_definition, recipient, settle
from tests.smtp_server import smtp_server

UTF8_LOCAL = "用户@例子.广告"  # no ASCII form: needs SMTPUTF8
UTF8_LOCAL_ENVELOPE = "用户@xn--fsqu00a.xn--4rr70v"  # the domain as IDNA A-labels
ACCENTED = "josé@exemplo.com.br"
IDN_DOMAIN = "ana@exämple.de"  # an ASCII local part: the domain's A-labels go anywhere
IDN_DOMAIN_ASCII = "ana@xn--exmple-cua.de"
INBOUND_TOKEN = "inbound-token-0123456789abcdef0123456789"
INBOUND = {"Authorization": f"Bearer {INBOUND_TOKEN}"}
SERVICE_SETTINGS = {"inbound_token": INBOUND_TOKEN}


async def _sfmc(service: Service, a: Tenant, key: str, to: str, definition: str) -> None:
    sent = await service.http.post(
        f"/messaging/v1/email/messages/{key}",
        headers=a.headers,
        json={"definitionKey": definition, "recipient": recipient(to)},
    )
    assert sent.status_code == 202 and sent.json()["errorcode"] == 0, sent.text


async def _broadcast(service: Service, a: Tenant, **fields: str) -> dict[str, Any]:
    created = await service.http.post(
        "/api/v1/transactionals.json",
        headers=a.api_headers,
        json={"subject": "Olá", "body": "<p>Olá</p>", **fields},
    )
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("provider", ["smtp", "sandbox"])
async def test_internationalised_addresses_send_end_to_end_through_both_apis(
    database_url: str, clock: FakeClock, provider: str
) -> None:
    with smtp_server() as (url, relay):
        settings = settings_for(
            database_url,
            smtp_url=url if provider == "smtp" else "",
            from_address="shop@example.com",
        )
        async with running(settings, clock) as service:
            a = await make_tenant(service, "a")
            await email_definition(service, a)
            await email_definition(service, a, "from-utf8", options={"fromAddress": ACCENTED})
            await _sfmc(service, a, "utf8", UTF8_LOCAL, "order-confirm")
            await _sfmc(service, a, "idn", "ana@EXÄMPLE.de", "order-confirm")
            await _sfmc(service, a, "from", "bo@example.com", "from-utf8")
            created = await _broadcast(service, a, to=ACCENTED, reply_to="zoë@exemplo.com.br")
            keys = ["utf8", "idn", "from", created["id"]]
            done = {key: await settle(service, a.account_id, "email", key) for key in keys}
            status = await service.http.get("/messaging/v1/email/messages/idn", headers=a.headers)

    assert {k: m.status for k, m in done.items()} == dict.fromkeys(keys, messages.SENT)
    assert done["idn"].recipient == IDN_DOMAIN  # one mailbox, one form: normalised
    assert status.json()["info"]["to"] == IDN_DOMAIN
    assert created["recipient_email"] == ACCENTED
    if provider == "sandbox":
        outbox = {m.message_id: m for m in service.runtime.sandbox.outbox if isinstance(m, Email)}
        assert {outbox[m.id].to for m in done.values()} == {
            UTF8_LOCAL, IDN_DOMAIN, "bo@example.com", ACCENTED
        }  # fmt: skip
        return
    got = {r.rcpt_tos[0]: r for r in relay.received}
    assert sorted(got) == sorted(
        [UTF8_LOCAL_ENVELOPE, IDN_DOMAIN_ASCII, "bo@example.com", ACCENTED]
    )
    utf8 = got[UTF8_LOCAL_ENVELOPE]
    assert utf8.smtp_utf8 and utf8.message["To"] == UTF8_LOCAL  # RFC 6532 UTF-8 header
    assert utf8.mail_from == f"bounces+{done['utf8'].id}@example.com"
    idn = got[IDN_DOMAIN_ASCII]
    assert not idn.smtp_utf8 and idn.message["To"] == IDN_DOMAIN_ASCII  # any relay takes it
    # Only the From header is not ASCII: SMTPUTF8 all the same (the envelope sender is VERP).
    assert got["bo@example.com"].smtp_utf8
    assert got["bo@example.com"].message["From"].addresses[0].username == "josé"
    broadcast = got[ACCENTED]
    assert broadcast.smtp_utf8 and broadcast.message["Reply-To"] == "zoë@exemplo.com.br"


async def test_a_relay_without_smtputf8_ends_such_a_message_not_sent_at_once(
    database_url: str, clock: FakeClock
) -> None:
    with smtp_server(smtputf8=False) as (url, relay):
        settings = settings_for(database_url, smtp_url=url)
        async with running(settings, clock) as service:
            a = await make_tenant(service, "a")
            await email_definition(service, a)
            await _sfmc(service, a, "utf8", UTF8_LOCAL, "order-confirm")
            await _sfmc(service, a, "idn", IDN_DOMAIN, "order-confirm")
            created = await _broadcast(service, a, to=ACCENTED)
            utf8 = await settle(service, a.account_id, "email", "utf8", clock=clock)
            broadcast = await settle(service, a.account_id, "email", created["id"], clock=clock)
            idn = await settle(service, a.account_id, "email", "idn", clock=clock)
            shown = await service.http.get("/messaging/v1/email/messages/utf8", headers=a.headers)

    for message in (utf8, broadcast):
        assert (message.status, message.status_code, message.attempts) == (
            messages.NOT_SENT, 100, 1
        )  # fmt: skip
        assert "does not offer SMTPUTF8" in (message.status_message or "")
    assert "does not offer SMTPUTF8" in shown.json()["info"]["reason"]
    assert idn.status == messages.SENT  # an IDN domain alone needs nothing of the relay
    assert [r.rcpt_tos for r in relay.received] == [[IDN_DOMAIN_ASCII]]


async def test_invalid_addresses_keep_their_error_bodies(service: Service) -> None:
    """Addresses refused before and after email-validator get the same bodies, byte for byte."""
    a = await make_tenant(service, "a")
    await email_definition(service, a)
    refusal = {
        "messageKey": "k-1",
        "errorcode": 109124,
        "message": "MCMS_UTM_Validation_email_does_not_pass_validation:"
        " to is not a valid email address",
    }
    sfmc = await service.http.post(
        "/messaging/v1/email/messages",
        headers=a.headers,
        json={
            "definitionKey": "order-confirm",
            "recipients": [
                recipient("ana.example.com") | {"messageKey": "k-1"},
                recipient("ok@example.com") | {"messageKey": "k-2"},
            ],
        },
    )
    assert sfmc.status_code == 202
    assert sfmc.json()["responses"] == [refusal, {"messageKey": "k-2"}]
    single = await service.http.post(
        "/messaging/v1/email/messages/k-1",
        headers=a.headers,
        json={"definitionKey": "order-confirm", "recipient": recipient("ana@exa_mple.com")},
    )
    assert single.status_code == 400
    assert {k: v for k, v in single.json().items() if k != "requestId"} == {
        "message": refusal["message"],
        "errorcode": 109124,
        "documentation": "",
        "responses": [refusal],
    }
    broadcast = await service.http.post(
        "/api/v1/transactionals.json",
        headers=a.api_headers,
        json={"to": "ana@", "subject": "s", "body": "b", "reply_to": "用户@例子"},
    )
    assert broadcast.status_code == 422
    assert broadcast.json() == {
        "errors": {"recipient_email": ["is invalid"], "reply_to": ["is invalid"]}
    }
    definition = await service.http.post(
        "/messaging/v1/email/definitions",
        headers=a.headers,
        json={
            "definitionKey": "d",
            "name": "d",
            "content": {"customerKey": "order-confirm-content"},
            "options": {"fromAddress": "shop@exa mple.com"},
        },
    )
    assert definition.status_code == 400
    assert definition.json() == {
        "message": "MCMS_UTM_Validation_InvalidValue: options.fromAddress must be an email address",
        "errorcode": 10005,
        "documentation": "",
    }
    cc = await service.http.post(
        "/messaging/v1/email/definitions",
        headers=a.headers,
        json={
            "definitionKey": "d",
            "name": "d",
            "content": {"customerKey": "order-confirm-content"},
            "options": {"cc": ["ok@example.com", "not an address"]},
        },
    )
    assert cc.json()["message"].endswith("options.cc must be an array of email addresses")
    suppression = await service.http.post(
        "/api/v1/suppressions", headers=a.headers, json={"address": "12"}
    )
    assert suppression.status_code == 422, suppression.text
    assert suppression.json() == {
        "errors": {"address": ["is not an email address or an E.164 phone number"]}
    }


async def test_one_mailbox_written_two_ways_is_one_address(service: Service) -> None:
    """Suppressions and bounce reports compare normal forms: Punycode finds Unicode."""
    a = await make_tenant(service, "a")
    await email_definition(service, a)
    await _sfmc(service, a, "s-0", IDN_DOMAIN, "order-confirm")
    assert (await settle(service, a.account_id, "email", "s-0")).status == messages.SENT
    report = {"recipient": "ANA@XN--EXMPLE-CUA.DE", "accountId": a.account_id}
    bounced = await service.http.post(
        "/inbound/bounces", headers=INBOUND, json=report | {"smtpReason": "5.1.1"}
    )
    assert bounced.status_code == 200, bounced.text
    listed = await service.http.get(
        "/api/v1/suppressions", params={"address": IDN_DOMAIN_ASCII}, headers=a.headers
    )
    assert [e["address"] for e in listed.json()["items"]] == [IDN_DOMAIN]
    added = await service.http.post(
        "/api/v1/suppressions", headers=a.headers, json={"address": "Bo@EXÄMPLE.de"}
    )
    assert added.status_code == 201 and added.json()["address"] == "bo@exämple.de"
    await _sfmc(service, a, "s-1", "ana@EXÄMPLE.de", "order-confirm")
    await _sfmc(service, a, "s-2", "bo@xn--exmple-cua.de", "order-confirm")
    for key in ("s-1", "s-2"):
        ended = await settle(service, a.account_id, "email", key)
        assert (ended.status, ended.status_code) == (messages.NOT_SENT, 27), key


async def _sms_definition(service: Service, a: Tenant, key: str, **subscriptions: str) -> None:
    body = {
        "definitionKey": key,
        "name": key,
        "content": {"message": "Your code is 1"},
        "subscriptions": {"shortCode": "12345", "keyword": "CODE", **subscriptions},
    }
    created = await service.http.post("/messaging/v1/sms/definitions", headers=a.headers, json=body)
    assert created.status_code == 201, created.text


async def test_sms_numbers_are_e164_with_the_definitions_country_as_region(
    service: Service, clock: FakeClock
) -> None:
    a = await make_tenant(service, "a")
    await _sms_definition(service, a, "us", countryCode="US")
    await _sms_definition(service, a, "plain")
    sends = {
        "national": ("us", "(202) 555-0123"),
        "sfmc-digits": ("us", "15555550123"),
        "reserved": ("us", "555-000-0001"),  # the sandbox's bouncing number, written nationally
        "plus": ("plain", "+49 151 12345678"),
        "bad": ("plain", "0151 12345678"),  # national, but no country to read it in
    }
    for key, (definition, to) in sends.items():
        response = await service.http.post(
            f"/messaging/v1/sms/messages/{key}",
            headers=a.headers,
            json={"definitionKey": definition, "recipient": {"to": to}},
        )
        assert response.status_code == (400 if key == "bad" else 202), response.text
        if key == "bad":
            assert response.json()["responses"] == [
                {
                    "messageKey": "bad",
                    "errorcode": 109121,
                    "message": "MCMS_UTM_Validation_InvalidValue_to:"
                    " to must be a mobile number with country code",
                }
            ]
    done = {
        k: await settle(service, a.account_id, "sms", k, clock=clock) for k in sends if k != "bad"
    }
    outbox = {m.message_id: m.to for m in service.runtime.sandbox.outbox if isinstance(m, Sms)}

    recipients = {k: m.recipient for k, m in done.items()}
    assert recipients == {
        "national": "12025550123",
        "sfmc-digits": "15555550123",
        "reserved": SMS_BOUNCE,
        "plus": "4915112345678",
    }
    assert {k: outbox[m.id] for k, m in done.items()} == recipients  # what the gateway gets
    assert done["reserved"].contact_key == SMS_BOUNCE
    assert done["reserved"].status == messages.BOUNCED  # the sandbox's story for that number
    assert await messages.get_by_key(service.db, a.account_id, "sms", "bad") is None


@pytest.mark.parametrize(
    ("address", "on_the_envelope"),
    [
        ("ana@example.com", "ana@example.com"),
        (IDN_DOMAIN, IDN_DOMAIN_ASCII),
        (UTF8_LOCAL, UTF8_LOCAL_ENVELOPE),
        ("bounces+m-1@exämple.de", "bounces+m-1@xn--exmple-cua.de"),
    ],
)
def test_envelope_addresses_carry_their_domain_as_a_labels(
    address: str, on_the_envelope: str
) -> None:
    assert mime.envelope(address) == on_the_envelope


def _email(**changes: Any) -> Email:
    plain = Email(
        message_id="m-1", from_address="shop@exämple.de", from_name="Shöp", to=IDN_DOMAIN,
        cc=("bo@exämple.de",), bcc=(), subject="s", html="<p>x</p>", text="x",
        reply_to="zoë@exämple.de",
    )  # fmt: skip
    return dataclasses.replace(plain, **changes)


def test_ascii_headers_carry_a_labels_and_utf8_headers_carry_addresses_as_written() -> None:
    assert mime.needs_smtputf8(_email())  # the reply-to's local part
    ascii_only = _email(reply_to=None)
    assert not mime.needs_smtputf8(ascii_only)
    head = mime.build(ascii_only, domain="exämple.de").as_bytes(policy=email.policy.SMTP)
    assert b"To: ana@xn--exmple-cua.de\r\n" in head and b"Cc: bo@xn--exmple-cua.de\r\n" in head
    assert b"<shop@xn--exmple-cua.de>" in head and b"@xn--exmple-cua.de>\r\nX-Tidings" in head
    assert head.isascii()
    utf8 = mime.build(_email(), domain="example.com").as_bytes(policy=email.policy.SMTPUTF8)
    assert "Reply-To: zoë@exämple.de\r\n".encode() in utf8
    assert "To: ana@exämple.de\r\n".encode() in utf8
    for local in ("josé", "用户", "zoë"):
        assert mime.needs_smtputf8(_email(to=f"{local}@example.com", reply_to=None))
        assert mime.needs_smtputf8(_email(from_address=f"{local}@example.com", reply_to=None))
        assert mime.needs_smtputf8(_email(bcc=(f"{local}@example.com",), reply_to=None))
