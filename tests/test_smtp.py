"""Email over a real SMTP server: the MIME it receives, bounces at RCPT, deferrals."""

from __future__ import annotations

from app.storage import events, messages
from tests.conftest import FakeClock, make_tenant, running, settings_for
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
