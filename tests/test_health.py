"""Liveness and readiness probes."""

from __future__ import annotations

import pytest

from tests.conftest import Service


async def test_healthz_and_readyz_need_no_token(service: Service) -> None:
    assert (await service.http.get("/healthz")).json() == {"status": "ok"}
    ready = await service.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok"}


async def test_readyz_is_503_when_the_database_fails(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("database is down")

    monkeypatch.setattr(service.db, "fetch_val", refuse)
    ready = await service.http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "error": "ConnectionRefusedError"}
    assert (await service.http.get("/healthz")).status_code == 200


async def test_trailing_slash_is_tolerated(service: Service) -> None:
    assert (await service.http.get("/healthz/")).status_code == 200
