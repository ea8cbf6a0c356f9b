"""Bootstrap credentials for unattended deploys, and the first-run client."""

from __future__ import annotations

import httpx
import pytest

from app.errors import Invalid
from app.main import create_app
from app.services.access import scopes
from app.storage import api_tokens, clients
from tests.conftest import settings_for

SECRET = "s" * 40
API_TOKEN = "tdg_" + "t" * 40


async def _start(settings: object) -> tuple[list[str], dict[str, object]]:
    said: list[str] = []
    app = create_app(settings, say=said.append)  # type: ignore[arg-type]
    seen: dict[str, object] = {}
    async with app.router.lifespan_context(app):
        db = app.state.runtime.db
        seen["clients"] = await clients.list_all(db)
        seen["tokens"] = await api_tokens.list_all(db)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            seen["token_status"] = (
                await http.post(
                    "/v2/token",
                    json={
                        "grant_type": "client_credentials",
                        "client_id": "deploy",
                        "client_secret": SECRET,
                    },
                )
            ).status_code
            seen["api_status"] = (
                await http.get(
                    "/platform/v1/tokenContext", headers={"Authorization": f"Bearer {API_TOKEN}"}
                )
            ).status_code
    return said, seen


async def test_first_start_creates_and_prints_one_client_then_never_again(
    database_url: str,
) -> None:
    settings = settings_for(database_url)
    said, seen = await _start(settings)
    assert len(said) == 1
    created = seen["clients"]
    assert isinstance(created, list) and len(created) == 1
    assert created[0].client_id in said[0]
    assert "client_secret:" in said[0] and "v2/token" in said[0]
    again, seen_again = await _start(settings)
    assert again == []
    assert seen_again["clients"] == created


async def test_bootstrap_env_makes_sure_client_and_token_exist(database_url: str) -> None:
    settings = settings_for(
        database_url,
        bootstrap_client_id="deploy",
        bootstrap_client_secret=SECRET,
        bootstrap_account_id=510009999,
        bootstrap_api_token=API_TOKEN,
    )
    said, seen = await _start(settings)
    assert said == []  # configured credentials are never printed
    [client] = seen["clients"]  # type: ignore[misc]
    assert client.account_id == 510009999
    assert set(client.scopes.split()) == set(scopes.CLIENT_SCOPES)
    assert client.secret_hash != SECRET
    [token] = seen["tokens"]  # type: ignore[misc]
    assert token.scopes == "transactional_read transactional_write"
    assert token.token_hash != API_TOKEN
    assert seen["token_status"] == 200
    assert seen["api_status"] == 200
    # A second start with the same settings changes nothing and creates nothing.
    _, seen_again = await _start(settings)
    assert seen_again["clients"] == seen["clients"]
    assert seen_again["tokens"] == seen["tokens"]


async def test_bootstrap_restores_a_revoked_bootstrap_client(database_url: str) -> None:
    settings = settings_for(
        database_url, bootstrap_client_id="deploy", bootstrap_client_secret=SECRET
    )
    app = create_app(settings, say=lambda _: None)
    async with app.router.lifespan_context(app):
        await clients.revoke(app.state.runtime.db, "deploy", at=1)
    _, seen = await _start(settings)
    assert seen["token_status"] == 200


async def test_a_short_bootstrap_secret_is_refused_on_every_start(database_url: str) -> None:
    settings = settings_for(
        database_url, bootstrap_client_id="deploy", bootstrap_client_secret=SECRET
    )
    _, first = await _start(settings)
    [stored] = first["clients"]  # type: ignore[misc]
    for weak in ("a", "s" * 31):
        with pytest.raises(Invalid, match="at least 32 characters"):
            await _start(settings.replace(bootstrap_client_secret=weak))
    _, after = await _start(settings)
    assert after["clients"] == [stored]  # the secret was never changed
    assert after["token_status"] == 200


async def test_a_bootstrap_api_token_works_whatever_its_prefix(database_url: str) -> None:
    kept = "brd_" + "b" * 40  # a token value a team brings from Broadcast
    settings = settings_for(database_url, bootstrap_api_token=kept)
    app = create_app(settings, say=lambda _: None)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            headers = {"Authorization": f"Bearer {kept}"}
            for path in ("/platform/v1/tokenContext", "/api/v1/transactionals.json"):
                response = await http.get(path, headers=headers)
                assert response.status_code == 200, response.text
