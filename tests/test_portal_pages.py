"""The consumer portal in a real browser: portal links made in the console, each permission set's
portal (what it shows, and that the controls it does not grant are absent), a link that opens
once, a revoked link's session ending, and the plain page of a spent link."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser import XSS, Browser, needs_chromium, screenshot
from tests.endpoint_pages import (
    World,
    browser_fixture,  # noqa: F401 (the fixture b)
    create_and_verify,
    has_route,
    no_markup,
    wider_than,
    world_fixture,  # noqa: F401 (the fixture world)
)

pytestmark = [pytest.mark.isolated, needs_chromium]


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
    if has_route(world, "GET", "/portal/api/v1/event-types"):
        portal.wait_for_selector("#main [data-type='EmailBounced'] details[open] pre")
    else:
        portal.wait_for_selector("text=The event catalog is not available on this server")
        b.problems[:] = [p for p in b.problems if "404 (Not Found)" not in p]  # that answer
    screenshot(portal, "portal-catalog")


def test_portal_links_open_a_portal_cut_to_their_permissions_and_revoking_ends_it(
    world: World, b: Browser
) -> None:
    if not has_route(world, "POST", "/platform/v1/portal-links"):
        pytest.skip("this server has no portal links yet (contract item 9)")
    console = b.signed_in()
    create_and_verify(world, console, "portal-hook", "/portal-hook")
    portals = []
    for permissions, create, expected in PERMISSION_SETS:
        name = f"{XSS} {len(portals)}"
        url = _portal_link(world, console, name, "portal-hook", permissions, create)
        console.wait_for_selector(f"#main td:text-is('{name}')")  # listed at once
        portal = b.page()  # a fresh context: no console cookie
        portals.append(portal)
        portal.goto(url)  # shows the link's page; only its button uses the link up
        portal.click("button:text-is('Open the portal')")
        portal.wait_for_selector("#main h2:text-is('Your endpoints')")
        assert portal.text_content("#account").startswith(f"{name} · until ")  # link's name only
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
        assert not wider_than(portal, 390)
        screenshot(portal, f"portal-deliveries-390-{len(permissions)}")
    _portal_catalog(world, b, portals[0])
    create_and_verify(world, portals[-1], "made-in-portal", "/made", at="portal")
    portals[-1].click("#nav a:text-is('Endpoints')")
    portals[-1].wait_for_selector("#main td a:text-is('made-in-portal')")  # joined the link

    again = b.page()
    again.goto(url)  # a link opens once
    again.click("button:text-is('Open the portal')")
    again.wait_for_selector("text=This link is used, expired or revoked.")
    no_markup(console)
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
    assert page.locator("#nav").is_hidden() and not wider_than(page, 390)


def test_a_links_page_uses_nothing_until_its_button_is_pressed(world: World, b: Browser) -> None:
    base = world.server.base_url
    link = httpx.post(base + "platform/v1/portal-links", headers=world.headers, json={})
    url = link.json()["url"]
    page = b.page(width=390, height=844)
    for _ in range(2):  # a previewer's fetch, then the person's
        page.goto(url)
        page.wait_for_selector("button:text-is('Open the portal')")
    assert not wider_than(page, 390)
    screenshot(page, "portal-enter")
    page.click("button:text-is('Open the portal')")
    page.wait_for_selector("#main h2:text-is('Your endpoints')")
