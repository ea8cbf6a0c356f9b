"""Every bearer route by {no token, expired, revoked, wrong scope, another account's token}.

The matrix is built from the routing table itself, so a new route is covered the day it is
added. The resources in the paths are real ones of account A, so "another account" proves
that B cannot even learn they exist (404), not merely that a made-up id is missing.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.routing import Route

from app.api import routes
from app.services.access import credentials, scopes
from tests.conftest import FakeClock, Service, Tenant, make_tenant
from tests.receiver import Receiver
from tests.sending import email_definition, recipient, sms_definition
from tests.webhooks import register, subscribe

SERVICE_SETTINGS = {"allow_private_callbacks": True, "auth_cache_ttl_s": 0.0}


def _bearer_routes() -> list[tuple[str, str, tuple[str, ...]]]:
    found = []
    for route in routes.ROUTES:
        accepted = getattr(getattr(route, "endpoint", None), "accepted_scopes", None)
        if isinstance(route, Route) and accepted is not None:
            found += [(m, route.path, accepted) for m in sorted(route.methods or ()) if m != "HEAD"]
    return found


BEARER_ROUTES = _bearer_routes()
# Sends take A's keys as new keys of B's own, and list routes list B's own: no resource of A.
_NOT_A_RESOURCE = re.compile(r"/messages/\{key\}$|/ens-(verify|regenerate)$")


async def _resources_of(service: Service, a: Tenant, target: Receiver) -> dict[str, str]:
    """One real resource of account A for every kind of path parameter."""
    await email_definition(service, a)
    await sms_definition(service, a)
    asset = await service.http.get("/asset/v1/content/assets", headers=a.headers)
    sent = await service.http.post(
        "/messaging/v1/email/messages/a-message", headers=a.headers,
        json={"definitionKey": "order-confirm", "recipient": recipient()},
    )  # fmt: skip
    assert sent.status_code == 202
    mail = await service.http.post(
        "/api/v1/transactionals.json", headers=a.api_headers,
        json={"to": "ana@example.com", "subject": "Hi", "body": "Hello"},
    )  # fmt: skip
    suppressed = await service.http.post(
        "/api/v1/suppressions", headers=a.api_headers, json={"address": "gone@example.com"}
    )
    assert suppressed.status_code == 201, suppressed.text
    callback_id, _ = await register(service, a, target)
    subscription_id = await subscribe(service, a, callback_id)
    cb = f"/platform/v1/ens-callbacks/{callback_id}"
    assert (await service.http.post(cb + "/test", headers=a.headers)).status_code == 200
    attempts = (await service.http.get(cb + "/attempts", headers=a.headers)).json()["attempts"]
    [token] = (await service.http.get("/platform/v1/api-tokens", headers=a.headers)).json()["items"]
    link = await service.http.post("/platform/v1/portal-links", headers=a.headers, json={})
    return {
        "attempt_id": str(attempts[0]["attemptId"]),
        "client_id": a.client_id,
        "token_id": token["tokenId"],
        "link_id": link.json()["id"],
        "asset_id": str(asset.json()["items"][0]["id"]),
        "key": "order-confirm",
        "message_id": mail.json()["id"],
        "address": "gone@example.com",
        "callback_id": callback_id,
        "subscription_id": subscription_id,
    }


def _path(template: str, values: dict[str, str], channel_key: str) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match[1]
        if name == "key":
            return "a-message" if "/messages/" in template else channel_key
        return values[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", fill, template)


async def _call(service: Service, method: str, path: str, headers: dict[str, str]) -> Any:
    body = None if method in ("GET", "DELETE") else ([{}] if "ens-" in path else {})
    return await service.http.request(method, path, headers=headers, json=body)


def _wrong_scope_client(accepted: tuple[str, ...]) -> str:
    return next(s for s in scopes.CLIENT_SCOPES if s not in accepted)


async def test_every_bearer_route_refuses_what_it_must(
    service: Service, clock: FakeClock, target: Receiver
) -> None:
    assert len(BEARER_ROUTES) > 50
    a = await make_tenant(service, "a")
    b = await make_tenant(service, "b")
    values = await _resources_of(service, a, target)
    wrong = {s: await make_tenant(service, f"only-{s}", scopes=s) for s in scopes.CLIENT_SCOPES[:7]}
    revoked = await make_tenant(service, "revoked")
    await credentials.revoke_client(service.db, revoked.client_id, now=service.runtime.now())
    expiring = await make_tenant(service, "expiring")
    failures = []
    for method, template, accepted in BEARER_ROUTES:
        path = _path(template, values, "order-confirm" if "/email/" in template else "otp")
        cases: list[tuple[str, dict[str, str], int]] = [
            ("no token", {}, 401),
            ("garbage token", {"Authorization": "Bearer not-a-token"}, 401),
            ("revoked client", revoked.headers, 401),
        ]
        if accepted:
            holder = wrong[_wrong_scope_client(accepted)]
            cases.append(("wrong scope", holder.headers, 403))
        if "{" in template and not _NOT_A_RESOURCE.search(template):
            other = b.api_headers if accepted[0].startswith("transactional") else b.headers
            cases.append(("another account", other, 404))
        for case, headers, expected in cases:
            answer = await _call(service, method, path, headers)
            if answer.status_code != expected:
                failures.append(f"{method} {path} with {case}: {answer.status_code} {answer.text}")
    clock.advance(service.runtime.settings.access_token_ttl_s + 1)
    for method, template, _ in BEARER_ROUTES:
        path = _path(template, values, "order-confirm")
        answer = await _call(service, method, path, expiring.headers)
        if answer.status_code != 401:
            failures.append(f"{method} {path} with an expired token: {answer.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("scope", scopes.CLIENT_SCOPES)
def test_each_client_scope_opens_some_route(scope: str) -> None:
    assert any(scope in accepted for _, _, accepted in BEARER_ROUTES)
