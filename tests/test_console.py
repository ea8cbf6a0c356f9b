"""The console's shell in a real browser: sign in, the session's CSRF token, routing, sign out."""

from __future__ import annotations

from typing import Any

import httpx

from tests.browser import CLIENT_ID, SECRET, chromium, needs_chromium, screenshot, served_env
from tests.server import serving


@needs_chromium
def test_signing_in_shows_the_overview_and_unknown_pages_say_so(tmp_path: Any) -> None:
    with serving(served_env(tmp_path / "console.db")) as server, chromium(server.base_url) as b:
        page = b.page()
        page.goto(server.base_url + "console")
        page.wait_for_selector("#signin:not([hidden])")
        page.fill("input[name=client_id]", CLIENT_ID)
        page.fill("input[name=client_secret]", "not the secret")
        page.click("#signin button[type=submit]")
        page.wait_for_selector("#signin-failed:not([hidden])")
        page = b.signed_in()
        heading = page.text_content("#main h1")
        current = page.get_attribute('[data-nav="overview"]', "aria-current")
        page.goto(server.base_url + "console#/no-such-page")
        page.wait_for_selector("#main h1:text('Not found')")
        screenshot(page, "console-shell")
        page.click("#signout button")
        page.wait_for_selector("#signin:not([hidden])")
    assert heading == "Overview" and current == "page"
    assert b.problems == [] and b.outside == []


def test_the_page_is_strict_and_the_session_gives_a_csrf_token(tmp_path: Any) -> None:
    with (
        serving(served_env(tmp_path / "console.db")) as server,
        httpx.Client(base_url=server.base_url) as http,
    ):
        page = http.get("/console")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert http.get("/console/session").json() == {"signedIn": False}
        signed = http.post(
            "/console/login",
            data={"client_id": CLIENT_ID, "client_secret": SECRET},
            headers={"Origin": server.base_url.rstrip("/")},
        )
        assert signed.status_code == 303 and signed.headers["location"] == "/console"
        session = http.get("/console/session").json()
        assert session["signedIn"] is True and len(session["csrfToken"]) == 32
        add = {"address": "someone@example.com"}
        assert http.post("/api/v1/suppressions", json=add).status_code == 403
        csrf = {"X-CSRF-Token": session["csrfToken"]}
        assert http.post("/api/v1/suppressions", json=add, headers=csrf).status_code == 201
