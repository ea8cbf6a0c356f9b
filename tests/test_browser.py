"""The API reference at /docs in a real browser: the vendored Swagger UI renders every operation
of /openapi.json with its examples, and "Try it out" runs on the console's signed-in session
(the cookie, plus the session's CSRF token on writes). The stats page's checks moved to the
console's overview (tests/test_console_overview.py)."""

from __future__ import annotations

from typing import Any

from app.api import openapi, routes  # noqa: F401 (importing the handlers fills the registry)
from tests.browser import ARTIFACTS, chromium, needs_chromium, served_env
from tests.server import serving


@needs_chromium
def test_the_api_reference_page_renders_every_operation(tmp_path: Any) -> None:
    paths = openapi.document()["paths"]
    expected = sum(len(methods) for methods in paths.values())
    with serving(served_env(tmp_path / "docs.db")) as server, chromium(server.base_url) as b:
        page = b.page()
        page.goto(server.base_url + "docs")
        page.wait_for_selector(".opblock", timeout=15_000)
        rendered = page.locator(".opblock").count()
        signed_out = page.text_content("#session") or ""
        page.fill(".operation-filter-input", "Suppressions")
        page.locator(".opblock", has_text="/v2/token").first.wait_for(state="detached")
        shown = page.locator(".opblock").count()
        page = b.signed_in()
        page.goto(server.base_url + "docs#/Suppressions")
        add = page.locator(".opblock-post", has_text="/api/v1/suppressions").first
        add.locator(".opblock-summary").click()
        example = add.locator(".body-param__example, .microlight").first.text_content() or ""
        add.locator("button.try-out__btn").click()
        add.locator("textarea.body-param__text").fill('{"address": "docs@example.com"}')
        add.locator("button.execute").click()
        add.locator(".live-responses-table tbody .response-col_status").first.wait_for()
        status = (
            add.locator(".live-responses-table tbody .response-col_status").first.text_content()
            or ""
        ).strip()
        signed_in = page.text_content("#session") or ""
        page.screenshot(path=str(ARTIFACTS / "api-reference.png"))  # the top: the page is long
    assert rendered == expected
    assert 0 < shown < expected
    assert "address" in example  # the request body's example
    assert "Not signed in" in signed_out and "browser-test-client" in signed_in
    assert status == "201"  # the cookie and the CSRF token the interceptor added
    assert b.problems == [] and b.outside == []
