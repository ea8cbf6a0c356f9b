"""Services take the time from the runtime's clock, never the wall clock: records made through
the API carry the injected clock's time (here 30 days ahead of the real one)."""

from __future__ import annotations

from app import clock as real_clock
from app.storage import accounts, api_tokens, clients
from tests.conftest import FakeClock, Service, make_tenant
from tests.sending import email_definition

AHEAD_S = 30 * 86400


async def test_assets_definitions_and_credentials_use_the_injected_clock(
    service: Service, clock: FakeClock
) -> None:
    clock.advance(AHEAD_S)
    now = clock()
    tenant = await make_tenant(service, "later")
    definition = await email_definition(service, tenant)
    assert definition["createdDate"] == real_clock.sfmc_time(now)
    found = await service.http.get(
        "/asset/v1/content/assets",
        params={"customerKey": "order-confirm-content"},
        headers=tenant.headers,
    )
    assert found.json()["items"][0]["createdDate"] == real_clock.iso_utc(now)
    account = await accounts.get(service.db, tenant.account_id)
    client = await clients.get(service.db, tenant.client_id)
    [token] = await api_tokens.list_all(service.db, account_id=tenant.account_id)
    assert account is not None and client is not None
    assert account.created_at == client.created_at == token.created_at == now
