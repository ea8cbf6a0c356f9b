"""The served Tidings the endpoint pages are tested on: a real SMTP relay, a real receiver, one
Chromium; and what the console's and the portal's page tests do alike."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bench import provision
from tests.browser import CLIENT_ID, SECRET, XSS, Browser, chromium, served_env
from tests.receiver import Receiver, receiver_in_thread
from tests.server import Server, access_token, provisioned, serving, wait_for
from tests.smtp_server import smtp_server


@dataclass
class World:
    server: Server
    receiver: Receiver
    browser: Browser
    headers: dict[str, str]
    sent: int = 0

    def send(self) -> None:
        """One email through the API (to the relay), whose EmailSent event is delivered."""
        self.sent += 1
        recipient = provision.numbered_recipients(range(self.sent, self.sent + 1))
        body = {"definitionKey": "receipt", "recipients": recipient}
        accepted = httpx.post(
            self.server.base_url + "messaging/v1/email/messages", json=body, headers=self.headers
        )
        assert accepted.status_code == 202, accepted.text


@pytest.fixture(scope="module", name="world")
def world_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A served Tidings sending to a relay, with a definition ``receipt``, and one Chromium
    (a module's tests share it: import this fixture into the module)."""
    database = tmp_path_factory.mktemp("endpoints") / "console.db"
    with smtp_server() as (smtp_url, _), receiver_in_thread() as target:
        env = served_env(database) | {"TIDINGS_SMTP_URL": smtp_url}
        with serving(env) as server:
            headers = access_token(server.base_url, CLIENT_ID, SECRET)
            provisioned(
                server.base_url,
                lambda http: provision.email_definition(
                    http, headers, "receipt", views=provision.NUMBERED_VIEWS
                ),
            )
            with chromium(server.base_url) as browser:  # its event loop, after asyncio.run
                yield World(server, target, browser, headers)


@pytest.fixture(name="b")
def browser_fixture(world: World) -> Iterator[Browser]:
    """The browser for one test, which ends with no page problem and no request elsewhere."""
    world.browser.problems.clear()
    world.browser.outside.clear()
    yield world.browser
    assert world.browser.problems == [] and world.browser.outside == []


def has_route(world: World, method: str, path: str) -> bool:
    spec = httpx.get(world.server.base_url + "openapi.json").json()
    return method.lower() in spec["paths"].get(path, {})


UNLABELLED = """() => [...document.querySelectorAll('#main input, #main select, #main textarea')]
  .filter((c) => !c.closest('label') && !c.getAttribute('aria-label')).map((c) => c.name)"""


def no_markup(page: Any) -> None:
    """No hostile value became an element: the page has no <img> or injected <script> in main."""
    assert page.locator("#main img, #main script, #main b").count() == 0
    assert "null" not in (page.text_content("#main") or "").replace(XSS, "")
    assert page.evaluate(UNLABELLED) == []  # every control has a label


def create_and_verify(world: World, page: Any, name: str, path: str, *, at: str = "console") -> str:
    """Through the endpoints page: create, see the key once, paste the probe, verified."""
    page.goto(world.server.base_url + f"{at}#/endpoints")
    page.fill("input[name=url]", world.receiver.url + path)
    page.fill("input[name=callbackName]", name)
    page.fill("input[name=maxBatchSize]", "10")
    probes = len(world.receiver.probes)
    page.click("text=Create and probe")
    page.wait_for_selector(".once input.secret")
    assert len(page.input_value(".once input.secret")) >= 40
    wait_for("the probe", lambda: len(world.receiver.probes) > probes, 10)
    probe = world.receiver.probes[-1]
    page.fill("textarea[name=verificationKey]", json.dumps(probe))
    page.click("form.verify button[type=submit]")
    page.wait_for_url(re.compile(r"#/endpoints/[^/]+$"))
    page.wait_for_selector("#main .badge:text-is('verified')")
    return str(probe["callbackId"])


def subscribe(page: Any, short: str, name: str = "", filters: str = "") -> None:
    if name:
        page.fill("input[name=subscriptionName]", name)
    page.check(f"input[name=eventCategoryTypes][value$='.{short}']")
    page.fill("textarea[name=filters]", filters)
    page.click("form.subscribe button[type=submit]")
    page.wait_for_selector(f"#main td li:text-is('{short}')")


def local(minutes_ago: int) -> str:
    """A datetime-local value (the browser shares this process's time zone)."""
    return (datetime.datetime.now() - datetime.timedelta(minutes=minutes_ago)).strftime(
        "%Y-%m-%dT%H:%M"
    )


def wider_than(page: Any, width: int) -> bool:
    return int(page.evaluate("() => document.documentElement.scrollWidth")) > width
