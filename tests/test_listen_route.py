"""GET /platform/v1/listen in process: replay of the last minutes, filters, resuming after a
cursor, and the bound on open streams per account."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from app.providers.sandbox import EMAIL_DOMAIN
from tests.conftest import Service, Tenant
from tests.webhooks import send_email

SERVICE_SETTINGS = {"listen_max_s": 0.3, "listen_poll_s": 0.05, "listen_per_account": 1}


def batches(text: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """(id, events) of each ``batch`` message of an SSE body."""
    found = []
    for message in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in message.splitlines() if ": " in line)
        if fields.get("event") == "batch":
            found.append((fields["id"], json.loads(fields["data"])))
    return found


async def test_a_stream_replays_the_last_minutes_with_its_filters_and_resumes(
    service: Service, tenant: Tenant
) -> None:
    await send_email(service, tenant, "k-1")
    await send_email(service, tenant, "k-2", to=f"bounce@{EMAIL_DOMAIN}")
    fresh = await service.http.get("/platform/v1/listen", headers=tenant.headers)
    assert fresh.status_code == 200 and fresh.headers["content-type"].startswith(
        "text/event-stream"
    )
    assert batches(fresh.text) == []  # only what is committed after it started
    replay = await service.http.get(
        "/platform/v1/listen?sinceMinutes=5&events=EmailBounced", headers=tenant.headers
    )
    [(cursor, events)] = batches(replay.text)
    assert [e["info"]["messageKey"] for e in events] == ["k-2"]
    await send_email(service, tenant, "k-3")
    resumed = await service.http.get(
        "/platform/v1/listen", headers=tenant.headers | {"Last-Event-ID": cursor}
    )
    keys = [e["info"]["messageKey"] for _, found in batches(resumed.text) for e in found]
    assert keys == ["k-3"]
    for bad in ("filter=to=x", "sinceMinutes=9999", "events=Nope"):
        refused = await service.http.get(f"/platform/v1/listen?{bad}", headers=tenant.headers)
        assert refused.status_code == 400 and refused.json()["errorcode"] == 10005
    wrong = await service.http.get(
        "/platform/v1/listen", headers=tenant.headers | {"Last-Event-ID": "nope"}
    )
    assert wrong.status_code == 400


async def test_open_streams_are_bounded_per_account(service: Service, tenant: Tenant) -> None:
    first = asyncio.create_task(service.http.get("/platform/v1/listen", headers=tenant.headers))
    listeners = service.runtime.listeners
    for _ in range(200):
        if listeners._open[tenant.account_id]:
            break
        await asyncio.sleep(0.005)
    second = await service.http.get("/platform/v1/listen", headers=tenant.headers)
    assert second.status_code == 429 and "TIDINGS_LISTEN_PER_ACCOUNT" in second.json()["message"]
    assert (await first).status_code == 200
    assert not listeners._open
