"""Email over a real SMTP server: the MIME it receives, bounces at RCPT, deferrals."""

from __future__ import annotations

import dataclasses
import re

import pytest

from app import clock as app_clock
from app.providers import Email, Result, mime
from app.services.sending import render
from app.storage import events, jsonb, messages, suppressions
from app.wire import validate
from tests.conftest import FakeClock, Service, Tenant, make_tenant, running, settings_for
from tests.sending import email_definition, recipient, settle
from tests.smtp_server import smtp_server


async def test_mime_bounces_and_deferrals_through_a_real_smtp_server(
    database_url: str, clock: FakeClock
) -> None:
    with smtp_server() as (url, handler):
        settings = settings_for(
            database_url, smtp_url=url, from_address="shop@mail.example.com", from_name="Shöp"
        )
        async with running(settings, clock) as service:
            a = await make_tenant(service, "a")
            await email_definition(
                service, a, options={"cc": ["cc@example.com"], "bcc": ["audit@example.com"]}
            )
            subject_attack = {"OrderNo": "1\r\nBcc: victim@example.com"}
            batch = {
                "definitionKey": "order-confirm",
                "recipients": [
                    recipient("ana@example.com", **subject_attack) | {"messageKey": "ok"},
                    recipient("reject@example.com") | {"messageKey": "bad"},
                    recipient("later@example.com") | {"messageKey": "slow"},
                ],
            }
            response = await service.http.post(
                "/messaging/v1/email/messages", json=batch, headers=a.headers
            )
            assert response.status_code == 202
            sent = await settle(service, a.account_id, "email", "ok")
            bounced = await settle(service, a.account_id, "email", "bad")
            await service.runtime.sender.run_once()
            slow = await messages.get_by_key(service.db, a.account_id, "email", "slow")

    assert sent.status == messages.SENT
    [got] = [r for r in handler.received if "ana@example.com" in r.rcpt_tos]
    assert got.mail_from == f"bounces+{sent.id}@mail.example.com"  # VERP return path
    assert sorted(got.rcpt_tos) == ["ana@example.com", "audit@example.com", "cc@example.com"]
    mime = got.message
    assert mime["Subject"] == "Your order 1 Bcc: victim@example.com ✓"  # CR/LF cannot inject
    assert "Bcc" not in mime and mime["Cc"] == "cc@example.com"
    assert mime["From"] == "Shöp <shop@mail.example.com>"
    assert mime["Message-ID"].endswith("@mail.example.com>")
    assert mime.get_content_type() == "multipart/alternative"
    text = mime.get_body(("plain",)).get_content()
    html = mime.get_body(("html",)).get_content()
    assert "Hello Ana, order 1" in text and "<b>Ana</b>" in html

    assert bounced.status == messages.BOUNCED
    [event] = await _events(database_url, bounced.id)
    assert event.info["bounceCode"] == "HARD"
    assert event.info["smtpReason"] == "5.1.1"
    assert slow is not None and slow.status == messages.QUEUED  # 451: retried later
    assert slow.attempts == 1 and slow.next_attempt_at > clock.ms
    assert "4.3.0" in (slow.status_message or "")


async def _events(database_url: str, message_id: str) -> list[events.Event]:
    from app.storage.db import Db

    db = Db(database_url)
    await db.connect()
    try:
        return await events.for_message(db, message_id)
    finally:
        await db.disconnect()


BREAKS = {"U+2028": "\u2028", "U+2029": "\u2029", "U+0085": "\x85", "VT": "\v", "FF": "\f"}
BREAKS |= {"CR": "\r", "LF": "\n"}
_ANY_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


async def _refusals(service: Service, a: Tenant, name: str, char: str) -> None:
    """Static header fields holding ``char`` are refused at the API, naming the field."""
    definition = await service.http.post(
        "/messaging/v1/email/definitions",
        headers=a.headers,
        json={
            "definitionKey": f"d-{name}",
            "name": f"d-{name}",
            "content": {"customerKey": "order-confirm-content"},
            "options": {"fromName": f"Shop{char}Team"},
        },
    )
    assert definition.status_code == 400, (name, definition.text)
    assert definition.json()["errorcode"] == 10005
    assert "options.fromName" in definition.json()["message"]
    asset = await service.http.post(
        "/asset/v1/content/assets",
        headers=a.headers,
        json={
            "name": name,
            "customerKey": f"c-{name}",
            "views": {"subjectline": {"content": f"Hi{char}there"}},
        },
    )
    assert asset.status_code == 400 and "views.subjectline" in asset.json()["message"], name
    to = await service.http.post(
        f"/messaging/v1/email/messages/to-{name}",
        headers=a.headers,
        json={"definitionKey": "order-confirm", "recipient": recipient(f"ana@example.com{char}")},
    )
    assert to.json()["responses"][0]["errorcode"] == 109124, (name, to.text)
    reply_to = await service.http.post(
        "/api/v1/transactionals.json",
        headers=a.api_headers,
        json={"to": "ana@example.com", "subject": "s", "body": "b",
              "reply_to": f"r@example.com{char}Bcc: x@example.com"},
    )  # fmt: skip
    assert reply_to.status_code == 422 and "reply_to" in reply_to.json()["errors"], name


