"""The consumer portal: links, the one-time code, the session cookie, CSRF, revocation, and a
route x permission walk over every /portal/api route showing nothing leaks."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import httpx
import pytest

from app.console import portal as portal_routes
from app.services.access import credentials
from app.wire.portal import Permission
from tests.conftest import (
    FakeClock,
    Service,
    Tenant,
    make_tenant,
    running,
    settings_for,
)
from tests.receiver import Receiver
from tests.webhooks import hook, pump, register, send_email

SERVICE_SETTINGS = {"allow_private_callbacks": True, "auth_cache_ttl_s": 0.0}
LINKS = "/platform/v1/portal-links"
API = "/portal/api/v1/"
ROUTES = sorted(portal_routes.PERMISSIONS.items())


@dataclasses.dataclass
class Portal:
    """A browser holding a portal session."""

    cookie: str
    csrf: str
    link_id: str

    def headers(self, method: str) -> dict[str, str]:
        cookie = {"Cookie": f"tidings_portal={self.cookie}"}
        return cookie if method == "GET" else cookie | {"X-CSRF-Token": self.csrf}


async def create_link(service: Service, tenant: Tenant, **body: Any) -> dict[str, Any]:
    made = await service.http.post(LINKS, headers=tenant.headers, json=body)
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


async def enter(service: Service, url: str) -> httpx.Response:
    """Open a link as a browser does: its page, then its button (a same-origin form POST);
    the cookie is kept by the caller, not by the client's jar."""
    shown = await service.http.get(url.removeprefix("http://testserver"))
    assert shown.status_code == 200 and "set-cookie" not in shown.headers
    code = url.rsplit("/", 1)[1]
    assert f'name="code" value="{code}"' in shown.text and 'action="/portal/enter"' in shown.text
    opened = await service.http.post(
        "/portal/enter", data={"code": code}, headers={"Origin": "http://testserver"}
    )
    service.http.cookies.clear()
    return opened


async def open_portal(service: Service, tenant: Tenant, **body: Any) -> Portal:
    link = await create_link(service, tenant, **body)
    opened = await enter(service, link["url"])
    assert opened.status_code == 303 and opened.headers["location"] == "/portal"
    cookie = opened.cookies["tidings_portal"]
    session = await service.http.get(
        API + "session", headers={"Cookie": f"tidings_portal={cookie}"}
    )
    assert session.status_code == 200, session.text
    return Portal(cookie=cookie, csrf=session.json()["csrfToken"], link_id=link["id"])


