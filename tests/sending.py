"""Helpers for send tests: make content and definitions, send, and wait for outcomes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

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
    """
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        await service.runtime.sender.run_once()
        found = await messages.get_by_key(service.db, account_id, channel, key)
        if found is not None and found.status in messages.FINAL:
            return found
        if clock is not None and found is not None and found.status == messages.QUEUED:
            clock.ms = max(clock.ms, found.next_attempt_at)
        await asyncio.sleep(0.01)
    raise AssertionError(f"message {key} not final within {within_s}s: {found}")
