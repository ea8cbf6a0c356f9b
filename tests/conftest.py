"""Fixtures: every storage and API test runs on SQLite and on a throwaway PostgreSQL cluster."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette

from app import clock as real_clock
from app.main import create_app
from app.runtime import Runtime
from app.services.access import credentials
from app.settings import Settings
from app.storage import migrations
from app.storage.db import Db
from bench import provision
from bench.pg import Cluster, find_bindir
from tests import contract, isolation
from tests.receiver import Receiver, receiver


def pytest_runtest_setup(item: pytest.Item) -> None:
    isolation.check(item)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("TIDINGS_REQUIRE_POSTGRES"):
            pytest.fail("TIDINGS_REQUIRE_POSTGRES is set but no PostgreSQL initdb was found")
        pytest.skip("PostgreSQL is not installed (no initdb in pg_config --bindir or /usr/lib)")
    cluster = Cluster(bindir)
    cluster.start()
    yield cluster
    cluster.stop()


async def _create_pg_database(cluster: Cluster) -> str:
    name = f"t_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(cluster.url())
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return cluster.url(name)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/tidings.db"
    return await _create_pg_database(request.getfixturevalue("pg_cluster"))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Db]:
    handle = Db(database_url)
    await handle.connect()
    await migrations.apply(handle)
    yield handle
    await handle.disconnect()


class FakeClock:
    """A clock tests move by hand; starts at the real time."""

    def __init__(self) -> None:
        self.ms = real_clock.now_ms()

    def __call__(self) -> int:
        return self.ms

    def advance(self, seconds: float) -> None:
        self.ms += int(seconds * 1000)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@dataclasses.dataclass
class Service:
    app: Starlette
    http: httpx.AsyncClient
    said: list[str]

    @property
    def runtime(self) -> Runtime:
        return self.app.state.runtime  # type: ignore[no-any-return]

    @property
    def db(self) -> Db:
        return self.runtime.db


def settings_for(database_url: str, **changes: Any) -> Settings:
    return Settings(database_url=database_url, public_url="http://testserver/").replace(**changes)


@contextlib.asynccontextmanager
async def running(settings: Settings, clock: FakeClock) -> AsyncIterator[Service]:
    """The app with its lifespan (sender, scheduler) and an in-process HTTP client."""
    said: list[str] = []
    app = create_app(settings, say=said.append, now=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://testserver",
            event_hooks={"response": [contract.check_response]},
        ) as http:
            yield Service(app=app, http=http, said=said)


@pytest.fixture
async def service(
    request: pytest.FixtureRequest, database_url: str, clock: FakeClock
) -> AsyncIterator[Service]:
    """The app on ``database_url``; a test module may set ``SERVICE_SETTINGS`` to change any."""
    changes = getattr(request.module, "SERVICE_SETTINGS", {})
    async with running(settings_for(database_url, **changes), clock) as started:
        yield started


@pytest.fixture
async def target() -> AsyncIterator[Receiver]:
    """A real HTTP receiver on 127.0.0.1."""
    async with receiver() as started:
        yield started


@dataclasses.dataclass
class Tenant:
    """One account with an all-scopes client, its access token and an API token."""

    account_id: int
    client_id: str
    client_secret: str
    access_token: str
    api_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    @property
    def api_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_token}"}


async def _access_token(service: Service, client_id: str, client_secret: str) -> str:
    return await provision.access_token(service.http, client_id, client_secret)


async def make_tenant(service: Service, name: str, *, scopes: str | None = None) -> Tenant:
    now = service.runtime.now()
    account = await credentials.create_account(service.db, name=name, now=now)
    issued = await credentials.create_client(
        service.db, account_id=account.id, name=name, scopes=scopes, now=now
    )
    token = await credentials.create_api_token(
        service.db, account_id=account.id, name=name, now=now
    )
    client_id, secret = issued.client.client_id, issued.client_secret
    return Tenant(
        account_id=account.id,
        client_id=client_id,
        client_secret=secret,
        access_token=await _access_token(service, client_id, secret),
        api_token=token.secret,
    )


async def reauthenticate(service: Service, tenant: Tenant) -> Tenant:
    """The same tenant with a new access token (after a test moved the clock)."""
    token = await _access_token(service, tenant.client_id, tenant.client_secret)
    return dataclasses.replace(tenant, access_token=token)


@pytest.fixture
async def tenant(service: Service) -> Tenant:
    """One account, A, with the ``order-confirm`` email definition (bench/provision.py)."""
    a = await make_tenant(service, "a")
    await provision.email_definition(service.http, a.headers)
    return a


@pytest.fixture
async def tenants(service: Service) -> tuple[Tenant, Tenant]:
    """Two accounts, A and B: every account-scoped route is tested for isolation with them."""
    return await make_tenant(service, "tenant-a"), await make_tenant(service, "tenant-b")
