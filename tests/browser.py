"""Headless Chromium on a served Tidings, for the console's and the portal's page tests.

Debian's chromium (``.ci/run`` installs it), driven by Playwright without its own download.
Every page opened through ``Browser.page`` records console errors, page errors, dialogs and any
request to another origin, so a test asserts ``browser.problems == []`` and
``browser.outside == []`` at its end.
"""

from __future__ import annotations

import pathlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = pathlib.Path(__file__).parent / "artifacts"
CLIENT_ID, SECRET = "browser-test-client", "browser-test-secret-0123456789abcdef"
API_TOKEN = "tdg_browser-test-token-0123456789abcdef"
XSS = "<script>alert(1)</script>"

needs_chromium = pytest.mark.skipif(
    not pathlib.Path(CHROMIUM).exists(), reason="chromium is not installed"
)


def served_env(database: pathlib.Path) -> dict[str, str]:
    """A served Tidings on its own SQLite file, with known credentials and loopback hooks."""
    return {
        "DATABASE_URL": f"sqlite:///{database}",
        "TIDINGS_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
        "TIDINGS_BOOTSTRAP_CLIENT_SECRET": SECRET,
        "TIDINGS_BOOTSTRAP_API_TOKEN": API_TOKEN,
        "TIDINGS_ALLOW_PRIVATE_CALLBACKS": "true",
    }


class Browser:
    """One Chromium with the base URL it may talk to, and what went wrong on its pages."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.problems: list[str] = []
        self.outside: list[str] = []

    def page(self, *, width: int = 1280, height: int = 900) -> Any:
        page = self.browser.new_page(viewport={"width": width, "height": height})
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(str(e)))
        page.on("dialog", lambda d: self.problems.append(f"dialog: {d.message}"))
        page.on(
            "request",
            lambda r: None if r.url.startswith(self.base_url) else self.outside.append(r.url),
        )
        return page

    def signed_in(self, *, client_id: str = CLIENT_ID, secret: str = SECRET, **size: int) -> Any:
        """A console page signed in with the client, showing its overview."""
        page = self.page(**size)
        page.goto(self.base_url + "console")
        page.fill("input[name=client_id]", client_id)
        page.fill("input[name=client_secret]", secret)
        page.click("#signin button[type=submit]")
        page.wait_for_selector("#main:not([hidden]) .view", timeout=15_000)
        return page


def screenshot(page: Any, name: str) -> pathlib.Path:
    """Save the page as ``tests/artifacts/<name>.png`` (kept by CI, ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def chromium(base_url: str) -> Iterator[Browser]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"]
        )
        try:
            yield Browser(browser, base_url)
        finally:
            browser.close()