async def test_a_link_opens_once_and_sets_a_strict_cookie(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    callback_id, _ = await register(service, tenant, target)
    link = await create_link(
        service, tenant, callbackIds=[callback_id], permissions=["CreateAttempts"],
        expiresInSeconds=3600, name="Orders team",
    )  # fmt: skip
    assert link["permissions"] == ["ViewBase", "CreateAttempts"]
    code = link["url"].rsplit("/", 1)[1]
    stored = await service.db.fetch_one("SELECT * FROM portal_links WHERE id = :id", link)
    assert stored is not None and stored["code_hash"] == credentials.hash_secret(code)
    assert code not in str(dict(stored))
    opened = await enter(service, link["url"])
    cookie = opened.headers["set-cookie"]
    assert opened.status_code == 303 and opened.headers["location"] == "/portal"
    for part in ("HttpOnly", "SameSite=strict", "Path=/portal", "Max-Age=3600"):
        assert part.lower() in cookie.lower()
    again = await enter(service, link["url"])
    assert again.headers["location"] == "/portal?link=invalid" and "set-cookie" not in again.headers
    listed = (await service.http.get(LINKS, headers=tenant.headers)).json()["items"]
    assert listed[0]["usedAt"] is not None and code not in str(listed) and "url" not in listed[0]


async def test_writes_need_the_csrf_token_and_revoking_ends_the_session_at_once(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    callback_id, _ = await hook(service, tenant, target)
    gate = await open_portal(
        service, tenant, callbackIds=[callback_id], permissions=["CreateAttempts"]
    )
    path = f"{API}callbacks/{callback_id}/test"
    bare = {"Cookie": f"tidings_portal={gate.cookie}"}
    assert (await service.http.post(path, headers=bare)).status_code == 403
    wrong = bare | {"X-CSRF-Token": "0" * 32}
    assert (await service.http.post(path, headers=wrong)).status_code == 403
    assert (await service.http.post(path, headers=gate.headers("POST"))).status_code == 200
    gone = await service.http.delete(f"{LINKS}/{gate.link_id}", headers=tenant.headers)
    assert gone.status_code == 200
    after = await service.http.get(API + "callbacks", headers=gate.headers("GET"))
    assert after.status_code == 401
    assert {"message", "errorcode", "documentation"} <= after.json().keys()


async def test_callbacks_created_in_the_portal_join_the_link(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    gate = await open_portal(
        service, tenant, permissions=["ManageEndpoint"], mayCreateCallbacks=True
    )
    made = await service.http.post(
        API + "callbacks", headers=gate.headers("POST"),
        json={"callbackName": "mine", "url": target.url + "/mine"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    [created] = made.json()
    listed = (await service.http.get(API + "callbacks", headers=gate.headers("GET"))).json()
    assert [c["callbackId"] for c in listed] == [created["callbackId"]]
    verify = {
        "callbackId": created["callbackId"],
        "verificationKey": target.probes[-1]["verificationKey"],
    }
    done = await service.http.post(API + "verify", headers=gate.headers("POST"), json=verify)
    assert done.status_code == 200 and done.json()["status"] == "verified"
    subscribed = await service.http.post(
        f"{API}callbacks/{created['callbackId']}/subscriptions", headers=gate.headers("POST"),
        json={"subscriptionName": "mine", "eventCategoryTypes": ["EmailSent"]},
    )  # fmt: skip
    assert subscribed.status_code == 201, subscribed.text
    assert subscribed.json()[0]["callbackId"] == created["callbackId"]
    closed = await open_portal(service, tenant, permissions=["ManageEndpoint"])
    refused = await service.http.post(
        API + "callbacks", headers=closed.headers("POST"),
        json={"callbackName": "x", "url": target.url + "/x"},
    )  # fmt: skip
    assert refused.status_code == 403


async def test_expired_and_unknown_codes_and_sessions(
    service: Service, tenant: Tenant, clock: FakeClock
) -> None:
    unused = await create_link(service, tenant, expiresInSeconds=3600)
    gate = await open_portal(service, tenant, expiresInSeconds=3600)
    assert (await enter(service, "/portal/enter/nope")).headers["location"].endswith("invalid")
    clock.advance(3601)
    assert (await enter(service, unused["url"])).headers["location"].endswith("invalid")
    answer = await service.http.get(API + "session", headers=gate.headers("GET"))
    assert answer.status_code == 401


@pytest.mark.parametrize(
    "body",
    [{"expiresInSeconds": 60}, {"expiresInSeconds": 604801}, {"permissions": ["Admin"]},
     {"callbackIds": "x"}, {"mayCreateCallbacks": "yes"}, {"callbackIds": [1]}, []],
)  # fmt: skip
async def test_bad_link_bodies_are_400s(service: Service, tenant: Tenant, body: Any) -> None:
    answer = await service.http.post(LINKS, headers=tenant.headers, json=body)
    assert answer.status_code == 400, answer.text
    assert {"message", "errorcode", "documentation"} <= answer.json().keys()


async def test_a_link_over_another_accounts_callback_is_refused(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    b = await make_tenant(service, "b")
    theirs, _ = await register(service, b, target)
    answer = await service.http.post(LINKS, headers=tenant.headers, json={"callbackIds": [theirs]})
    assert answer.status_code == 404


async def test_entering_is_rate_limited_per_address(
    service: Service, tenant: Tenant, clock: FakeClock
) -> None:
    limit = service.runtime.settings.rate_limit_token_address
    assert limit is not None
    answers = [await enter(service, "/portal/enter/guess") for _ in range(limit[0] + 1)]
    assert answers[-1].status_code == 429 and "Retry-After" in answers[-1].headers


# The route x permission walk.

_SETS = {
    "base": [],
    **{p.value: [p.value] for p in Permission if p is not Permission.VIEW_BASE},
    "all": [p.value for p in Permission],
}


@dataclasses.dataclass
class World:
    own: str  # the link's callback
    other: str  # the same account's, not in the link
    foreign: str  # another account's
    attempt_id: str
    subscription_id: str
    secrets: list[str]  # nothing under /portal/api may show these


async def _world(service: Service, tenant: Tenant, target: Receiver) -> World:
    own, _ = await hook(service, tenant, target, "/own")
    other, other_key = await register(service, tenant, target, "/other")
    b = await make_tenant(service, "b")
    foreign, foreign_key = await register(service, b, target, "/foreign")
    await send_email(service, tenant, "k-1")
    await pump(service)
    attempts = await service.http.get(
        f"/platform/v1/ens-callbacks/{own}/attempts", headers=tenant.headers
    )
    [subscription] = (await service.http.get(
        f"/platform/v1/ens-subscriptions-by-cb/{own}", headers=tenant.headers
    )).json()  # fmt: skip
    return World(
        own=own, other=other, foreign=foreign,
        attempt_id=str(attempts.json()["attempts"][0]["attemptId"]),
        subscription_id=subscription["subscriptionId"],
        secrets=[other, foreign, other_key, foreign_key, tenant.client_secret,
                 tenant.access_token, tenant.api_token, b.client_secret, b.api_token],
    )  # fmt: skip


def _path(template: str, world: World, callback_id: str) -> str:
    values = {"callback_id": callback_id, "attempt_id": world.attempt_id,
              "subscription_id": world.subscription_id}  # fmt: skip
    return re.sub(r"\{(\w+)\}", lambda m: values[m[1]], template)


def _body(method: str, path: str) -> Any:
    if method in ("GET", "DELETE"):
        return None
    return [{}] if path.endswith(("/callbacks", "/subscriptions")) else {}


async def _call(service: Service, method: str, path: str, headers: dict[str, str]) -> Any:
    return await service.http.request(method, path, headers=headers, json=_body(method, path))


async def test_every_portal_route_by_permission_set_leaks_nothing(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    assert len(ROUTES) >= 20
    world = await _world(service, tenant, target)
    failures: list[str] = []
    for name, permissions in _SETS.items():
        gate = await open_portal(service, tenant, callbackIds=[world.own], permissions=permissions)
        held = {"ViewBase", *permissions}
        for (method, template), needed in ROUTES:
            headers = gate.headers(method)
            if needed.value not in held:
                answer = await _call(service, method, _path(template, world, world.own), headers)
                if answer.status_code != 403:
                    failures.append(f"{name}: {method} {template} {answer.status_code}, not 403")
                continue
            for outside in (world.other, world.foreign):
                if "{callback_id}" in template:
                    answer = await _call(service, method, _path(template, world, outside), headers)
                    if answer.status_code != 404:
                        failures.append(
                            f"{name}: {method} {template} outside: {answer.status_code}"
                        )
            if method == "DELETE":
                continue  # allowed deletes are seen to work in the flows above
            answer = await _call(service, method, _path(template, world, world.own), headers)
            if answer.status_code in (401, 403, 404) or answer.status_code >= 500:
                failures.append(f"{name}: {method} {template} {answer.status_code} {answer.text}")
            leaked = [s for s in world.secrets if s in answer.text]
            if leaked:
                failures.append(f"{name}: {method} {template} shows {leaked}")
    assert not failures, "\n".join(failures)


async def test_every_portal_route_refuses_other_credentials(
    service: Service, tenant: Tenant, target: Receiver, clock: FakeClock
) -> None:
    world = await _world(service, tenant, target)
    everything = [p.value for p in Permission]
    revoked = await open_portal(service, tenant, callbackIds=[world.own], permissions=everything)
    await service.http.delete(f"{LINKS}/{revoked.link_id}", headers=tenant.headers)
    expiring = await open_portal(
        service, tenant, callbackIds=[world.own], permissions=everything, expiresInSeconds=3600
    )
    signin = await service.http.post(
        "/console/login",
        data={"client_id": tenant.client_id, "client_secret": tenant.client_secret},
    )
    console = {"Cookie": f"tidings_session={signin.cookies['tidings_session']}"}
    service.http.cookies.clear()
    cases = {
        "no session": {},
        "revoked link": revoked.headers("POST"),
        "console cookie": console,
        "bearer token": tenant.headers,
        "API token": tenant.api_headers,
        "garbage cookie": {"Cookie": "tidings_portal=nope"},
    }
    failures = []
    for (method, template), _ in ROUTES:
        path = _path(template, world, world.own)
        for case, headers in cases.items():
            answer = await _call(service, method, path, headers)
            if answer.status_code != 401:
                failures.append(f"{method} {path} with {case}: {answer.status_code}")
    clock.advance(3601)
    for (method, template), _ in ROUTES:
        answer = await _call(
            service, method, _path(template, world, world.own), expiring.headers(method)
        )
        if answer.status_code != 401:
            failures.append(f"{method} {template} expired: {answer.status_code}")
    assert not failures, "\n".join(failures)


async def test_a_portal_cookie_opens_no_platform_route(service: Service, tenant: Tenant) -> None:
    gate = await open_portal(service, tenant, permissions=[p.value for p in Permission])
    for path in (
        "/platform/v1/ens-callbacks",
        "/api/v1/suppressions",
        LINKS,
        "/platform/v1/clients",
    ):
        answer = await service.http.get(path, headers=gate.headers("GET"))
        assert answer.status_code == 401, path


async def test_a_portal_session_takes_from_its_links_rate_limit(
    database_url: str, clock: FakeClock
) -> None:
    settings = settings_for(database_url, rate_limit_client=(3, 60.0))
    async with running(settings, clock) as service:
        tenant = await make_tenant(service, "a")
        gate = await open_portal(service, tenant)  # its session call takes the first
        other = await open_portal(service, tenant)
        answers = [await service.http.get(API + "callbacks", headers=gate.headers("GET"))
                   for _ in range(3)]  # fmt: skip
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert "Retry-After" in answers[-1].headers
        # Another link has a bucket of its own.
        fresh = await service.http.get(API + "callbacks", headers=other.headers("GET"))
        assert fresh.status_code == 200


async def test_ended_sessions_are_purged(
    service: Service, tenant: Tenant, clock: FakeClock
) -> None:
    await open_portal(service, tenant, expiresInSeconds=3600)
    count = "SELECT COUNT(*) FROM portal_sessions"
    await service.runtime.jobs.purge_deliveries()
    assert await service.db.fetch_val(count) == 1
    clock.advance(3601)
    await service.runtime.jobs.purge_deliveries()
    assert await service.db.fetch_val(count) == 0


async def test_the_portal_has_the_same_event_catalog(service: Service, tenant: Tenant) -> None:
    gate = await open_portal(service, tenant)
    shown = await service.http.get(API + "event-types", headers=gate.headers("GET"))
    platform = await service.http.get("/platform/v1/event-types", headers=tenant.headers)
    assert shown.status_code == 200 and shown.json() == platform.json()


async def client_of(service: Service, tenant: Tenant, *scopes: str) -> dict[str, str]:
    """Headers of a new client of ``tenant``'s account holding only ``scopes``."""
    made = await service.http.post(
        "/platform/v1/clients", headers=tenant.headers, json={"scopes": list(scopes)}
    )
    assert made.status_code == 201, made.text
    token = await service.http.post("/v2/token", json={
        "grant_type": "client_credentials", "client_id": made.json()["clientId"],
        "client_secret": made.json()["clientSecret"],
    })  # fmt: skip
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def test_a_link_grants_no_more_than_its_creator_holds(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    callback_id, _ = await register(service, tenant, target)
    portal_only = await client_of(service, tenant, "event_notification_portal_manage")
    everything = [p.value for p in Permission]
    answer = await service.http.post(
        LINKS, headers=portal_only, json={"callbackIds": [callback_id],
        "permissions": everything, "mayCreateCallbacks": True},
    )  # fmt: skip
    assert answer.status_code == 403, answer.text
    message = answer.json()["message"]
    for scope in (
        "event_notification_callback_read",
        "event_notification_callback_update",
        "event_notification_callback_create",
        "event_notification_subscription_delete",
    ):
        assert scope in message  # fmt: skip
    base = await service.http.post(LINKS, headers=portal_only, json={})
    assert base.status_code == 403 and "event_notification_callback_read" in base.text
    assert (await service.http.post(LINKS, headers=tenant.headers, json={
        "permissions": everything, "mayCreateCallbacks": True})).status_code == 201  # fmt: skip


async def test_fetching_a_link_uses_nothing_only_its_button_does(
    service: Service, tenant: Tenant
) -> None:
    link = await create_link(service, tenant)
    path = link["url"].removeprefix("http://testserver")
    for _ in range(2):  # a link previewer, a mail scanner
        assert (await service.http.head(path)).status_code == 200
        shown = await service.http.get(path)
        assert shown.status_code == 200 and "set-cookie" not in shown.headers
        assert "Open the portal" in shown.text and "<script" not in shown.text
        policy = shown.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert shown.headers["cache-control"] == "no-store"
    listed = (await service.http.get(LINKS, headers=tenant.headers)).json()["items"]
    assert listed[0]["usedAt"] is None
    code = path.rsplit("/", 1)[1]
    foreign = await service.http.post(
        "/portal/enter", data={"code": code}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403 and "set-cookie" not in foreign.headers
    opened = await enter(service, link["url"])
    assert opened.status_code == 303 and "tidings_portal" in opened.cookies
    again = await enter(service, link["url"])
    assert again.headers["location"] == "/portal?link=invalid"


async def test_the_code_stays_out_of_the_access_log(
    service: Service, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    link = await create_link(service, tenant)
    with caplog.at_level("INFO", logger="tidings.access"):
        await enter(service, link["url"])
    assert caplog.records and link["url"].rsplit("/", 1)[1] not in caplog.text


async def test_portal_conflicts_do_not_echo_the_accounts_other_objects(
    service: Service, tenant: Tenant, target: Receiver
) -> None:
    theirs, _ = await hook(service, tenant, target, "/theirs")  # subscription "all-email"
    mine, _ = await register(service, tenant, target, "/mine")
    gate = await open_portal(
        service, tenant, callbackIds=[mine], permissions=["ManageEndpoint"],
        mayCreateCallbacks=True,
    )  # fmt: skip
    taken = await service.http.post(
        API + "callbacks", headers=gate.headers("POST"),
        json={"callbackName": "again", "url": target.url + "/theirs"},
    )  # fmt: skip
    assert taken.status_code == 409
    assert taken.json()["message"] == "That URL cannot be registered here"
    assert "/theirs" not in taken.text and theirs not in taken.text
    path = f"{API}callbacks/{mine}/subscriptions"
    body = {"subscriptionName": "all-email", "eventCategoryTypes": ["EmailSent"]}
    named = await service.http.post(path, headers=gate.headers("POST"), json=[body])
    assert named.status_code == 409, named.text
    assert "all-email" not in named.text
    own = await service.http.post(
        path, headers=gate.headers("POST"), json=[body | {"subscriptionName": "own"}]
    )
    [sub] = own.json()
    renamed = await service.http.patch(
        f"{path}/{sub['subscriptionId']}", headers=gate.headers("PATCH"),
        json={"subscriptionName": "all-email"},
    )  # fmt: skip
    assert renamed.status_code == 409 and "all-email" not in renamed.text
    platform = await service.http.post(
        "/platform/v1/ens-callbacks", headers=tenant.headers,
        json=[{"callbackName": "x", "url": target.url + "/theirs"}],
    )  # fmt: skip
    assert platform.status_code == 409 and "/theirs" in platform.json()["message"]


async def test_the_portal_session_shows_the_links_name_not_the_accounts(
    service: Service, tenant: Tenant
) -> None:
    await service.db.execute("UPDATE accounts SET name = 'Acme internal' WHERE id = :id",
                             {"id": tenant.account_id})  # fmt: skip
    gate = await open_portal(service, tenant, name="Orders team")
    session = await service.http.get(API + "session", headers=gate.headers("GET"))
    assert session.json()["linkName"] == "Orders team"
    assert "accountName" not in session.json() and "Acme" not in session.text
