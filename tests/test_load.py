"""Correctness under the load ``python -m bench`` creates, with small counts, on both databases.

The bench's mix at once: concurrent single SFMC sends, batch sends and Broadcast sends
(sharing group commits), webhooks to a callback with maxBatchSize 1 and to one with 1000.
Every accepted send ends with exactly one outcome event, and every event reaches each
callback exactly once (no faults here, so not even an at-least-once duplicate).
"""

from __future__ import annotations

import asyncio
import collections
import time

import httpx

from tests.conftest import Service, make_tenant
from tests.receiver import Receiver
from tests.sending import email_definition, recipient
from tests.webhooks import register, subscribe

SERVICE_SETTINGS = {"allow_private_callbacks": True, "webhook_timeout_s": 5.0}
SINGLES, BATCHES, PER_BATCH, BROADCASTS = 60, 3, 100, 20


async def test_concurrent_sends_each_end_once_and_every_event_arrives_once(
    service: Service, target: Receiver
) -> None:
    tenant = await make_tenant(service, "load")
    await email_definition(service, tenant)
    for path, size in (("/one", 1), ("/many", 1000)):
        callback_id, _ = await register(service, tenant, target, path, maxBatchSize=size)
        await subscribe(service, tenant, callback_id, name=path)

    def single(n: int) -> asyncio.Future[httpx.Response]:
        return service.http.post(  # type: ignore[return-value]
            f"/messaging/v1/email/messages/single-{n}",
            headers=tenant.headers,
            json={"definitionKey": "order-confirm", "recipient": recipient(f"s{n}@example.com")},
        )

    def batch(n: int) -> asyncio.Future[httpx.Response]:
        return service.http.post(  # type: ignore[return-value]
            "/messaging/v1/email/messages",
            headers=tenant.headers,
            json={"definitionKey": "order-confirm", "recipients": [
                recipient(f"b{n}-{i}@example.com") | {"messageKey": f"batch-{n}-{i}"}
                for i in range(PER_BATCH)
            ]},
        )  # type: ignore[return-value]  # fmt: skip

    def broadcast(n: int) -> asyncio.Future[httpx.Response]:
        return service.http.post(  # type: ignore[return-value]
            "/api/v1/transactionals.json",
            headers=tenant.api_headers,
            json={"to": f"t{n}@example.com", "subject": "Hi", "body": "Hello"},
        )

    answers = await asyncio.gather(
        *(single(n) for n in range(SINGLES)),
        *(batch(n) for n in range(BATCHES)),
        *(broadcast(n) for n in range(BROADCASTS)),
    )
    assert [a.status_code for a in answers] == [202] * (SINGLES + BATCHES) + [201] * BROADCASTS
    accepted = SINGLES + BATCHES * PER_BATCH + BROADCASTS

    # Bounded wait for the background sender and dispatcher (woken on commit, no pumping).
    deadline = time.monotonic() + 60
    while True:
        final = await service.db.fetch_val(
            "SELECT COUNT(*) FROM messages WHERE account_id = :a AND status IN ('sent',"
            " 'not_sent', 'bounced')",
            {"a": tenant.account_id},
        )
        arrived = collections.Counter(r.path for r in target.accepted() for _ in r.json())
        if final == accepted and arrived["/one"] == arrived["/many"] == accepted:
            break
        assert time.monotonic() < deadline, f"{final} final, {dict(arrived)} delivered"
        await asyncio.sleep(0.05)

    outcomes = await service.db.fetch_all(
        "SELECT m.id, COUNT(e.id) AS n FROM messages m LEFT JOIN events e"
        " ON e.message_id = m.id WHERE m.account_id = :a GROUP BY m.id",
        {"a": tenant.account_id},
    )
    assert len(outcomes) == accepted
    assert {row["n"] for row in outcomes} == {1}, "a message with no or several outcomes"
    stored = {
        row["event_id"]
        for row in await service.db.fetch_all(
            "SELECT event_id FROM events WHERE account_id = :a", {"a": tenant.account_id}
        )
    }
    for path, size in (("/one", 1), ("/many", 1000)):
        batches = [r.json() for r in target.accepted() if r.path == path]
        ids = [event["eventId"] for batch in batches for event in batch]
        assert len(ids) == len(set(ids)) == accepted, f"{path}: duplicates or missing events"
        assert set(ids) == stored
        assert max(len(b) for b in batches) <= size
    assert (
        await service.db.fetch_val(
            "SELECT COUNT(*) FROM messages WHERE status NOT IN ('sent', 'not_sent', 'bounced')"
        )
        == 0
    )
