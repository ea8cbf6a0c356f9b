"""The pull feed: every event exactly once across pages, in commit order, on both databases,
while events are being written; and a callback's undelivered events."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest

from app import clock as real_clock
from app.providers.sandbox import EMAIL_DOMAIN
from app.services.access import credentials
from app.services.webhooks import feed as feed_service
from app.storage import events
from app.storage.db import Db
from app.wire.feed import FeedQuery
from tests.conftest import Service, Tenant
from tests.receiver import Receiver
from tests.sending import recipient
from tests.webhooks import hook, pump, send_email

SERVICE_SETTINGS = {
    "allow_private_callbacks": True,
    "webhook_timeout_s": 2.0,
    "rate_limit_client": None,
    "rate_limit_account": None,
}


def _event(account_id: int, n: int) -> events.Event:
    return events.Event(
        event_id=f"e-{n}-{uuid.uuid4()}", account_id=account_id, message_id=None,
        channel="email", type="TransactionalSendEvents.EmailSent", definition_key="d",
        definition_id=None, occurred_at=real_clock.now_ms(), info={"n": n},
    )  # fmt: skip


async def _read(db: Db, account_id: int, after: str | None) -> tuple[list[Any], str]:
    query = FeedQuery.model_validate({"after": after, "limit": "100"})
    found = await feed_service.page(db, account_id, query)
    return [item["info"]["n"] for item in found["items"]], found["nextCursor"]


async def test_an_event_committed_after_a_later_one_is_not_skipped(db: Db) -> None:
    """PostgreSQL's ids are taken at INSERT: id 1 may commit after id 2. Paging by id alone
    would read 2, move past it, and never see 1; the feed waits until 1 is decided."""
    if db.dialect == "sqlite":
        pytest.skip("SQLite has one writer: ids are handed out in commit order")
    account = await credentials.create_account(db, name="a", now=real_clock.now_ms())
    inserted, go = asyncio.Event(), asyncio.Event()

    async def slow_writer() -> None:
        async with db.write():
            await events.insert(db, _event(account.id, 1))
            inserted.set()
            await go.wait()

    writer = asyncio.create_task(slow_writer())
    try:
        await inserted.wait()
        async with db.write():
            await events.insert(db, _event(account.id, 2))  # a later id, committed first
        seen, cursor = await _read(db, account.id, None)
    finally:
        go.set()
        await writer
    assert seen == []  # 2 is committed but 1 was still undecided: nothing was final after 0
    seen, cursor = await _read(db, account.id, cursor)
    assert seen == [1, 2]
    assert await _read(db, account.id, cursor) == ([], cursor)


async def test_a_reader_paging_while_sends_flow_sees_every_event_once(
    service: Service, tenant: Tenant
) -> None:
    sends = 40

    async def send(n: int) -> None:
        to = f"bounce@{EMAIL_DOMAIN}" if n % 5 == 0 else f"r{n}@example.com"
        response = await service.http.post(
            f"/messaging/v1/email/messages/k-{n}", headers=tenant.headers,
            json={"definitionKey": "order-confirm", "recipient": recipient(to)},
        )  # fmt: skip
        assert response.status_code == 202, response.text

    seen: list[str] = []
    cursor: str | None = None

    async def read_page() -> int:
        nonlocal cursor
        params = {"limit": "7"} | ({"after": cursor} if cursor else {})
        page = await service.http.get("/platform/v1/events", headers=tenant.headers,
                                      params=params)  # fmt: skip
        assert page.status_code == 200, page.text
        seen.extend(item["eventId"] for item in page.json()["items"])
        cursor = page.json()["nextCursor"]
        return len(page.json()["items"])

    writing = asyncio.gather(*(send(n) for n in range(sends)))
    while not writing.done():
        await read_page()
        await asyncio.sleep(0.005)
    await writing
    deadline = time.monotonic() + 30
    while await _count(service, tenant.account_id) < sends:  # one outcome event per send
        assert time.monotonic() < deadline, "the sends did not all settle"
        await read_page()
        await asyncio.sleep(0.01)
    while await read_page():
        pass
    stored = await service.db.fetch_all(
        "SELECT event_id FROM events WHERE account_id = :a", {"a": tenant.account_id}
    )
    assert len(seen) == len(set(seen)) == len(stored)
    assert set(seen) == {row["event_id"] for row in stored}


async def _count(service: Service, account_id: int) -> int:
    found = await service.db.fetch_val(
        "SELECT COUNT(*) FROM events WHERE account_id = :a", {"a": account_id}
    )
    return int(found)


async def test_filters_and_bad_cursors(service: Service, tenant: Tenant) -> None:
    await send_email(service, tenant, "k-1")
    await send_email(service, tenant, "k-2", to=f"bounce@{EMAIL_DOMAIN}")
    bounced = await service.http.get(
        "/platform/v1/events?types=EmailBounced", headers=tenant.headers
    )
    assert [e["info"]["messageKey"] for e in bounced.json()["items"]] == ["k-2"]
    other = await service.http.get("/platform/v1/events?definitionKey=nope", headers=tenant.headers)
    assert other.json()["items"] == [] and other.json()["hasMore"] is False
    for bad in ("after=xyz", "after=eyJ4IjotMSwiaSI6MX0", "limit=0", "types=Nope", "limit=x"):
        refused = await service.http.get(f"/platform/v1/events?{bad}", headers=tenant.headers)
        assert refused.status_code == 400, (bad, refused.text)
        assert refused.json()["errorcode"] == 10005


@pytest.mark.isolated
async def test_failed_lists_what_the_callback_has_not_accepted(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    callback_id, _ = await hook(service, tenant, target)
    target.default = (500, "{}")
    await send_email(service, tenant, "k-1")
    await pump(service)
    failed = await service.http.get(
        f"/platform/v1/ens-callbacks/{callback_id}/failed?since=0", headers=tenant.headers
    )
    assert failed.status_code == 200, failed.text
    [owed] = failed.json()["items"]
    assert owed["event"]["info"]["messageKey"] == "k-1" and owed["attempts"] >= 1
    assert owed["state"] == "pending" and owed["lastError"]
    target.default = (200, "{}")
    await service.http.post(f"/platform/v1/ens-callbacks/{callback_id}/enable",
                            headers=tenant.headers)  # fmt: skip
    await service.runtime.db.execute("UPDATE batches SET next_attempt_at = 0")
    deadline = time.monotonic() + 10
    while not target.accepted():
        assert time.monotonic() < deadline, "the retry was not accepted"
        await pump(service)
        await asyncio.sleep(0.01)
    after = await service.http.get(
        f"/platform/v1/ens-callbacks/{callback_id}/failed", headers=tenant.headers
    )
    assert after.json()["items"] == []
