"""Helpers for send tests: make content and definitions, send, and wait for outcomes."""

from __future__ import annotations

import asyncio
import email.policy
import time
from email.message import EmailMessage
from typing import Any

from app.providers.sandbox import SMS_BOUNCE
from app.storage import messages
from bench import provision
from tests.conftest import FakeClock, Service, Tenant

ASSET = provision.asset("order-confirm-content")


async def email_definition(
    service: Service, tenant: Tenant, key: str = "order-confirm", **extra: Any
) -> dict[str, Any]:
    return await provision.email_definition(service.http, tenant.headers, key, **extra)


async def sms_definition(service: Service, tenant: Tenant, key: str = "otp") -> dict[str, Any]:
    body = {
        "definitionKey": key,
        "name": f"SMS {key}",
        "content": {"message": "Your code is %%Code%%"},
        "subscriptions": {"shortCode": "4915112345678", "keyword": "CODE"},
    }
    response = await service.http.post(
        "/messaging/v1/sms/definitions", json=body, headers=tenant.headers
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def recipient(to: str = "ana@example.com", **attributes: Any) -> dict[str, Any]:
    return {
        "contactKey": to,
        "to": to,
        "attributes": {"FirstName": "Ana", "OrderNo": "A-1", **attributes},
    }


async def settle(
    service: Service,
    account_id: int,
    channel: str,
    key: str,
    *,
    within_s: float = 10.0,
    clock: FakeClock | None = None,
) -> messages.Message:
    """Drive the sender until the message reaches a final status (bounded, no blind sleeps).

    With ``clock``, a message waiting for a retry has the clock moved to its next attempt.
    The sandbox's bouncing SMS number is sent, and then bounced by the receipt the gateway
    hands back with its acceptance: for a moment it reads ``sent``, so its final status is
    ``bounced``.
    """
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        await service.runtime.sender.run_once()
        found = await messages.get_by_key(service.db, account_id, channel, key)
        final = (messages.BOUNCED,) if found and found.recipient == SMS_BOUNCE else messages.FINAL
        if found is not None and found.status in final:
            return found
        if clock is not None and found is not None and found.status == messages.QUEUED:
            clock.ms = max(clock.ms, found.next_attempt_at)
        await asyncio.sleep(0.01)
    raise AssertionError(f"message {key} not final within {within_s}s: {found}")


def dsn(
    *,
    to: str,
    recipient_address: str,
    action: str = "failed",
    status: str = "5.1.1",
    original: EmailMessage | None = None,
    returned_headers: str | None = None,
    diagnostic: str | None = "",
) -> bytes:
    """A delivery status notification as Postfix writes one (RFC 3464 multipart/report).

    ``original`` is returned whole (message/rfc822), ``returned_headers`` alone
    (text/rfc822-headers); ``diagnostic`` None leaves out the Diagnostic-Code.
    """
    returned = ""
    if original is not None:  # the returned message, headers and all
        quoted = original.as_bytes(policy=email.policy.SMTP).decode()
        returned = f"--B\r\nContent-Type: message/rfc822\r\n\r\n{quoted}\r\n"
    if returned_headers is not None:
        returned = f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n{returned_headers}\r\n"
    if diagnostic == "":
        diagnostic = f"smtp; 550 {status} <{recipient_address}>:\r\n User unknown"
    code = "" if diagnostic is None else f"Diagnostic-Code: {diagnostic}\r\n"
    return (
        "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n"
        f"To: {to}\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at mx.example.net.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\nArrival-Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
        f"\r\nFinal-Recipient: rfc822; {recipient_address}\r\nAction: {action}\r\n"
        f"Status: {status}\r\nRemote-MTA: dns; mail.example.com\r\n{code}\r\n"
        f"{returned}--B--\r\n"
    ).encode()
