"""The console's endpoint pages in a real browser, against a served Tidings with a real receiver
and a real SMTP relay: register an endpoint, verify it in the page, subscribe, test it, see a
delivery fail and why, replay, rotate the key, re-enable after 410; hostile values stay text."""

from __future__ import annotations

import datetime
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bench import provision
from tests.browser import (
    ARTIFACTS,
    CLIENT_ID,
    SECRET,
    XSS,
    Browser,
    chromium,
    needs_chromium,
    screenshot,
    served_env,
)
from tests.receiver import Receiver, receiver_in_thread
from tests.server import Server, access_token, provisioned, serving, wait_for
from tests.smtp_server import smtp_server

pytestmark = [pytest.mark.isolated, needs_chromium]
HOSTILE_BODY = '{"note": "<img src=x onerror=alert(1)>"}'


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


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
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


@pytest.fixture
def b(world: World) -> Iterator[Browser]:
    world.browser.problems.clear()
    world.browser.outside.clear()
    yield world.browser
    assert world.browser.problems == [] and world.browser.outside == []


def _has_route(world: World, method: str, path: str) -> bool:
    spec = httpx.get(world.server.base_url + "openapi.json").json()
    return method.lower() in spec["paths"].get(path, {})


UNLABELLED = """() => [...document.querySelectorAll('#main input, #main select, #main textarea')]
  .filter((c) => !c.closest('label') && !c.getAttribute('aria-label')).map((c) => c.name)"""


def _no_markup(page: Any) -> None:
    """No hostile value became an element: the page has no <img> or injected <script> in main."""
    assert page.locator("#main img, #main script, #main b").count() == 0
    assert "null" not in (page.text_content("#main") or "").replace(XSS, "")
    assert page.evaluate(UNLABELLED) == []  # every control has a label


def _create_and_verify(
    world: World, page: Any, name: str, path: str, *, at: str = "console"
) -> str:
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


def _subscribe(page: Any, short: str, name: str = "", filters: str = "") -> None:
    if name:
        page.fill("input[name=subscriptionName]", name)
    page.check(f"input[name=eventCategoryTypes][value$='.{short}']")
    page.fill("textarea[name=filters]", filters)
    page.click("form.subscribe button[type=submit]")
    page.wait_for_selector(f"#main td li:text-is('{short}')")


