"""One served Tidings with a story to show, for the console's page tests (one per test module).

A real SMTP relay (``reject…@`` gets 550 5.1.1, so a bounce), a real receiver that answers with
a hostile body, a callback with a hostile name, and an email definition with a hostile key whose
content puts the recipient's (hostile) first name in the subject and a script in the HTML.
"""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from bench import provision
from tests.browser import CLIENT_ID, SECRET, XSS, Browser, chromium, served_env
from tests.receiver import Receiver, receiver_in_thread
from tests.server import Server, access_token, provisioned, serving, verified_hook, wait_for
from tests.smtp_server import Handler, smtp_server

HOSTILE_KEY = "def-<img src=x onerror=alert(3)>"
HOSTILE_ANSWER = '{"note": "<img src=x onerror=alert(4)>"}'
SCRIPTED_HTML = (
    "<p>Hello <b>%%FirstName%%</b>, order %%OrderNo%%.</p>"
    "<script>document.body.dataset.ran = 'yes'</script>"
)
TYPES = ["EmailSent", "EmailNotSent", "EmailBounced"]


@dataclass
class Site:
    server: Server
    target: Receiver
    relay: Handler
    browser: Browser
    callback_id: str
    headers: dict[str, str]

    @property
    def base(self) -> str:
        return self.server.base_url

    def has(self, path: str) -> bool:
        """Whether this build serves ``path`` (routes other branches add may not be here yet)."""
        paths = httpx.get(self.base + "openapi.json").json()["paths"]
        return path in paths

    def fresh(self) -> Browser:
        """The module's browser with its problem lists emptied for the next test."""
        self.browser.problems.clear()
        self.browser.outside.clear()
        return self.browser


def _send(base: str, headers: dict[str, str], key: str, to: str) -> None:
    body = {
        "definitionKey": HOSTILE_KEY,
        "recipient": {"contactKey": to, "to": to, "attributes": {"FirstName": XSS, "OrderNo": key}},
    }
    sent = httpx.post(f"{base}messaging/v1/email/messages/{key}", json=body, headers=headers)
    assert sent.status_code == 202, sent.text


def _story(base: str, target: Receiver, headers: dict[str, str]) -> str:
    callback_id = verified_hook(base, headers, target, TYPES, name=f"orders-{XSS}")
    target.default = (200, HOSTILE_ANSWER)
    views: dict[str, Any] = {
        "subjectline": {"content": "Hi %%FirstName%%"},
        "html": {"content": SCRIPTED_HTML},
        "text": {"content": "Hello %%FirstName%%, order %%OrderNo%%."},
    }
    provisioned(
        base, lambda http: provision.email_definition(http, headers, HOSTILE_KEY, views=views)
    )
    _send(base, headers, "order-1", "ana@example.com")
    _send(base, headers, "order-2", "reject@example.com")
    wait_for("both outcomes delivered", lambda: len(target.events()) == 2, 20, every_s=0.05)
    return callback_id


@contextlib.contextmanager
def site(database: pathlib.Path) -> Iterator[Site]:
    with (
        smtp_server() as (smtp_url, relay),
        receiver_in_thread() as target,
        serving({**served_env(database), "TIDINGS_SMTP_URL": smtp_url}) as server,
    ):
        headers = access_token(server.base_url, CLIENT_ID, SECRET)
        callback_id = _story(server.base_url, target, headers)
        with chromium(server.base_url) as browser:
            yield Site(server, target, relay, browser, callback_id, headers)


def no_horizontal_overflow(page: Any) -> bool:
    """At a narrow width nothing makes the page itself scroll sideways."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def stale(page: Any) -> str:
    """Mark the view on show as old; the selector of the view that replaces it."""
    page.evaluate("document.querySelector('#main .view').dataset.stale = 'yes'")
    return "#main .view:not([data-stale])"
