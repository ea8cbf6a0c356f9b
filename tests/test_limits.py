"""Abuse limits: request bodies over TIDINGS_MAX_BODY_BYTES, and the token-bucket rate limits
per client, per account and on the token endpoint; each answers in the called API's shape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.errors import ConfigError
from app.settings import Settings
from tests import contract
from tests.conftest import FakeClock, Service, make_tenant, running, settings_for
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


def _form(client_id: str, secret: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}


def _from(service: Service, address: str) -> httpx.AsyncClient:
    """An in-process client whose requests come from ``address`` (no packet is sent)."""
    transport = httpx.ASGITransport(app=service.app, client=(address, 40000))
    return httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        event_hooks={"response": [contract.check_response]},
    )


async def test_the_token_endpoint_is_limited_per_address_and_per_client_id_from_it(
    database_url: str, clock: FakeClock
) -> None:
    changes = {"rate_limit_token_client": (3, 60.0), "rate_limit_token_address": (8, 60.0)}
    async with _service(database_url, clock, **changes) as service:
        tenant = await make_tenant(service, "a")  # one token request
        guesses = [
            (
                await service.http.post("/v2/token", json=_form(tenant.client_id, "guess"))
            ).status_code
            for _ in range(4)
        ]
        assert guesses == [401, 401, 401, 429]  # the 4th try after 3 wrong secrets
        right_but_late = await service.http.post(
            "/v2/token", json=_form(tenant.client_id, tenant.client_secret)
        )
        assert right_but_late.status_code == 429  # from this address, even the right secret
        assert int(right_but_late.headers["Retry-After"]) == 20
        assert "client_id from this address" in right_but_late.json()["message"]
        others = [
            (await service.http.post("/v2/token", json=_form(f"nobody-{n}", "x"))).status_code
            for n in range(3)
        ]
        assert others == [401, 401, 429]  # the 9th request from this address
        clock.advance(20)
        again = await service.http.post(
            "/v2/token", json=_form(tenant.client_id, tenant.client_secret)
        )
        assert again.status_code == 200


async def test_wrong_secrets_do_not_lock_the_rightful_holder_out(
    database_url: str, clock: FakeClock
) -> None:
    async with _service(database_url, clock) as service:  # the default limits
        tenant = await make_tenant(service, "a")
        other = await make_tenant(service, "b")
        async with _from(service, "198.51.100.7") as guesser, _from(service, "192.0.2.1") as owner:
            for _ in range(30):
                wrong = await guesser.post("/v2/token", json=_form(tenant.client_id, "g" * 40))
                assert wrong.status_code == 401
            right = _form(tenant.client_id, tenant.client_secret)
            assert (await guesser.post("/v2/token", json=right)).status_code == 429
            # Someone else's failures throttle neither the holder nor the client elsewhere …
            for _ in range(5):
                assert (await owner.post("/v2/token", json=right)).status_code == 200
            assert (await service.http.post("/v2/token", json=right)).status_code == 200
            # … nor another client from the guesser's address, within the address's own limit.
            theirs = _form(other.client_id, other.client_secret)
            assert (await guesser.post("/v2/token", json=theirs)).status_code == 200


async def test_stats_sign_in_is_limited_like_the_token_endpoint(
    database_url: str, clock: FakeClock
) -> None:
    async with _service(database_url, clock) as service:  # the default limits
        tenant = await make_tenant(service, "a")
        wrong = {"client_id": tenant.client_id, "client_secret": "g" * 40}
        async with _from(service, "198.51.100.7") as guesser:
            for _ in range(20):
                assert (
                    await guesser.post("/v2/token", json=_form(tenant.client_id, "g" * 40))
                ).status_code == 401
            codes = [
                (await guesser.post("/stats/login", data=wrong)).status_code for _ in range(150)
            ]
            assert codes[:10] == [303] * 10  # wrong-secret redirects, counted with /v2/token's
            assert set(codes[10:]) == {429}
            limited = await guesser.post("/stats/login", data=wrong)
            assert int(limited.headers["Retry-After"]) >= 1
            right = {"client_id": tenant.client_id, "client_secret": tenant.client_secret}
            assert (await guesser.post("/stats/login", data=right)).status_code == 429
        async with _from(service, "192.0.2.1") as owner:
            signed_in = await owner.post("/stats/login", data=right)
            assert signed_in.status_code == 303 and "set-cookie" in signed_in.headers


def test_rates_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"TIDINGS_RATE_LIMIT_CLIENT": "30/min",
                                  "TIDINGS_RATE_LIMIT_ACCOUNT": "off"})  # fmt: skip
    assert settings.rate_limit_client == (30, 60.0)
    assert settings.rate_limit_account is None
    with pytest.raises(ConfigError, match="TIDINGS_RATE_LIMIT_CLIENT"):
        Settings.from_env({"TIDINGS_RATE_LIMIT_CLIENT": "fast"})
