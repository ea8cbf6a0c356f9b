"""POST /v2/token and bearer authentication, as SFMC clients use them."""

from __future__ import annotations

import base64

import jwt
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.api import auth
from app.api.http import JSONResponse
from app.services.access import auth as auth_service
from app.services.access import credentials
from tests.conftest import FakeClock, Service, Tenant, make_tenant, running, settings_for

SFMC_401 = {"message": "Not Authorized", "errorcode": 0, "documentation": ""}


def _form(tenant: Tenant, **extra: object) -> dict[str, object]:
    return {
        "grant_type": "client_credentials",
        "client_id": tenant.client_id,
        "client_secret": tenant.client_secret,
        **extra,
    }


async def test_token_success_body_is_what_sfmc_clients_read(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    response = await service.http.post("/v2/token", json=_form(tenants[0]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {
        "access_token",
        "token_type",
        "expires_in",
        "scope",
        "rest_instance_url",
        "soap_instance_url",
    }
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1079
    assert body["rest_instance_url"] == body["soap_instance_url"] == "http://testserver/"
    assert "email_send" in body["scope"].split()
    assert len(body["access_token"]) <= 512
    claims = body["access_token"].split(".")[1]
    decoded = base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4))
    assert b'"exp"' in decoded and tenants[0].client_secret.encode() not in decoded


async def test_form_encoded_and_double_slash_are_accepted(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    response = await service.http.post(
        "http://testserver//v2/token",
        data=_form(tenants[0]),  # type: ignore[arg-type]
    )
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"client_secret": "wrong" * 8}, 401, "invalid_client"),
        ({"client_id": "nobody"}, 401, "invalid_client"),
        ({"client_secret": None}, 401, "invalid_client"),
        ({"client_id": None}, 400, "invalid_request"),
        ({"client_id": 42}, 400, "invalid_request"),
        ({"grant_type": None}, 400, "invalid_request"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"scope": "email_read not_a_scope"}, 400, "invalid_scope"),
        ({"scope": ["email_read"]}, 400, "invalid_request"),
        ({"account_id": "abc"}, 400, "invalid_request"),
        ({"account_id": 1}, 401, "invalid_client"),
    ],
)
async def test_token_errors_are_rfc6749(
    service: Service,
    tenants: tuple[Tenant, Tenant],
    change: dict[str, object],
    status: int,
    error: str,
) -> None:
    form = {k: v for k, v in (_form(tenants[0]) | change).items() if v is not None}
    response = await service.http.post("/v2/token", json=form)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]
    assert tenants[0].client_secret not in response.text


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe"])
async def test_malformed_token_bodies_are_invalid_request(service: Service, body: bytes) -> None:
    response = await service.http.post(
        "/v2/token", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_scope_subset_and_empty_scope(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    subset = await service.http.post(
        "/v2/token", json=_form(tenants[0], scope="email_read sms_send")
    )
    assert subset.json()["scope"] == "email_read sms_send"
    empty = await service.http.post("/v2/token", json=_form(tenants[0], scope=""))
    assert empty.status_code == 200
    assert empty.json()["scope"] == ""
    context = await service.http.get(
        "/platform/v1/tokenContext",
        headers={"Authorization": f"Bearer {empty.json()['access_token']}"},
    )
    assert context.json()["scopes"] == []


async def test_account_id_of_the_clients_own_account_is_accepted_as_string_or_number(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    for value in (a.account_id, str(a.account_id)):
        response = await service.http.post("/v2/token", json=_form(a, account_id=value))
        assert response.status_code == 200
    other = await service.http.post("/v2/token", json=_form(a, account_id=b.account_id))
    assert other.status_code == 401


async def test_token_context_names_the_callers_own_account(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    for tenant in (a, b):
        for headers in (tenant.headers, tenant.api_headers):
            response = await service.http.get("/platform/v1/tokenContext", headers=headers)
            assert response.status_code == 200
            assert response.json()["enterprise"]["id"] == tenant.account_id
    lowered = await service.http.get("/platform/v1/tokencontext", headers=a.headers)
    assert lowered.json()["organization"]["id"] == a.account_id


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic abc",
        "Bearer not.a.jwt",
        "Bearer tdg_unknown",
        "Bearer a.b",
    ],
)
async def test_missing_or_unknown_tokens_get_sfmc_401(
    service: Service, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await service.http.get("/platform/v1/tokenContext", headers=headers)
    assert response.status_code == 401
    assert response.json() == SFMC_401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_tampered_token_is_refused(service: Service, tenants: tuple[Tenant, Tenant]) -> None:
    header, claims, signature = tenants[0].access_token.split(".")
    forged_claims = claims[:-2] + ("AA" if claims[-2:] != "AA" else "BB")
    for forged in (f"{header}.{forged_claims}.{signature}", f"{header}.{claims}.{signature[::-1]}"):
        response = await service.http.get(
            "/platform/v1/tokenContext", headers={"Authorization": f"Bearer {forged}"}
        )
        assert response.status_code == 401


async def test_expired_token_is_refused(
    service: Service, tenants: tuple[Tenant, Tenant], clock: FakeClock
) -> None:
    clock.advance(1199)
    ok = await service.http.get("/platform/v1/tokenContext", headers=tenants[0].headers)
    assert ok.status_code == 200
    clock.advance(2)
    expired = await service.http.get("/platform/v1/tokenContext", headers=tenants[0].headers)
    assert expired.status_code == 401
    assert expired.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_revoking_a_client_takes_effect_within_the_cache_ttl(
    service: Service, tenants: tuple[Tenant, Tenant], clock: FakeClock
) -> None:
    a = tenants[0]
    assert (
        await service.http.get("/platform/v1/tokenContext", headers=a.headers)
    ).status_code == 200
    await credentials.revoke_client(service.db, a.client_id, now=clock())
    clock.advance(service.runtime.settings.auth_cache_ttl_s + 0.001)
    response = await service.http.get("/platform/v1/tokenContext", headers=a.headers)
    assert response.status_code == 401
    again = await service.http.post("/v2/token", json=_form(a))
    assert again.status_code == 401


async def test_revoking_an_api_token_takes_effect_within_the_cache_ttl(
    service: Service, tenants: tuple[Tenant, Tenant], clock: FakeClock
) -> None:
    a = tenants[0]
    assert (
        await service.http.get("/platform/v1/tokenContext", headers=a.api_headers)
    ).status_code == 200
    token_id = (await service.http.get("/platform/v1/tokenContext", headers=a.api_headers)).json()[
        "application"
    ]["tokenId"]
    await credentials.revoke_api_token(service.db, token_id, now=clock())
    clock.advance(service.runtime.settings.auth_cache_ttl_s + 0.001)
    assert (
        await service.http.get("/platform/v1/tokenContext", headers=a.api_headers)
    ).status_code == 401


async def test_validating_a_token_costs_no_database_round_trip(
    service: Service, tenants: tuple[Tenant, Tenant], monkeypatch: pytest.MonkeyPatch
) -> None:
    a = tenants[0]
    await service.http.get("/platform/v1/tokenContext", headers=a.headers)  # warms the cache
    await service.http.get("/platform/v1/tokenContext", headers=a.api_headers)
    calls: list[str] = []
    for name in ("fetch_one", "fetch_all", "fetch_val", "execute"):
        real = getattr(service.db, name)

        async def spy(*args: object, _real=real, _name=name, **kwargs: object) -> object:
            calls.append(_name)
            return await _real(*args, **kwargs)

        monkeypatch.setattr(service.db, name, spy)
    for _ in range(5):
        await service.http.get("/platform/v1/tokenContext", headers=a.headers)
        await service.http.get("/platform/v1/tokenContext", headers=a.api_headers)
    assert calls == []


async def test_routes_enforce_their_scope_with_sfmc_403(service: Service) -> None:
    @auth.requires("email_read")
    async def guarded(request: Request) -> Response:
        return JSONResponse({"account": auth.principal(request).account_id})

    service.app.router.routes.append(Route("/test/guarded", guarded))
    reader = await make_tenant(service, "reader", scopes="email_read")
    sender = await make_tenant(service, "sender", scopes="email_send")
    allowed = await service.http.get("/test/guarded", headers=reader.headers)
    assert allowed.json() == {"account": reader.account_id}
    refused = await service.http.get("/test/guarded", headers=sender.headers)
    assert refused.status_code == 403
    assert refused.json()["errorcode"] == 20002
    assert "email_read" in refused.json()["message"]


async def test_unknown_paths_and_methods_answer_in_the_sfmc_envelope(service: Service) -> None:
    missing = await service.http.get("/no/such/path")
    assert missing.status_code == 404
    assert set(missing.json()) == {"message", "errorcode", "documentation"}
    wrong_method = await service.http.get("/v2/token")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["errorcode"] == 0


SECRET_KEY = "operator-secret-key-0123456789abcdef"


async def _forged(service: Service, **claims: object) -> int:
    """The status of tokenContext for a token signed with the server's real key."""
    key = await auth_service.load_signing_key(service.db, SECRET_KEY, now=service.runtime.now())
    algorithm = str(claims.pop("alg", "HS256"))
    signing_key = {"HS256": key, "HS512": key * 2, "none": None}[algorithm]
    token = jwt.encode({k: v for k, v in claims.items() if v is not None}, signing_key, algorithm)
    response = await service.http.get(
        "/platform/v1/tokenContext", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code


async def test_signed_tokens_are_held_to_their_clients_account_and_lifetime(
    database_url: str, clock: FakeClock
) -> None:
    settings = settings_for(database_url, secret_key=SECRET_KEY)
    async with running(settings, clock) as service:
        a = await make_tenant(service, "a")
        b = await make_tenant(service, "b")
        now_s = clock.ms // 1000
        ttl_s = settings.access_token_ttl_s
        claims = {"sub": a.client_id, "mid": a.account_id, "scp": 1, "iat": now_s}
        assert await _forged(service, **claims, exp=now_s + ttl_s) == 200  # the real shape
        assert await _forged(service, **claims | {"mid": b.account_id}, exp=now_s + 60) == 401
        assert await _forged(service, **claims, exp=now_s + ttl_s + 1) == 401  # past the TTL
        assert await _forged(service, **claims | {"iat": None}, exp=now_s + 60) == 401
        assert await _forged(service, **claims | {"iat": now_s + 3600}, exp=now_s + 3660) == 401
        assert await _forged(service, **claims | {"mid": str(a.account_id)}, exp=now_s + 60) == 401
        for algorithm in ("HS512", "none"):  # pinned: the token's header does not choose
            assert await _forged(service, **claims, exp=now_s + 60, alg=algorithm) == 401


async def test_an_api_token_without_the_tdg_prefix_is_looked_up_by_its_hash(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    value = "brd_" + "k" * 40  # kept from Broadcast
    issued = await credentials.create_api_token(
        service.db,
        account_id=tenants[1].account_id,
        name="moved",
        secret=value,
        now=service.runtime.now(),
    )
    for path in ("/platform/v1/tokenContext", "/api/v1/transactionals.json"):
        response = await service.http.get(path, headers={"Authorization": f"Bearer {value}"})
        assert response.status_code == 200, response.text
    context = await service.http.get(
        "/platform/v1/tokenContext", headers={"Authorization": f"Bearer {value}"}
    )
    assert context.json()["application"]["tokenId"] == issued.token.id
    assert context.json()["enterprise"]["id"] == tenants[1].account_id