@pytest.mark.parametrize("provider", ["smtp", "sandbox"])
async def test_line_breaks_of_every_kind_are_refused_or_normalised(
    database_url: str, clock: FakeClock, provider: str
) -> None:
    with smtp_server() as (url, handler):
        settings = settings_for(
            database_url,
            smtp_url=url if provider == "smtp" else "",
            from_address="shop@mail.example.com",
            from_name="Shop\u2028Team",  # the operator's default, from the environment
        )
        async with running(settings, clock) as service:
            a = await make_tenant(service, "a")
            await email_definition(service, a)
            keys = []
            for name, char in BREAKS.items():
                await _refusals(service, a, name, char)
                # Values substituted at render time, and Broadcast's fields, are normalised.
                attack = {"OrderNo": f"1{char}Bcc: victim@example.com"}
                sfmc = await service.http.post(
                    f"/messaging/v1/email/messages/s-{name}",
                    headers=a.headers,
                    json={
                        "definitionKey": "order-confirm",
                        "recipient": recipient(f"s-{name}@example.com", **attack),
                    },
                )
                assert sfmc.status_code == 202 and sfmc.json()["errorcode"] == 0, sfmc.text
                broadcast = await service.http.post(
                    "/api/v1/transactionals.json",
                    headers=a.api_headers,
                    json={"to": f"b-{name}@example.com", "subject": f"Hi{char}X-Injected: 1",
                          "recipient_name": f"Ana{char}Smith", "body": "b"},
                )  # fmt: skip
                assert broadcast.status_code == 201, broadcast.text
                assert broadcast.json()["subject"] == "Hi X-Injected: 1"
                keys += [f"s-{name}", broadcast.json()["id"]]
            done = [await settle(service, a.account_id, "email", key) for key in keys]
            outbox = [m for m in service.runtime.sandbox.outbox if isinstance(m, Email)]

    assert [(m.status, m.attempts) for m in done] == [(messages.SENT, 1)] * len(keys)
    if provider == "smtp":
        heads = [{k: str(v) for k, v in r.message.items()} for r in handler.received]
    else:
        heads = [{"Subject": m.subject, "From": m.from_name, "To": m.to_name} for m in outbox]
    assert len(heads) == len(keys)
    for head in heads:
        assert "X-Injected" not in head and "Bcc" not in head
        assert not any(_ANY_BREAK.search(value) for value in head.values()), head
    subjects = sorted({h["Subject"] for h in heads})
    assert subjects == ["Hi X-Injected: 1", "Your order 1 Bcc: victim@example.com ✓"]
    assert all("Shop Team" in h["From"] for h in heads)
    assert sum("Ana Smith" in h["To"] for h in heads) == len(BREAKS)


