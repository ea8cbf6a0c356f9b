"""The suppression list API: list, add, remove, per account, and its effect on sends."""

from __future__ import annotations

from app.providers.sandbox import EMAIL_DOMAIN
from app.storage import messages
from tests.conftest import Service, Tenant, make_tenant
from tests.sending import email_definition, recipient, settle

Tenants = tuple[Tenant, Tenant]
URL = "/api/v1/suppressions"


async def test_operator_adds_lists_and_removes(service: Service, tenants: Tenants) -> None:
    a, b = tenants
    added = await service.http.post(
        URL, json={"address": "Ana@Example.com", "reason": "asked us to stop"}, headers=a.headers
    )
    assert added.status_code == 201, added.text
    assert added.json()["address"] == "ana@example.com"
    assert added.json()["source"] == "operator"
    twice = await service.http.post(URL, json={"address": "ana@example.com"}, headers=a.headers)
    assert twice.status_code == 200 and twice.json()["reason"] == "asked us to stop"
    phone = await service.http.post(URL, json={"address": "+1 555 555 0199"}, headers=a.api_headers)
    assert phone.status_code == 201 and phone.json()["address"] == "15555550199"

    listed = (await service.http.get(URL + "?$pageSize=1", headers=a.headers)).json()
    assert listed["count"] == 2 and len(listed["items"]) == 1
    found = await service.http.get(URL, params={"address": "ANA@example.com"}, headers=a.headers)
    assert [e["address"] for e in found.json()["items"]] == ["ana@example.com"]
    assert (await service.http.get(URL, headers=b.headers)).json()["count"] == 0
    assert (
        await service.http.delete(URL + "/ana@example.com", headers=b.headers)
    ).status_code == 404

    await email_definition(service, a)
    await service.http.post(
        "/messaging/v1/email/messages/s-1",
        headers=a.headers,
        json={"definitionKey": "order-confirm", "recipient": recipient("ana@example.com")},
    )
    blocked = await settle(service, a.account_id, "email", "s-1")
    assert (blocked.status, blocked.status_code) == (messages.NOT_SENT, 27)

    removed = await service.http.delete(URL + "/Ana@Example.com", headers=a.headers)
    assert removed.status_code == 204
    assert (
        await service.http.delete(URL + "/ana@example.com", headers=a.headers)
    ).status_code == 404
    await service.http.post(
        "/messaging/v1/email/messages/s-2",
        headers=a.headers,
        json={"definitionKey": "order-confirm", "recipient": recipient("ana@example.com")},
    )
    assert (await settle(service, a.account_id, "email", "s-2")).status == messages.SENT


async def test_bounce_entries_name_their_event(service: Service, tenants: Tenants) -> None:
    a = tenants[0]
    await email_definition(service, a)
    await service.http.post(
        "/messaging/v1/email/messages/b-1",
        headers=a.headers,
        json={"definitionKey": "order-confirm", "recipient": recipient(f"bounce@{EMAIL_DOMAIN}")},
    )
    await settle(service, a.account_id, "email", "b-1")
    [entry] = (await service.http.get(URL, headers=a.headers)).json()["items"]
    assert entry["source"] == "bounce" and entry["reason"] == "hard bounce 5.1.1"
    assert entry["eventId"] and entry["createdDate"].endswith("Z")


async def test_bad_input_and_scopes(service: Service, tenants: Tenants) -> None:
    a = tenants[0]
    # /api/v1 speaks Broadcast's dialect: 422 {"errors": {field: [problem]}}.
    cases = [
        ({"address": "not an address"}, "address"),
        ({}, "address"),
        ([], "base"),
        ({"address": "a@b.io", "reason": 5}, "reason"),
    ]
    for body, field in cases:
        response = await service.http.post(URL, json=body, headers=a.headers)
        assert response.status_code == 422, body
        assert list(response.json()["errors"]) == [field]
    broken = await service.http.post(
        URL, content=b"{", headers=a.headers | {"Content-Type": "application/json"}
    )
    assert broken.status_code == 400 and "base" in broken.json()["errors"]
    assert (await service.http.get(URL + "?$pageSize=0", headers=a.headers)).status_code == 400
    assert (await service.http.delete(URL + "/nonsense", headers=a.headers)).status_code == 422
    anonymous = await service.http.get(URL)
    assert anonymous.status_code == 401 and "error" in anonymous.json()
    reader = await make_tenant(service, "reader", scopes="email_read")
    assert (await service.http.get(URL, headers=reader.headers)).status_code == 200
    denied = await service.http.post(URL, json={"address": "x@y.io"}, headers=reader.headers)
    assert denied.status_code == 403 and "email_write" in denied.json()["error"]
