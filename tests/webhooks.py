"""Helpers for webhook tests: register and verify a callback, subscribe, drive the dispatcher."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.conftest import Service, Tenant
from tests.receiver import Receiver
from tests.sending import recipient, settle

ALL_EMAIL = [
    "TransactionalSendEvents.EmailSent",
    "TransactionalSendEvents.EmailNotSent",
    "TransactionalSendEvents.EmailBounced",
]


async def register(
    service: Service, tenant: Tenant, target: Receiver, path: str = "/hook", **options: Any
) -> tuple[str, str]:
    """A verified callback for ``target``: (callbackId, signatureKey)."""
    created = await service.http.post(
        "/platform/v1/ens-callbacks",
        headers=tenant.headers,
        json=[{"callbackName": f"hook {path}", "url": target.url + path, **options}],
    )
    assert created.status_code == 201, created.text
    [callback] = created.json()
    probe = target.probes[-1]
    assert probe["callbackId"] == callback["callbackId"]
    verified = await service.http.post(
        "/platform/v1/ens-verify", headers=tenant.headers, json=probe
    )
    assert verified.status_code == 200, verified.text
    return callback["callbackId"], callback["signatureKey"]


async def subscribe(
    service: Service,
    tenant: Tenant,
    callback_id: str,
    types: list[str] | None = None,
    name: str = "all-email",
    **extra: Any,
) -> str:
    created = await service.http.post(
        "/platform/v1/ens-subscriptions",
        headers=tenant.headers,
        json=[
            {
                "subscriptionName": name,
                "callbackId": callback_id,
                "eventCategoryTypes": types or ALL_EMAIL,
                **extra,
            }
        ],
    )
    assert created.status_code == 201, created.text
    return created.json()[0]["subscriptionId"]  # type: ignore[no-any-return]


async def pump(service: Service) -> None:
    """One dispatcher pass, waiting for its POSTs."""
    await service.runtime.dispatcher.run_once()
    await service.runtime.dispatcher.drain()


async def deliver(
    service: Service, target: Receiver, *, events: int, within_s: float = 10.0
) -> list[dict[str, Any]]:
    """Pump until ``target`` has received at least ``events`` events (bounded, no blind sleep)."""
    deadline = time.monotonic() + within_s
    while len(target.events()) < events:
        assert time.monotonic() < deadline, f"{len(target.events())} of {events} events arrived"
        await pump(service)
        await asyncio.sleep(0.01)
    return target.events()


async def send_email(
    service: Service, tenant: Tenant, key: str, to: str = "ana@example.com"
) -> None:
    response = await service.http.post(
        f"/messaging/v1/email/messages/{key}",
        headers=tenant.headers,
        json={"definitionKey": "order-confirm", "recipient": recipient(to)},
    )
    assert response.status_code == 202, response.text
    await settle(service, tenant.account_id, "email", key)