def test_register_verify_subscribe_test_rotate_and_reenable_in_the_page(
    world: World, b: Browser
) -> None:
    page = b.signed_in()
    _create_and_verify(world, page, XSS, "/hook/<script>x</script>")
    assert page.text_content("#main h1") == XSS
    _subscribe(page, "EmailSent")
    _subscribe(page, "EmailBounced", "bounces", f"definitionKey={XSS}")
    assert page.locator(f"#main td code:text-is('definitionKey={XSS}')").count() == 1
    page.fill("input[name=maxBatchSize]", "20")
    page.click("#main section:has(h2:text-is('Edit')) button[type=submit]")
    page.wait_for_selector("text=Saved.")
    page.click("button[aria-label='Pause bounces']")
    page.wait_for_selector("button[aria-label='Resume bounces']")
    screenshot(page, "endpoint-detail")

    world.receiver.default = (200, HOSTILE_BODY)
    page.click("text=Send test event")
    page.wait_for_selector(".test-answer")
    assert page.text_content("pre.excerpt") == HOSTILE_BODY
    _no_markup(page)

    page.click("text=Rotate signing key")
    page.click("dialog.confirm button.primary")
    page.wait_for_selector(".once input.secret")
    grace = page.text_content("p.grace") or ""
    assert "previous key keeps signing" in grace and len(page.input_value(".once input")) >= 40
    page.reload()
    page.wait_for_selector("#main .badge:text-is('verified')")
    assert page.locator(".once").count() == 0  # shown once: not after a reload

    world.receiver.default = (410, '{"gone": true}')
    world.send()
    deadline = time.monotonic() + 20
    while page.locator("text=Re-enable").count() == 0 and time.monotonic() < deadline:
        page.reload()
        page.wait_for_selector("#main h1")
    assert "410" in (page.text_content("#main section:has(h2:text-is('Disabled'))") or "")
    world.receiver.default = (200, "{}")
    page.click("text=Re-enable")
    page.wait_for_selector("#main .badge:text-is('verified')")
    wait_for("the held event delivered", lambda: len(world.receiver.accepted()) >= 1, 20)
    page.goto(world.server.base_url + "console#/endpoints")
    page.wait_for_selector("#main td .badge:text-is('verified')")
    screenshot(page, "endpoints")
    _no_markup(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert not _wider_than(page, 390)
    page.click(f"#main td a:text-is('{XSS}')")
    page.wait_for_selector("#main h2:text-is('Health')")
    assert not _wider_than(page, 390)
    screenshot(page, "endpoint-390")


def _local(minutes_ago: int) -> str:
    """A datetime-local value (the browser shares this process's time zone)."""
    return (datetime.datetime.now() - datetime.timedelta(minutes=minutes_ago)).strftime(
        "%Y-%m-%dT%H:%M"
    )


def _wider_than(page: Any, width: int) -> bool:
    return int(page.evaluate("() => document.documentElement.scrollWidth")) > width


def _hits(world: World, path: str) -> list[Any]:
    return [r for r in world.receiver.batches if r.path == path]


def _accepted(world: World, path: str) -> list[Any]:
    return [r for r in world.receiver.accepted() if r.path == path]


def test_a_failed_delivery_shows_why_and_is_replayed_after_a_counted_dry_run(
    world: World, b: Browser
) -> None:
    if not _has_route(
        world, "GET", "/platform/v1/ens-callbacks/{callback_id}/attempts/{attempt_id}"
    ):
        pytest.skip("this server has no attempt detail yet (contract item 7)")
    page = b.signed_in()
    callback_id = _create_and_verify(world, page, "orders", "/deliveries")
    _subscribe(page, "EmailSent")
    world.receiver.default = (500, "<b>receiver broke</b>")
    world.send()
    wait_for("a failed delivery", lambda: len(_hits(world, "/deliveries")) >= 1, 20)

    page.goto(world.server.base_url + f"console#/endpoints/{callback_id}/deliveries")
    page.select_option("select[name=ok]", "false")
    page.fill("input[name=statusCode]", "5xx")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"statusCode=5xx"))
    page.wait_for_selector("#main td .badge:text-is('500')")
    page.focus("#main tbody button[aria-expanded=false] >> nth=0")
    page.keyboard.press("Enter")  # the log works from the keyboard
    page.wait_for_selector("pre.response-excerpt")
    assert page.text_content("pre.response-excerpt") == "<b>receiver broke</b>"
    assert "EmailSent" in (page.text_content("pre.request-body") or "")
    assert page.locator("td:text-is('webhook-signature')").count() == 1
    _no_markup(page)

    world.receiver.default = (200, "{}")
    page.click("text=Replay this batch")
    page.wait_for_selector("text=/Queued \\d+ events? again/")
    page.fill("input[name=replayFrom]", _local(60))
    page.click("text=Count and replay…")
    page.wait_for_selector("dialog.confirm")
    assert re.fullmatch(r"Replay \d+ events?\?", page.text_content("dialog.confirm p") or "")
    page.click("dialog.confirm button.primary")
    page.wait_for_selector("text=/^Queued \\d+ events?\\.$/")
    wait_for("a replayed delivery", lambda: len(_accepted(world, "/deliveries")) >= 1, 20)
    screenshot(page, "deliveries")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("#main td .badge")
    assert not _wider_than(page, 390)
    screenshot(page, "deliveries-390")
    _no_markup(page)

    page.click("#main a:text-is('← orders')")
    page.click("text=Delete endpoint")
    page.click("dialog.confirm button.primary")
    page.wait_for_url(re.compile(r"#/endpoints$"))
    page.wait_for_selector("#main h2:text-is('Your endpoints')")
    assert page.locator("#main td a:text-is('orders')").count() == 0


