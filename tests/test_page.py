"""The console's sign-in and session cookie (also at the older /stats paths), and /metrics, over
HTTP (in a browser: test_console*)."""

from __future__ import annotations

import json
import pathlib
import re

import httpx

from app import clock as clock_module
from app.wire import vocabulary
from tests.conftest import FakeClock, Service, Tenant, reauthenticate
from tests.webhooks import send_email

ROOT = pathlib.Path(__file__).parent.parent


async def test_sign_in_sets_a_strict_http_only_cookie_that_only_reads(
    service: Service, tenants: tuple[Tenant, Tenant]
) -> None:
    a = tenants[0]
    old_page = await service.http.get("/stats")
    assert old_page.status_code == 302 and old_page.headers["location"] == "/console#/overview"
    page = await service.http.get("/console")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert (await service.http.get("/stats/session")).json() == {"signedIn": False}
    wrong = await service.http.post(
        "/stats/login", data={"client_id": a.client_id, "client_secret": "nope"}
    )
    assert wrong.status_code == 303 and wrong.headers["location"] == "/console?signin=failed"
    assert "set-cookie" not in wrong.headers
    elsewhere = await service.http.post(
        "/stats/login",
        data={"client_id": a.client_id, "client_secret": a.client_secret},
        headers={"Origin": "https://evil.example"},
    )
    assert elsewhere.status_code == 403
    signed = await service.http.post(
        "/stats/login",
        data={"client_id": a.client_id, "client_secret": a.client_secret},
        headers={"Origin": "http://testserver"},
    )
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    session = await service.http.get("/stats/session")
    assert session.json()["signedIn"] is True and session.json()["accountId"] == a.account_id
    assert (await service.http.get("/api/v1/stats/summary")).status_code == 200
    # The cookie alone never authorises a write, so a forged cross-site POST has nothing to ride
    # on; with the session's CSRF token (which only a same-origin page can read) it does.
    write = await service.http.post("/api/v1/suppressions", json={"address": "x@example.com"})
    assert write.status_code == 403 and "X-CSRF-Token" in write.text
    other = {"X-CSRF-Token": "0" * 32}
    wrong_token = await service.http.post(
        "/api/v1/suppressions", json={"address": "x@example.com"}, headers=other
    )
    assert wrong_token.status_code == 403
    csrf = {"X-CSRF-Token": session.json()["csrfToken"]}
    write = await service.http.post(
        "/api/v1/suppressions", json={"address": "x@example.com"}, headers=csrf
    )
    assert write.status_code == 201
    # The session token is a credential only as the cookie: sent as a bearer it writes nothing,
    # reads nothing; and an API access token put in the cookie is no session.
    token, signed_in = service.http.cookies["tidings_session"], httpx.Cookies(service.http.cookies)
    service.http.cookies.clear()
    as_bearer = {"Authorization": f"Bearer {token}"}
    for method, path in (("POST", "/api/v1/suppressions"), ("GET", "/api/v1/stats/summary")):
        response = await service.http.request(
            method, path, headers=as_bearer, json={"address": "x@example.com"}
        )
        assert response.status_code == 401, (method, path)
    service.http.cookies.set("tidings_session", a.access_token)
    assert (await service.http.get("/api/v1/stats/summary")).status_code == 401
    assert (await service.http.get("/stats/session")).json() == {"signedIn": False}
    service.http.cookies = signed_in
    out = await service.http.post("/stats/logout", headers={"Origin": "http://testserver"})
    assert out.status_code == 303
    assert (await service.http.get("/stats/session")).json() == {"signedIn": False}
    assert (await service.http.get("/api/v1/stats/summary")).status_code == 401


async def test_metrics_count_requests_outcomes_and_backlog(
    service: Service, tenant: Tenant, clock: FakeClock
) -> None:
    await send_email(service, tenant, "k-1")
    text = (await service.http.get("/metrics")).text
    assert (
        'tidings_events_total{channel="email",type="TransactionalSendEvents.EmailSent"} 1.0' in text
    )
    route = 'route="/messaging/v1/email/messages/{key}"'  # templates, not raw paths
    assert f'method="POST",{route},status="202"' in text
    assert "tidings_webhook_backlog 0.0" in text
    assert 'tidings_scheduler_lag_seconds{queue="webhooks"} 0.0' in text
    assert "tidings_http_request_duration_seconds_bucket" in text
    await service.http.get("/metrics")
    text = (await service.http.get("/metrics")).text  # each scrape counted once, after it
    assert 'tidings_http_requests_total{method="GET",route="/metrics",status="200"} 2.0' in text
    clock.advance(31 * 86400)
    assert await service.runtime.jobs.purge_events() == 1  # raw rows go past retention …
    tenant = await reauthenticate(service, tenant)
    since = clock_module.iso_utc(clock.ms - 40 * 86400 * 1000)
    summary = await service.http.get(f"/api/v1/stats/summary?from={since}", headers=tenant.headers)
    assert summary.json()["sent"] == 1  # … the rollups keep the count


async def test_static_serves_page_assets_only(service: Service) -> None:
    """The README's screenshot lives in docs/, not under the publicly served /static/."""
    assert (await service.http.get("/static/console/app.js")).status_code == 200
    assert (await service.http.get("/static/stats.js")).status_code == 404  # the console now
    assert (await service.http.get("/static/stats-screenshot.png")).status_code == 404
    assert (await service.http.get("/static/.gitkeep")).status_code == 404
    readme = (ROOT / "README.md").read_text()
    for image in re.findall(r"!\[[^]]*\]\(([^)]+)\)", readme):
        assert not image.startswith("static/"), image
        assert (ROOT / image).is_file(), image


async def test_the_page_carries_the_event_types_it_draws_from_the_vocabulary(
    service: Service,
) -> None:
    """Each type with its short name and colour, in a data block (no script runs from it)."""
    page = await service.http.get("/console")
    found = re.search(r'<script id="event-types" type="application/json">(.*?)</script>', page.text)
    assert found is not None
    assert json.loads(found.group(1)) == [
        {"type": t.value, "short": t.short, "colour": t.colour} for t in vocabulary.EventType
    ]
    assert "script-src 'self'" in page.headers["content-security-policy"]  # unchanged
    colours = [t.colour.lower() for t in vocabulary.EventType]
    assert len(set(colours)) == len(colours)  # each type its own line on the chart
