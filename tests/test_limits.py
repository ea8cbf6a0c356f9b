"""Abuse limits: request bodies over TIDINGS_MAX_BODY_BYTES, and the token-bucket rate limits
per client, per account and on the token endpoint; each answers in the called API's shape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.errors import ConfigError
from app.settings import Settings
from tests.conftest import FakeClock, make_tenant, running, settings_for
from tests.sending import email_definition, recipient


def _service(database_url: str, clock: FakeClock, **changes: Any) -> Any:
    return running(settings_for(database_url, **changes), clock)


def _send(n: int) -> dict[str, Any]:
    return {"definitionKey": "order-confirm", "recipient": recipient(f"r{n}@example.com")}


async def test_bodies_over_the_limit_get_413_in_each_api_shape(
    database_url: str, clock: FakeClock
) -> None:
    async with _service(database_url, clock, max_body_bytes=2000) as service:
        tenant = await make_tenant(service, "a")
        await email_definition(service, tenant)
        big = _send(1) | {"attributes": {"Pad": "x" * 3000}}
        sfmc = await service.http.post(
            "/messaging/v1/email/messages/k1", headers=tenant.headers, json=big
        )
        assert sfmc.status_code == 413
        assert sfmc.json()["errorcode"] == 10006 and "2000 bytes" in sfmc.json()["message"]
        broadcast = await service.http.post(
            "/api/v1/transactionals.json",
            headers=tenant.api_headers,
            json={"to": "a@example.com", "subject": "Hi", "body": "x" * 3000},
        )
        assert broadcast.status_code == 413 and set(broadcast.json()) == {"error"}

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams
            yield b'{"definitionKey": "order-confirm", "recipient": {"to": "'
            for _ in range(30):
                yield b"x" * 100
            yield b'"}}'

        streamed = await service.http.post(
            "/messaging/v1/email/messages/k2",
            headers=tenant.headers | {"Content-Type": "application/json"},
            content=chunks(),
        )
        assert streamed.status_code == 413
        small = await service.http.post(
            "/messaging/v1/email/messages/k3", headers=tenant.headers, json=_send(3)
        )
        assert small.status_code == 202
        assert await service.db.fetch_val("SELECT COUNT(*) FROM messages") == 1


async def test_a_client_over_its_rate_gets_429_with_retry_after(
    database_url: str, clock: FakeClock
) -> None:
    async with _service(database_url, clock, rate_limit_client=(3, 60.0)) as service:
        tenant = await make_tenant(service, "a")
        answers = [
            await service.http.get("/platform/v1/tokenContext", headers=tenant.headers)
            for _ in range(4)
        ]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[3].headers["Retry-After"] == "20"  # one token every 20 s
        assert answers[3].json()["errorcode"] == 50100
        # Broadcast routes answer in Broadcast's shape; the API token is another client.
        for _ in range(3):
            ok = await service.http.get("/api/v1/transactionals.json", headers=tenant.api_headers)
            assert ok.status_code == 200
        limited = await service.http.get("/api/v1/transactionals.json", headers=tenant.api_headers)
        assert limited.status_code == 429 and set(limited.json()) == {"error"}
        assert limited.headers["Retry-After"] == "20"
        clock.advance(20)
        again = await service.http.get("/platform/v1/tokenContext", headers=tenant.headers)
        assert again.status_code == 200


async def test_an_account_is_limited_across_its_clients(
    database_url: str, clock: FakeClock
) -> None:
    async with _service(database_url, clock, rate_limit_account=(4, 60.0)) as service:
        tenant = await make_tenant(service, "a")
        other = await make_tenant(service, "b")
        codes = []
        for headers in [tenant.headers, tenant.api_headers] * 2 + [tenant.headers]:
            response = await service.http.get("/platform/v1/tokenContext", headers=headers)
            codes.append(response.status_code)
        assert codes == [200, 200, 200, 200, 429]
        assert "account" in response.json()["message"]
        elsewhere = await service.http.get("/platform/v1/tokenContext", headers=other.headers)
        assert elsewhere.status_code == 200  # another account has its own bucket


async def test_the_token_endpoint_is_limited_per_client_id_and_per_address(
    database_url: str, clock: FakeClock
) -> None:
    changes = {"rate_limit_token_client": (3, 60.0), "rate_limit_token_address": (6, 60.0)}
    async with _service(database_url, clock, **changes) as service:
        tenant = await make_tenant(service, "a")  # one token request

        def form(client_id: str, secret: str) -> dict[str, str]:
            return {"grant_type": "client_credentials", "client_id": client_id,
                    "client_secret": secret}  # fmt: skip

        guesses = [
            (await service.http.post("/v2/token", json=form(tenant.client_id, "guess"))).status_code
            for _ in range(2)
        ]
        assert guesses == [401, 401]
        right_but_late = await service.http.post(
            "/v2/token", json=form(tenant.client_id, tenant.client_secret)
        )
        assert right_but_late.status_code == 429  # the 4th try for this client_id
        assert int(right_but_late.headers["Retry-After"]) == 20
        others = [
            (await service.http.post("/v2/token", json=form(f"nobody-{n}", "x"))).status_code
            for n in range(3)
        ]
        assert others == [401, 401, 429]  # the 7th request from this address


def test_rates_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"TIDINGS_RATE_LIMIT_CLIENT": "30/min",
                                  "TIDINGS_RATE_LIMIT_ACCOUNT": "off"})  # fmt: skip
    assert settings.rate_limit_client == (30, 60.0)
    assert settings.rate_limit_account is None
    with pytest.raises(ConfigError, match="TIDINGS_RATE_LIMIT_CLIENT"):
        Settings.from_env({"TIDINGS_RATE_LIMIT_CLIENT": "fast"})