def test_the_event_catalog_shows_each_type_or_says_it_is_not_there(
    world: World, b: Browser
) -> None:
    page = b.signed_in()
    page.goto(world.server.base_url + "console#/catalog")
    page.wait_for_selector("#main h1:text-is('Event catalog')")
    if _has_route(world, "GET", "/platform/v1/event-types"):
        page.wait_for_selector("#main [data-type='EmailBounced'] details[open] pre")
        assert page.locator("#main [data-type] h2").count() >= 8
    else:
        page.wait_for_selector("text=The event catalog is not available on this server")
        b.problems[:] = [p for p in b.problems if "404 (Not Found)" not in p]  # that answer
    screenshot(page, "catalog")
    page.screenshot(path=str(ARTIFACTS / "catalog-top.png"))  # the first screenful
    page.set_viewport_size({"width": 390, "height": 844})
    assert not _wider_than(page, 390)


# Permission sets a portal link may grant, and the controls each must show (and no others).
CONTROLS = {
    "New endpoint": "text=Create and probe",
    "test": "text=Send test event",
    "show key": "text=Show signing key",
    "rotate": "text=Rotate signing key",
    "edit": "#main h2:text-is('Edit')",
    "delete": "text=Delete endpoint",
    "replay": "text=Count and replay…",
}
PERMISSION_SETS = [
    ([], False, set()),
    (["ViewEndpointSecret", "CreateAttempts"], False, {"test", "show key", "replay"}),
    (["ViewEndpointSecret", "ManageEndpointSecret", "ManageEndpoint", "CreateAttempts"], True,
     {"New endpoint", "test", "show key", "rotate", "edit", "delete", "replay"}),
]  # fmt: skip


def _portal_link(
    world: World, page: Any, name: str, callback: str, permissions: list[str], create: bool
) -> str:
    """Through the console's portal links page: the link's URL, shown once."""
    page.goto(world.server.base_url + "console#/portal-links")
    page.reload()  # a fresh form: no link shown from before
    page.wait_for_selector("#main h2:text-is('New portal link')")
    page.fill("input[name=name]", name)
    page.check(f"label.check:has-text('{callback}') input")
    if create:
        page.check("input[name=mayCreateCallbacks]")
    for permission in permissions:
        page.check(f"input[name=permissions][value={permission}]")
    page.select_option("select[name=expiresInSeconds]", "3600")
    page.click("text=Create link")
    page.wait_for_selector(".once input.secret")
    return str(page.input_value(".once input.secret"))


def _shown(page: Any, names: list[str]) -> set[str]:
    return {name for name in names if page.locator(CONTROLS[name]).count()}


def _portal_catalog(world: World, b: Browser, portal: Any) -> None:
    """The portal's catalog, or its plain "not available" while the server has none."""
    portal.click("#nav a:text-is('Event catalog')")
    portal.wait_for_selector("#main h1:text-is('Event catalog')")
    if _has_route(world, "GET", "/portal/api/v1/event-types"):
        portal.wait_for_selector("#main [data-type='EmailBounced'] details[open] pre")
    else:
        portal.wait_for_selector("text=The event catalog is not available on this server")
        b.problems[:] = [p for p in b.problems if "404 (Not Found)" not in p]  # that answer
    screenshot(portal, "portal-catalog")


