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


_SFMC = {"message", "errorcode"}
# (route, credential kind, body shape for an answer to bad input)
_JSON_ROUTES = [
    ("/messaging/v1/email/messages/k1", "client", "sfmc"),
    ("/messaging/v1/email/messages", "client", "sfmc"),
    ("/messaging/v1/email/definitions", "client", "sfmc"),
    ("/asset/v1/content/assets", "client", "sfmc"),
    ("/platform/v1/ens-callbacks", "client", "sfmc"),
    ("/platform/v1/ens-subscriptions", "client", "sfmc"),
    ("/api/v1/transactionals.json", "token", "broadcast"),
    ("/api/v1/suppressions", "token", "broadcast"),
    ("/v2/token", None, "oauth"),
]
_BAD_BODIES = {
    "malformed JSON": b'{"to": ',
    "invalid UTF-8": b'{"to": "\xff\xfe"}',
    "a list, not an object": b"[1, 2]",
    "a bare string": b'"hello"',
    "wrong types": b'{"to": 5, "definitionKey": [], "recipient": "x", "subject": {}, "name": 1,'
    b' "address": false, "grant_type": 7}',
    "missing fields": b"{}",
    "unknown fields only": b'{"surprise": true}',
    "deeply nested": b'{"a":' * 200 + b"1" + b"}" * 200,
}


async def test_bad_bodies_get_the_api_s_own_4xx_everywhere(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    a = tenants[0]
    for path, credential, shape in _JSON_ROUTES:
        headers = {"client": a.headers, "token": a.api_headers}.get(credential or "", {})
        for name, body in _BAD_BODIES.items():
            response = await service.http.post(
                path, headers=headers | {"Content-Type": "application/json"}, content=body
            )
            where = f"{name} to {path}: {response.status_code} {response.text[:200]}"
            assert 400 <= response.status_code < 500, where
            answer = response.json()
            if shape == "sfmc":
                assert set(answer) >= _SFMC, where
            elif shape == "broadcast":
                assert set(answer) in ({"errors"}, {"error"}), where
            else:
                assert "error" in answer, where


async def test_unicode_everywhere_round_trips(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    a = tenants[0]
    text = "Grüße, 世界 — ✓ 🚀 \u202eRTL\u202c ﷽"
    created = await service.http.post(
        "/api/v1/transactionals.json",
        headers=a.api_headers,
        json={"to": "ünïcode@exämple.com", "recipient_name": text, "subject": text, "body": text},
    )
    assert created.status_code in (201, 422), created.text
    ascii_to = await service.http.post(
        "/api/v1/transactionals.json",
        headers=a.api_headers,
        json={"to": "ana@example.com", "recipient_name": text, "subject": text, "body": text},
    )
    assert ascii_to.status_code == 201, ascii_to.text
    message_id = ascii_to.json()["id"]
    shown = await service.http.get(
        f"/api/v1/transactionals/{message_id}.json", headers=a.api_headers
    )
    assert shown.json()["subject"] == text and shown.json()["recipient_name"] == text
    injected = await service.http.post(
        "/api/v1/transactionals.json",
        headers=a.api_headers,
        json={"to": "ana@example.com", "recipient_name": "Ana\r\nBcc: evil@example.com",
              "subject": "Hi\r\nX-Injected: 1", "body": "x"},
    )  # fmt: skip
    assert injected.status_code == 201, injected.text
    for field in ("recipient_name", "subject"):  # header values stay on one line
        assert "\r" not in injected.json()[field] and "\n" not in injected.json()[field]
    suppressed = await service.http.post(
        "/api/v1/suppressions", headers=a.api_headers, json={"address": "ÜBER@example.com"}
    )
    assert suppressed.status_code in (201, 422), suppressed.text
