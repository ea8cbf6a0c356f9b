"""An open listen stream ends when its credential does: a revoked client's stream within the
auth cache's TTL, an expiring token's stream when the token expires."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.conftest import FakeClock, Service, Tenant

TTL_S = 5.0  # measured on the injected clock, which the tests move
SERVICE_SETTINGS = {"listen_max_s": 30.0, "listen_poll_s": 0.02, "auth_cache_ttl_s": TTL_S}
LISTEN = "/platform/v1/listen"


async def _opened(service: Service, account_id: int) -> None:
    deadline = time.monotonic() + 5.0
    while not service.runtime.listeners._open[account_id]:
        assert time.monotonic() < deadline, "the stream did not open"
        await asyncio.sleep(0.005)


async def _client(service: Service, tenant: Tenant) -> tuple[str, dict[str, str]]:
    made = await service.http.post(
        "/platform/v1/clients", headers=tenant.headers,
        json={"scopes": ["event_notification_callback_read"]},
    )  # fmt: skip
    body = made.json()
    token = await service.http.post("/v2/token", json={
        "grant_type": "client_credentials", "client_id": body["clientId"],
        "client_secret": body["clientSecret"],
    })  # fmt: skip
    return body["clientId"], {"Authorization": f"Bearer {token.json()['access_token']}"}


async def test_revoking_the_client_ends_its_open_stream(
    service: Service, tenant: Tenant, clock: FakeClock
) -> None:
    client_id, headers = await _client(service, tenant)
    stream = asyncio.create_task(service.http.get(LISTEN, headers=headers))
    await _opened(service, tenant.account_id)
    gone = await service.http.delete(f"/platform/v1/clients/{client_id}", headers=tenant.headers)
    assert gone.status_code == 200
    clock.advance(TTL_S)  # the auth cache's entry, and the stream's last check, are this old
    ended: httpx.Response = await asyncio.wait_for(stream, timeout=5.0)
    assert ended.status_code == 200 and "credential" in ended.text
    assert not service.runtime.listeners._open


async def test_an_expiring_token_ends_its_stream(
    service: Service, tenant: Tenant, clock: FakeClock
) -> None:
    stream = asyncio.create_task(service.http.get(LISTEN, headers=tenant.headers))
    await _opened(service, tenant.account_id)
    clock.advance(service.runtime.settings.access_token_ttl_s + 1)
    ended: httpx.Response = await asyncio.wait_for(stream, timeout=5.0)
    assert ended.status_code == 200 and "credential" in ended.text