def test_portal_links_open_a_portal_cut_to_their_permissions_and_revoking_ends_it(
    world: World, b: Browser
) -> None:
    if not _has_route(world, "POST", "/platform/v1/portal-links"):
        pytest.skip("this server has no portal links yet (contract item 9)")
    console = b.signed_in()
    _create_and_verify(world, console, "portal-hook", "/portal-hook")
    portals = []
    for permissions, create, expected in PERMISSION_SETS:
        name = f"{XSS} {len(portals)}"
        url = _portal_link(world, console, name, "portal-hook", permissions, create)
        console.wait_for_selector(f"#main td:text-is('{name}')")  # listed at once
        portal = b.page()  # a fresh context: no console cookie
        portals.append(portal)
        portal.goto(url)
        portal.wait_for_selector("#main h2:text-is('Your endpoints')")
        names = portal.locator("#main tbody td:first-child").all_text_contents()
        assert names == ["portal-hook"]  # the link's callback, and no other
        assert portal.locator("#nav a").all_text_contents() == ["Endpoints", "Event catalog"]
        shown = _shown(portal, ["New endpoint"])
        portal.click("text=portal-hook")
        portal.wait_for_selector("#main h2:text-is('Health')")
        shown |= _shown(portal, ["test", "show key", "rotate", "edit", "delete"])
        if "show key" in expected:
            portal.click(CONTROLS["show key"])
            portal.wait_for_selector(".once input.secret")
        screenshot(portal, f"portal-endpoint-{len(permissions)}")
        portal.click("text=Deliveries: every attempt")
        portal.wait_for_selector("#main h2:text-is('Attempts, newest first')")
        shown |= _shown(portal, ["replay"])
        assert shown == expected, (permissions, shown)
        portal.set_viewport_size({"width": 390, "height": 844})
        assert not _wider_than(portal, 390)
        screenshot(portal, f"portal-deliveries-390-{len(permissions)}")
    _portal_catalog(world, b, portals[0])
    _create_and_verify(world, portals[-1], "made-in-portal", "/made", at="portal")
    portals[-1].click("#nav a:text-is('Endpoints')")
    portals[-1].wait_for_selector("#main td a:text-is('made-in-portal')")  # joined the link

    again = b.page()
    again.goto(url)  # a link opens once
    again.wait_for_selector("text=This link is used, expired or revoked.")
    _no_markup(console)
    screenshot(console, "portal-links")
    console.click(f"#main tr:has(td:text-is('{XSS} 0')) button.danger")
    console.click("dialog.confirm button.primary")
    console.wait_for_selector(f"#main tr:has(td:text-is('{XSS} 0')) .badge:text-is('revoked')")
    portal = portals[0]  # the ViewBase portal is still open: its session ends at once
    portal.reload()
    portal.wait_for_selector("text=Your portal session has ended")
    b.problems[:] = [p for p in b.problems if "401 (Unauthorized)" not in p]  # that answer


def test_the_portal_page_is_strict_and_a_spent_link_says_so_plainly(
    world: World, b: Browser
) -> None:
    answered = httpx.get(world.server.base_url + "portal")
    policy = answered.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert answered.headers["cache-control"] == "no-store"
    page = b.page(width=390, height=844)
    page.goto(world.server.base_url + "portal?link=invalid")
    page.wait_for_selector("text=This link is used, expired or revoked.")
    assert page.locator("#nav").is_hidden() and not _wider_than(page, 390)


def test_a_missed_probe_is_sent_again_from_the_page(world: World, b: Browser) -> None:
    page = b.signed_in()
    page.goto(world.server.base_url + "console#/endpoints")
    page.fill("input[name=url]", world.receiver.url + "/late")
    page.fill("input[name=callbackName]", "late")
    world.receiver.default = (503, "<i>not yet</i>")
    page.click("text=Create and probe")
    page.wait_for_selector("#main [role=alert].error")
    assert "503" in (page.text_content("#main [role=alert].error") or "")
    assert len(page.input_value(".once input.secret")) >= 40  # the key is shown even so
    world.receiver.default = (200, "{}")
    page.click("text=Send a new probe")
    page.wait_for_selector("text=A new probe was sent; your URL answered 200.")
    page.fill("textarea[name=verificationKey]", world.receiver.probes[-1]["verificationKey"])
    page.click("form.verify button[type=submit]")
    page.wait_for_selector("#main h1:text-is('late')")
    page.wait_for_selector("#main .badge:text-is('verified')")
    b.problems[:] = [p for p in b.problems if "400 (Bad Request)" not in p]  # the first probe
