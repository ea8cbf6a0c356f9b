"""Malformed requests get the API's own answer, never a 500 (both databases)."""

from __future__ import annotations

from tests.conftest import Service, Tenant


async def test_nul_in_paths_and_queries_is_a_4xx(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    a = tenants[0]
    for path in (
        "/platform/v1/ens-callbacks/%00",
        "/platform/v1/ens-subscriptions/a%00b",
        "/messaging/v1/email/definitions/%00",
        "/messaging/v1/email/messages/k%00",
        "/asset/v1/content/assets?customerKey=%00",
        "/api/v1/suppressions?address=a%00@b.io",
        "/api/v1/transactionals/%00.json",
    ):
        response = await service.http.get(path, headers=a.headers)
        assert response.status_code in (200, 400, 404, 422), (path, response.text)
        if "?" not in path:  # a lookup by an id or key with NUL finds nothing
            assert response.status_code in (400, 404), path
        assert response.headers["content-type"] == "application/json", path
