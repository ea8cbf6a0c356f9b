"""The sends' definition cache (``definitions.for_send``) against changes made elsewhere."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app import wire
from app.services.sending import definitions
from app.services.wakeups import NOBODY
from app.storage import definitions as storage_definitions
from app.storage import messages
from app.storage.db import Db
from app.wire.definitions import DefinitionPatch
from tests.conftest import Service, Tenant
from tests.sending import recipient


async def _send(service: Service, tenant: Tenant, key: str) -> str:
    response = await service.http.post(
        "/messaging/v1/email/messages/",
        json={"definitionKey": "order-confirm", "recipients": [recipient() | {"messageKey": key}]},
        headers=tenant.headers,
    )
    assert response.status_code == 202, response.text
    return key


async def _status(service: Service, tenant: Tenant, key: str) -> str:
    found = await messages.get_by_key(service.db, tenant.account_id, "email", key)
    assert found is not None
    return found.status


async def _set_status(service: Service, db: Db, tenant: Tenant, status: str) -> None:
    body = wire.parse(DefinitionPatch, {"status": status}, family=wire.SFMC)
    await definitions.patch(
        db, tenant.account_id, "email", "order-confirm", body, now=service.runtime.now(),
        wake=NOBODY,
    )  # fmt: skip


async def test_a_send_after_another_process_reactivated_the_definition_is_not_held(
    service: Service, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Process 1 read the definition Inactive; process 2 re-activates it, releasing its held
    queue. A send to process 1 within the cache's second was stored held from the cached
    copy, after the release: held on an Active definition, nothing releases it again, and
    the queue window ends it NotSent 139."""
    monkeypatch.setattr(definitions, "RECENT_TTL_S", 3600.0)  # the second, without timing
    await _set_status(service, service.db, tenant, "Inactive")
    assert await _status(service, tenant, await _send(service, tenant, "first")) == "held"
    elsewhere = Db(service.db.url)  # another process's handle on the same database
    await elsewhere.connect()
    try:
        await _set_status(service, elsewhere, tenant, "Active")
    finally:
        await elsewhere.disconnect()
    assert await _status(service, tenant, "first") != "held"  # released
    assert await _status(service, tenant, await _send(service, tenant, "second")) != "held"


async def test_a_read_in_flight_across_a_delete_leaves_no_stale_copy(
    service: Service, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A send's read began before this process deleted the definition and ended after: it
    stored what it read, after ``_forget``, so the next second's sends were accepted for the
    deleted definition (and the one created again under the key went unused)."""
    monkeypatch.setattr(definitions, "RECENT_TTL_S", 3600.0)
    real = storage_definitions.get_by_key
    read, go_on = asyncio.Event(), asyncio.Event()

    async def gated(*args: Any) -> Any:  # the real read, returned once the test says so
        found = await real(*args)
        read.set()
        await go_on.wait()
        return found

    monkeypatch.setattr(storage_definitions, "get_by_key", gated)
    account = tenant.account_id
    in_flight = asyncio.create_task(
        definitions.for_send(service.db, account, "email", "order-confirm")
    )
    await asyncio.wait_for(read.wait(), 30)
    monkeypatch.setattr(storage_definitions, "get_by_key", real)
    await definitions.delete(
        service.db, account, "email", "order-confirm", now=service.runtime.now(), wake=NOBODY
    )
    go_on.set()
    assert (await asyncio.wait_for(in_flight, 30)) is not None  # read before the delete
    assert await definitions.for_send(service.db, account, "email", "order-confirm") is None