@pytest.mark.parametrize("provider", ["smtp", "sandbox"])
async def test_a_message_that_cannot_be_built_ends_not_sent_at_once(
    database_url: str, clock: FakeClock, provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    with smtp_server() as (url, handler):
        settings = settings_for(database_url, smtp_url=url if provider == "smtp" else "")
        async with running(settings, clock) as service:
            a = await make_tenant(service, "a")
            later = clock.ms + 3600_000
            created = await service.http.post(
                "/api/v1/transactionals.json",
                headers=a.api_headers,
                json={"to": "ana@example.com", "subject": "s", "body": "b",
                      "queue_at": app_clock.iso_utc(later)},
            )  # fmt: skip
            assert created.status_code == 201, created.text
            message_id = created.json()["id"]
            # A row an older version accepted: a reply-to no header can hold.
            stored = await messages.get(service.db, message_id)
            assert stored is not None
            broken = stored.overrides | {"reply_to": "r@example.com\u2028Bcc: x@example.com"}
            await service.db.execute(
                "UPDATE messages SET overrides = :o WHERE id = :id",
                {"o": jsonb.dump(broken), "id": message_id},
            )
            ended = await settle(service, a.account_id, "email", message_id, clock=clock)
            found = await events.for_message(service.db, message_id)
            shown = await service.http.get(
                f"/api/v1/transactionals/{message_id}.json", headers=a.api_headers
            )

    assert (ended.status, ended.status_code, ended.attempts) == (messages.NOT_SENT, 103, 1)
    assert [e.info["statusCode"] for e in found] == ["103"]
    assert found[0].info["statusMessage"] == "MessageBuildError"
    assert "could not be built" in found[0].info["reason"]
    assert shown.json()["status_reason"].startswith("MessageBuildError (103)")
    assert handler.received == []
    assert not [r for r in caplog.records if r.exc_info or "internal error" in r.getMessage()]


async def test_a_relay_refusing_our_sender_is_not_sent_and_suppresses_nobody(
    database_url: str, clock: FakeClock
) -> None:
    refusals = {
        "from-518": ("ana@example.com", "553 5.1.8 <x>: Sender address rejected: Domain not found"),
        "from-auth": ("bo@example.com", "530 5.7.0 Authentication required"),
        "rcpt-518": ("badsender@example.com", None),  # 5.1.8 at RCPT, about our sender
    }
    with smtp_server() as (url, handler):
        settings = settings_for(database_url, smtp_url=url, from_address="shop@mail.example.com")
        async with running(settings, clock) as service:
            a = await make_tenant(service, "a")
            await email_definition(service, a)
            ended = {}
            for key, (to, answer) in refusals.items():
                handler.refuse_sender = answer
                await service.http.post(
                    f"/messaging/v1/email/messages/{key}",
                    headers=a.headers,
                    json={"definitionKey": "order-confirm", "recipient": recipient(to)},
                )
                ended[key] = await settle(service, a.account_id, "email", key)
            found = {k: await events.for_message(service.db, m.id) for k, m in ended.items()}
            listed = [
                await suppressions.is_suppressed(service.db, a.account_id, to)
                for to, _ in refusals.values()
            ]
            summary = await service.http.get("/api/v1/stats/summary", headers=a.headers)

    for key, message in ended.items():
        assert (message.status, message.status_code) == (messages.NOT_SENT, 140), key
        assert "sender" in (message.status_message or ""), key
        assert [e.type.rpartition(".")[2] for e in found[key]] == ["EmailNotSent"], key
    assert listed == [False, False, False]
    assert summary.json()["bounced"]["total"] == 0 and summary.json()["notSent"] == 3
    assert handler.received == []


@pytest.mark.parametrize(
    ("code", "text", "at_mail_from", "kind"),
    [
        (550, "5.1.1 <a@example.com>: User unknown", False, "bounced"),
        (552, "5.2.2 mailbox full", False, "bounced"),
        (554, "5.7.1 blocked by policy", False, "bounced"),
        (553, "5.1.8 <bounces+x@example.com>: Sender address rejected", False, "sender_refused"),
        (550, "5.1.7 bad sender mailbox syntax", False, "sender_refused"),
        (530, "5.7.0 Authentication required", True, "sender_refused"),
        (550, "no enhanced code", True, "sender_refused"),
        (451, "4.1.8 sender domain not found, try later", True, "deferred"),
        (451, "4.3.0 try again later", False, "deferred"),
    ],
)
def test_smtp_answers_are_classified(code: int, text: str, at_mail_from: bool, kind: str) -> None:
    assert Result.from_smtp(code, text, at_mail_from=at_mail_from).kind == kind


def _email_with(field: str, value: str) -> Email:
    plain = Email(
        message_id="m-1", from_address="shop@example.com", from_name="Shop", to="ana@example.com",
        cc=(), bcc=(), subject="s", html="<p>x</p>", text="x",
    )  # fmt: skip
    return dataclasses.replace(plain, **{field: value})


@pytest.mark.parametrize("field", ["subject", "from_name", "to_name"])
def test_every_character_python_breaks_lines_on_is_normalised_and_builds(field: str) -> None:
    """The email package refuses any character str.splitlines() splits on: all are covered."""
    breakers = [chr(c) for c in range(0x110000) if len(f"a{chr(c)}b".splitlines()) > 1]
    controls = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]
    assert {"\u2028", "\u2029", "\x85", "\v", "\f", "\r", "\n"} <= set(breakers)
    hostile = "Hi " + "x".join(breakers + controls) + " there"
    clean = render.single_line(hostile)
    assert clean.splitlines() == [clean] and validate.is_single_line(clean)
    assert b"there" in mime.build(_email_with(field, clean), domain="example.com").as_bytes()
    with pytest.raises(mime.Unbuildable):  # what the sender no longer meets
        mime.build(_email_with(field, hostile), domain="example.com")
