"""Helpers for webhook tests: register and verify a callback, subscribe, drive the dispatcher."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench import provision
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
    item = {"callbackName": f"hook {path}", "url": target.url + path, **options}
    [callback] = await provision.callbacks(
        service.http, tenant.headers, [item], lambda _: target.probes[-1]
    )
    return callback["callbackId"], callback["signatureKey"]


async def subscribe(
    service: Service,
    tenant: Tenant,
    callback_id: str,
    types: list[str] | None = None,
    name: str = "all-email",
    **extra: Any,
) -> str:
    item = {
        "subscriptionName": name,
        "callbackId": callback_id,
        "eventCategoryTypes": types or ALL_EMAIL,
        **extra,
    }
    [created] = await provision.subscriptions(service.http, tenant.headers, [item])
    return created


async def hook(
    service: Service,
    tenant: Tenant,
    target: Receiver,
    path: str = "/hook",
    *,
    types: list[str] | None = None,
    filters: list[str] | None = None,
    **options: Any,
) -> tuple[str, str]:
    """A verified callback for ``target`` (``options`` are its fields), subscribed to ``types``
    (all email events) with ``filters``: (callbackId, signatureKey)."""
    callback_id, key = await register(service, tenant, target, path, **options)
    await subscribe(
        service, tenant, callback_id, types, **({"filters": filters} if filters else {})
    )
    return callback_id, key


async def pump(service: Service) -> None:
    """One dispatcher pass, waiting for its POSTs."""
    await service.runtime.dispatcher.run_once()
    await service.runtime.dispatcher.drain()


async def deliver(
    service: Service, target: Receiver, *, events: int, within_s: float = 10.0
) -> list[dict[str, Any]]:
    """Pump until ``target`` has received at least ``events`` events (bounded, no blind sleep),
    then wait for the POSTs in flight: a receiver has the events before their results are
    stored, and the background dispatcher may have made those POSTs, not the pump."""
    deadline = time.monotonic() + within_s
    while len(target.events()) < events:
        assert time.monotonic() < deadline, f"{len(target.events())} of {events} events arrived"
        await pump(service)
        await asyncio.sleep(0.01)
    await service.runtime.dispatcher.drain()
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
