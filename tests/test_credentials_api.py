"""Credentials through the API: clients and API tokens listed, created (secret shown once,
stored hashed), revoked; no escalation, no revoking oneself, no other account's."""

from __future__ import annotations

import pytest

from app.services.access import credentials, scopes
from tests.conftest import Service, make_tenant

SERVICE_SETTINGS = {"auth_cache_ttl_s": 0.0}


async def test_a_client_is_created_with_its_secret_once_and_works(service: Service) -> None:
    a = await make_tenant(service, "a")
    made = await service.http.post(
        "/platform/v1/clients", headers=a.headers,
        json={"scopes": ["email_read", "email_send"], "name": "billing"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["scopes"] == ["email_read", "email_send"] and body["name"] == "billing"
    secret = body["clientSecret"]
    stored = await service.db.fetch_one(
        "SELECT * FROM api_clients WHERE client_id = :id", {"id": body["clientId"]}
    )
    assert stored is not None and stored["secret_hash"] == credentials.hash_secret(secret)
    assert secret not in str(dict(stored))
    listed = (await service.http.get("/platform/v1/clients", headers=a.headers)).json()["items"]
    assert body["clientId"] in [c["clientId"] for c in listed]
    assert "clientSecret" not in str(listed) and secret not in str(listed)
    token = await service.http.post("/v2/token", json={
        "grant_type": "client_credentials", "client_id": body["clientId"], "client_secret": secret,
    })  # fmt: skip
    assert token.status_code == 200 and token.json()["scope"] == "email_read email_send"


async def test_nobody_grants_a_scope_it_does_not_hold(service: Service) -> None:
    narrow = await make_tenant(service, "narrow", scopes="credentials_manage email_read")
    refused = await service.http.post(
        "/platform/v1/clients", headers=narrow.headers, json={"scopes": ["email_send"]}
    )
    assert refused.status_code == 403 and "email_send" in refused.json()["message"]
    token = await service.http.post(
        "/platform/v1/api-tokens", headers=narrow.headers, json={"scopes": ["transactional_write"]}
    )
    assert token.status_code == 403
    reads = await service.http.post(
        "/platform/v1/api-tokens", headers=narrow.headers, json={"scopes": ["transactional_read"]}
    )
    assert reads.status_code == 201, reads.text
    assert reads.json()["token"].startswith(credentials.API_TOKEN_PREFIX)


async def test_a_client_cannot_revoke_itself_but_can_revoke_another(service: Service) -> None:
    a = await make_tenant(service, "a")
    myself = await service.http.delete(f"/platform/v1/clients/{a.client_id}", headers=a.headers)
    assert myself.status_code == 409
    other = (await service.http.post(
        "/platform/v1/clients", headers=a.headers, json={"scopes": ["email_read"]}
    )).json()  # fmt: skip
    gone = await service.http.delete(f"/platform/v1/clients/{other['clientId']}", headers=a.headers)
    assert gone.status_code == 200
    listed = (await service.http.get("/platform/v1/clients", headers=a.headers)).json()["items"]
    [revoked] = [c for c in listed if c["clientId"] == other["clientId"]]
    assert revoked["revokedAt"] is not None
    token = await service.http.post("/v2/token", json={
        "grant_type": "client_credentials", "client_id": other["clientId"],
        "client_secret": other["clientSecret"],
    })  # fmt: skip
    assert token.status_code == 401


async def test_api_tokens_are_created_listed_and_revoked(service: Service) -> None:
    a = await make_tenant(service, "a")
    made = (await service.http.post(
        "/platform/v1/api-tokens", headers=a.headers,
        json={"scopes": ["transactional_read"], "name": "shop"},
    )).json()  # fmt: skip
    bearer = {"Authorization": f"Bearer {made['token']}"}
    assert (await service.http.get("/api/v1/suppressions", headers=bearer)).status_code == 200
    listed = (await service.http.get("/platform/v1/api-tokens", headers=a.headers)).json()
    assert made["tokenId"] in [t["tokenId"] for t in listed["items"]]
    assert made["token"] not in str(listed)
    path = f"/platform/v1/api-tokens/{made['tokenId']}"
    assert (await service.http.delete(path, headers=a.headers)).status_code == 200
    assert (await service.http.get("/api/v1/suppressions", headers=bearer)).status_code == 401


async def test_another_accounts_credentials_are_not_found(service: Service) -> None:
    a, b = await make_tenant(service, "a"), await make_tenant(service, "b")
    assert (await service.http.delete(
        f"/platform/v1/clients/{a.client_id}", headers=b.headers
    )).status_code == 404  # fmt: skip
    [token] = (await service.http.get("/platform/v1/api-tokens", headers=a.headers)).json()["items"]
    path = f"/platform/v1/api-tokens/{token['tokenId']}"
    assert (await service.http.delete(path, headers=b.headers)).status_code == 404
    listed = (await service.http.get("/platform/v1/clients", headers=b.headers)).json()["items"]
    assert [c["clientId"] for c in listed] == [b.client_id]


@pytest.mark.parametrize(
    "body",
    [{}, {"scopes": []}, {"scopes": ["no_such_scope"]}, {"scopes": "email_read"},
     {"scopes": ["email_read"], "name": 5}, {"scopes": [1]}],
)  # fmt: skip
async def test_bad_bodies_are_400s(service: Service, body: object) -> None:
    a = await make_tenant(service, "a")
    for path in ("/platform/v1/clients", "/platform/v1/api-tokens"):
        answer = await service.http.post(path, headers=a.headers, json=body)
        assert answer.status_code == 400, (path, answer.text)
        assert {"message", "errorcode", "documentation"} <= answer.json().keys()


def test_the_new_scopes_are_appended_and_the_first_client_gets_them() -> None:
    assert scopes.CLIENT_SCOPES[-2:] == ("credentials_manage", "event_notification_portal_manage")
    assert scopes.CLIENT_SCOPES[13] == "event_notification_subscription_delete"


async def test_nobody_revokes_a_credential_holding_scopes_it_lacks(service: Service) -> None:
    a = await make_tenant(service, "a")
    made = await service.http.post(
        "/platform/v1/clients", headers=a.headers, json={"scopes": ["credentials_manage"]}
    )
    narrow = made.json()
    token = await service.http.post("/v2/token", json={
        "grant_type": "client_credentials", "client_id": narrow["clientId"],
        "client_secret": narrow["clientSecret"],
    })  # fmt: skip
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    refused = await service.http.delete(f"/platform/v1/clients/{a.client_id}", headers=bearer)
    assert refused.status_code == 403 and "email_send" in refused.json()["message"]
    writer = (await service.http.post(
        "/platform/v1/api-tokens", headers=a.headers, json={"scopes": ["transactional_write"]}
    )).json()  # fmt: skip
    path = f"/platform/v1/api-tokens/{writer['tokenId']}"
    kept = await service.http.delete(path, headers=bearer)
    assert kept.status_code == 403 and "transactional_write" in kept.json()["message"]
    peer = (await service.http.post(
        "/platform/v1/clients", headers=a.headers, json={"scopes": ["credentials_manage"]}
    )).json()  # fmt: skip
    path = f"/platform/v1/clients/{peer['clientId']}"
    assert (await service.http.delete(path, headers=bearer)).status_code == 200
    listed = (await service.http.get("/platform/v1/clients", headers=a.headers)).json()["items"]
    assert [c["revokedAt"] for c in listed if c["clientId"] == a.client_id] == [None]
