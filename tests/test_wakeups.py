"""The service that commits work wakes the worker that does it; no handler decides.

The sweep runs once an hour here, so only a wake-up moves a message or an event on in time.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from app.storage import messages
from tests.conftest import Service, Tenant
from tests.receiver import Receiver
from tests.sending import email_definition, recipient
from tests.webhooks import register, subscribe

SERVICE_SETTINGS = {"allow_private_callbacks": True, "sweep_interval_s": 3600.0}


async def _events(target: Receiver, count: int, *, within_s: float = 10.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + within_s
    while len(target.events()) < count:
        assert time.monotonic() < deadline, f"{len(target.events())} of {count} events arrived"
        await asyncio.sleep(0.01)
    return target.events()


async def _held(service: Service, tenant: Tenant, key: str) -> None:
    await email_definition(service, tenant, status="Inactive")
    response = await service.http.post(
        f"/messaging/v1/email/messages/{key}",
        headers=tenant.headers,
        json={"definitionKey": "order-confirm", "recipient": recipient()},
    )
    assert response.status_code == 202, response.text
    found = await messages.get_by_key(service.db, tenant.account_id, "email", key)
    assert found is not None and found.status == messages.HELD


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [("DELETE", "", 37), ("DELETE", "/queue", 39)],
    ids=["delete-definition", "purge-queue"],
)
async def test_ending_held_messages_wakes_the_dispatcher(
    service: Service,
    tenants: tuple[Tenant, Tenant],
    target: Receiver,
    method: str,
    path: str,
    code: int,
) -> None:
    a = tenants[0]
    callback_id, _ = await register(service, a, target)
    await subscribe(service, a, callback_id)
    await _held(service, a, "held-1")
    response = await service.http.request(
        method, f"/messaging/v1/email/definitions/order-confirm{path}", headers=a.headers
    )
    assert response.status_code == 200, response.text
    [event] = await _events(target, 1)
    assert event["eventCategoryType"].endswith("EmailNotSent")
    assert event["info"]["statusCode"] == str(code)


async def test_reactivating_a_definition_wakes_the_sender(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    a = tenants[0]
    await _held(service, a, "held-2")
    response = await service.http.patch(
        "/messaging/v1/email/definitions/order-confirm",
        headers=a.headers,
        json={"status": "Active"},
    )
    assert response.status_code == 200, response.text
    deadline = time.monotonic() + 10
    while True:
        found = await messages.get_by_key(service.db, a.account_id, "email", "held-2")
        assert found is not None
        if found.status in messages.FINAL:
            break
        assert time.monotonic() < deadline, found.status
        await asyncio.sleep(0.01)
    assert found.status == messages.SENT
