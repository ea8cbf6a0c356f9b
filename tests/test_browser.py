"""The stats page in a real browser: headless Chromium signs in and sees what the API created.

Debian's chromium (``.ci/run`` installs it), driven by Playwright without its own download.
"""

from __future__ import annotations

import json
import pathlib
import shutil
from typing import Any

import httpx
import pytest

from app.api import openapi, routes  # noqa: F401 (importing the handlers fills the registry)
from app.wire import vocabulary
from tests.receiver import receiver_in_thread
from tests.server import access_token, serving, verified_hook, wait_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = pathlib.Path(__file__).parent / "artifacts"
CLIENT_ID, SECRET = "browser-test-client", "browser-test-secret-0123456789abcdef"
API_TOKEN = "tdg_browser-test-token-0123456789abcdef"
XSS = "<script>alert(1)</script>"

playwright_api = pytest.importorskip("playwright.sync_api")


def _make_activity(base: str, target: Any) -> None:
    """A subscribed callback, two Broadcast sends (one with a hostile subject), one bounce."""
    headers = access_token(base, CLIENT_ID, SECRET)
    types = ["EmailSent", "EmailNotSent", "EmailBounced"]
    verified_hook(base, headers, target, types, name="orders-service")
    api = {"Authorization": f"Bearer {API_TOKEN}"}
    for to, subject in (("ana@example.com", XSS), ("bounce@simulator.tidings.test", "Bye")):
        sent = httpx.post(
            base + "api/v1/transactionals.json",
            json={"to": to, "subject": subject, "body": "Hello"},
            headers=api,
        )
        assert sent.status_code == 201, sent.text


def _env(database: pathlib.Path) -> dict[str, str]:
    """A served Tidings on its own SQLite file, with the bench's credentials and loopback hooks."""
    return {
        "DATABASE_URL": f"sqlite:///{database}",
        "TIDINGS_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
        "TIDINGS_BOOTSTRAP_CLIENT_SECRET": SECRET,
        "TIDINGS_BOOTSTRAP_API_TOKEN": API_TOKEN,
        "TIDINGS_ALLOW_PRIVATE_CALLBACKS": "true",
    }


@pytest.mark.skipif(not pathlib.Path(CHROMIUM).exists(), reason="chromium is not installed")
def test_signed_in_page_shows_the_numbers_the_chart_and_escaped_text(tmp_path: Any) -> None:
    env = _env(tmp_path / "page.db")
    with receiver_in_thread() as target, serving(env) as server:
        base = server.base_url
        _make_activity(base, target)
        wait_for("both events delivered", lambda: len(target.events()) == 2, 20, every_s=0.05)
        problems: list[str] = []
        outside: list[str] = []
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-background-networking"],
            )
            page = browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))
            page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
            page.goto(base + "stats")
            page.fill("input[name=client_id]", CLIENT_ID)
            page.fill("input[name=client_secret]", SECRET)
            page.click("#signin button[type=submit]")
            try:
                page.wait_for_selector("body[data-ready=true]", timeout=15_000)
            except Exception:
                raise AssertionError((problems, outside, page.url, page.content()[:800])) from None
            sent = page.text_content('[data-figure="sent"]')
            bounced = page.text_content('[data-figure="bounced"]')
            warned = page.get_attribute('[data-card="bounced"]', "class") or ""
            lines = page.locator("#chart polyline").count()
            plotted = page.get_attribute("#chart", "data-points")
            hostile = page.get_by_text(XSS, exact=True)
            shown_as_text = hostile.count() == 1 and hostile.is_visible()
            badge = page.text_content("#callbacks .badge")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "stats.png"), full_page=True)
            page.click("#signout button")
            page.wait_for_selector("#signin:not([hidden])", timeout=10_000)
            browser.close()

    assert (sent, bounced) == ("1", "1")
    assert "warn" in warned  # a 50 % bounce rate is over the 5 % line
    assert lines >= 2 and plotted is not None and int(plotted) >= 2
    assert shown_as_text  # the subject is text on the page, and no script ran
    assert badge == "healthy"
    assert problems == [] and outside == []
    assert (ARTIFACTS / "stats.png").stat().st_size > 10_000


@pytest.mark.skipif(not pathlib.Path(CHROMIUM).exists(), reason="chromium is not installed")
def test_the_api_reference_page_renders_every_operation(tmp_path: Any) -> None:
    expected = sum(len(methods) for methods in openapi.document()["paths"].values())
    with serving({"DATABASE_URL": f"sqlite:///{tmp_path}/docs.db"}) as server:
        problems: list[str] = []
        outside: list[str] = []
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-background-networking"],
            )
            page = browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on(
                "request",
                lambda r: None if r.url.startswith(server.base_url) else outside.append(r.url),
            )
            page.goto(server.base_url + "docs")
            page.wait_for_selector("details.op", timeout=15_000)
            rendered = page.locator("details.op").count()
            metrics = page.locator("details.op", has_text="/metrics").locator(".scope")
            metrics_label = metrics.text_content()
            page.fill("#filter", "ens-subscriptions")
            shown = page.locator("details.op:not([hidden])").count()
            browser.close()
    assert rendered == expected
    assert metrics_label == "token only if configured"  # /metrics is open by default
    assert 0 < shown < expected
    assert problems == [] and outside == []


@pytest.mark.skipif(not pathlib.Path(CHROMIUM).exists(), reason="chromium is not installed")
def test_the_chart_colours_each_type_as_the_page_data_says(tmp_path: Any) -> None:
    """The colours come from the event types the server put into the page, not a list in JS."""
    env = _env(tmp_path / "colours.db")
    with receiver_in_thread() as target, serving(env) as server:
        base = server.base_url
        _make_activity(base, target)
        wait_for("both events delivered", lambda: len(target.events()) == 2, 20, every_s=0.05)
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-background-networking"],
            )
            page = browser.new_page()
            page.goto(base + "stats")
            page.fill("input[name=client_id]", CLIENT_ID)
            page.fill("input[name=client_secret]", SECRET)
            page.click("#signin button[type=submit]")
            page.wait_for_selector("body[data-ready=true]", timeout=15_000)
            data = page.text_content("#event-types") or "[]"
            lines = page.eval_on_selector_all(
                "#chart polyline", "ls => ls.map(l => [l.dataset.type, l.getAttribute('stroke')])"
            )
            swatches = page.eval_on_selector_all(
                "#legend li",
                "lis => lis.map(li => [li.textContent, li.firstChild.style.background])",
            )
            browser.close()
    colours = {t["short"]: t["colour"] for t in json.loads(data)}
    assert colours == {t.short: t.colour for t in vocabulary.EventType}
    assert sorted(lines) == [
        ["EmailBounced", colours["EmailBounced"]],
        ["EmailSent", colours["EmailSent"]],
    ]
    rgb = {kind: "rgb({}, {}, {})".format(*bytes.fromhex(c[1:])) for kind, c in colours.items()}
    assert sorted(swatches) == [[kind, rgb[kind]] for kind in ("EmailBounced", "EmailSent")]
