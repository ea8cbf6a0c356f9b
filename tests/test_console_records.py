"""The console's records in a real browser: find a message by recipient and read its whole
story and content (the HTML in a frame where its script does not run), suppress and unsuppress
an address, create and revoke credentials (secrets shown once), hostile values as text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.browser import ARTIFACTS, XSS, needs_chromium, screenshot
from tests.console_site import (
    HOSTILE_ANSWER,
    HOSTILE_KEY,
    Site,
    no_horizontal_overflow,
    site,
    stale,
)

pytestmark = [needs_chromium, pytest.mark.isolated]
# A script in the message's HTML is blocked, and Chromium says so in the frame's console.
BLOCKED = re.compile(r"Blocked script execution|Refused to execute inline script")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with site(tmp_path_factory.mktemp("records") / "console.db") as s:
        yield s


def _needs(s: Site, path: str) -> None:
    if not s.has(path):
        pytest.skip(f"{path} is not served by this build yet")


def _problems(s: Site) -> list[str]:
    """What went wrong on the pages, less Chromium's note that the message's script was blocked."""
    return [p for p in s.browser.problems if not BLOCKED.search(p)]


def _open(s: Site, hash_: str, **size: int) -> Any:
    page = s.fresh().signed_in(**size)
    page.wait_for_selector("#chart .u-over")  # the overview is done before the next view
    page.goto(s.base + "console" + hash_)
    page.wait_for_selector("#main .view h1")
    return page


def test_a_message_found_by_recipient_tells_its_whole_story(served: Site) -> None:
    _needs(served, "/platform/v1/messages/{message_id}")
    page = _open(served, "#/messages")
    page.fill("input[name=recipient]", "ANA@example.com")
    page.click("#main form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r"recipient=ANA%40example.com"))
    page.wait_for_selector("#results tbody a")
    found = page.locator("#results tbody tr").count()
    subject = page.locator("#results tbody tr").first.get_by_text(f"Hi {XSS}", exact=True).count()
    screenshot(page, "console-messages")
    page.click("#results tbody a")
    page.wait_for_selector("#timeline li[data-kind=attempt]")
    kinds = page.eval_on_selector_all("#timeline > li", "ls => ls.map(l => l.dataset.kind)")
    answer = page.text_content("#timeline [data-field=answer]") or ""
    attempt = page.locator("#timeline li[data-kind=attempt]").first
    deliveries = attempt.locator("a").get_attribute("href")
    attempt_text = attempt.text_content() or ""
    frame = page.frame_locator("iframe.content")
    frame.locator("p").wait_for()
    hello = frame.locator("p").text_content() or ""
    ran = frame.locator("body").get_attribute("data-ran")
    sandbox = page.get_attribute("iframe.content", "sandbox")
    text = page.text_content("#text") or ""
    # A full-page capture leaves the sandboxed frame (another process) blank: a tall viewport.
    page.set_viewport_size({"width": 1280, "height": 2300})
    page.screenshot(path=str(ARTIFACTS / "console-message.png"))
    page.go_back()
    page.wait_for_selector("#results tbody a")
    kept = page.input_value("input[name=recipient]")
    page.goto(served.base + "console#/messages?limit=1")
    page.wait_for_selector("#results tbody a")
    newest = page.text_content("#results tbody a")
    page.click(".pager a:text-is('Next page')")
    page.wait_for_url(re.compile(r"cursor="))
    page.wait_for_selector(f"#results tbody a:not(:text-is('{newest}'))")
    older = page.text_content("#results tbody a")
    page.go_back()
    page.wait_for_selector(f"#results tbody a:text-is('{newest}')")
    assert found == 1 and subject == 1
    assert kinds[:3] == ["accepted", "queued", "handedToProvider"] and "event" in kinds
    assert "250" in answer  # the relay's answer
    assert deliveries == f"#/endpoints/{served.callback_id}/deliveries"
    assert f"orders-{XSS}" in attempt_text and "HTTP 200" in attempt_text
    assert HOSTILE_ANSWER in attempt_text  # the receiver's body, as text
    assert sandbox == "" and ran is None and f"Hello {XSS}" in hello
    assert XSS in text and kept == "ANA@example.com"
    assert {newest, older} == {"ana@example.com", "reject@example.com"}
    assert any(BLOCKED.search(p) for p in served.browser.problems)
    assert _problems(served) == [] and served.browser.outside == []


def test_searching_by_key_definition_and_status_pages_and_links_back(served: Site) -> None:
    _needs(served, "/platform/v1/messages")
    query = httpx.QueryParams({"definitionKey": HOSTILE_KEY, "status": "bounced"})
    page = _open(served, f"#/messages?{query}", width=390, height=844)
    page.wait_for_selector("#results tbody a")
    rows = page.locator("#results tbody tr").count()
    recipient = page.text_content("#results tbody a")
    shown_key = page.locator("#results tbody").get_by_text(HOSTILE_KEY, exact=True).count()
    page.click("#results tbody a")
    page.wait_for_selector("#timeline li[data-kind=event]")
    bounce = page.text_content("#timeline li[data-kind=event]") or ""
    page.click("#summary a")  # the message key: every message sent with it
    page.wait_for_url(re.compile(r"messageKey=order-2"))
    page.wait_for_selector("#results tbody a")
    fits = no_horizontal_overflow(page)
    screenshot(page, "console-messages-390")
    assert rows == 1 and recipient == "reject@example.com" and shown_key == 1
    assert "EmailBounced" in bounce and "5.1.1" in bounce
    assert page.input_value("input[name=messageKey]") == "order-2"
    assert fits
    assert _problems(served) == [] and served.browser.outside == []


def test_suppressions_link_the_bounce_add_search_and_remove(served: Site) -> None:
    page = _open(served, "#/suppressions")
    page.wait_for_selector("#suppressions tbody td")
    bounce_row = page.locator("#suppressions tbody tr", has_text="reject@example.com")
    link = bounce_row.locator("a")
    linked = link.get_attribute("href") if link.count() else None
    page.fill("#add-suppression input[name=address]", "Mallory@Example.com")
    page.fill("#add-suppression input[name=reason]", XSS)
    page.click("#add-suppression button[type=submit]")
    page.wait_for_selector("#suppressions tbody tr:has-text('mallory@example.com')")
    page.locator("#suppressions tbody").get_by_text(XSS, exact=True).wait_for()
    reason = page.locator("#suppressions tbody").get_by_text(XSS, exact=True).count()
    screenshot(page, "console-suppressions")
    page.fill("input[name=q]", "mallory")
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"q=mallory"))
    page.wait_for_selector("#suppressions input[name=q][value=mallory]")  # the new page
    page.wait_for_selector("#suppressions tbody tr:has-text('mallory@example.com')")
    searched = page.locator("#suppressions tbody tr").count()
    page.click("button[aria-label='Remove mallory@example.com']")
    page.click("dialog.confirm button:text('Remove')")
    page.wait_for_selector(
        "#suppressions tbody tr:has-text('mallory@example.com')", state="detached"
    )
    if served.has("/platform/v1/messages/{message_id}"):
        assert linked is not None and linked.startswith("#/messages/")
        assert searched == 1
    assert reason == 1
    assert served.browser.problems == [] and served.browser.outside == []


def test_credentials_are_created_shown_once_and_revoked(served: Site) -> None:
    _needs(served, "/platform/v1/clients")
    page = _open(served, "#/credentials")
    page.wait_for_selector("#client-list table")
    mine = page.locator("#client-list tbody tr", has_text="this session").count()
    page.click("summary:text('Create an API client')")
    page.fill("#create-client input[name=name]", XSS)
    page.check("#create-client input[value=email_read]")
    page.click("#create-client button[type=submit]")
    page.wait_for_selector("#create-client .once input.secret")
    secret = page.input_value("#create-client .once input.secret")
    client_id = page.text_content("#create-client .new-id") or ""
    made = httpx.post(
        served.base + "v2/token",
        json={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    named = page.locator("#client-list tbody").get_by_text(XSS, exact=True).count()
    page.click("summary:text('Create an API token')")
    page.click("#create-token button[type=submit]")
    page.wait_for_selector("#create-token .once input.secret")
    token = page.input_value("#create-token .once input.secret")
    screenshot(page, "console-credentials")
    page.click(f"button[aria-label='Revoke client {client_id}']")
    page.click("dialog.confirm button:text('Revoke')")
    page.wait_for_selector(f"#client-list tbody tr:has-text('{client_id}') .badge.disabled")
    shown_again = page.locator(".once").count()
    refused = httpx.post(
        served.base + "v2/token",
        json={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    answer = httpx.get(
        served.base + "api/v1/suppressions", headers={"Authorization": f"Bearer {token}"}
    )
    assert mine == 1 and named == 1 and made.status_code == 200
    assert shown_again == 0  # once revoked and listed again, no secret is on the page
    assert refused.status_code in (400, 401)
    assert answer.status_code == 200
    assert served.browser.problems == [] and served.browser.outside == []


def test_every_view_fits_a_phone(served: Site) -> None:
    page = _open(served, "#/messages", width=390, height=844)
    found = httpx.get(served.base + "platform/v1/messages", headers=served.headers).json()
    views = {
        f"#/messages/{found['items'][0]['id']}": "#timeline li",
        "#/suppressions": "#suppressions table",
        "#/credentials": "#client-list table",
        "#/overview?range=1h": "#chart .u-over",
    }
    page.wait_for_selector("#results tbody a")
    wide = [] if no_horizontal_overflow(page) else ["#/messages"]
    for hash_, shown in views.items():
        view = stale(page)
        page.goto(served.base + "console" + hash_)
        page.wait_for_selector(f"{view} {shown}")
        if not no_horizontal_overflow(page):
            wide.append(hash_)
    screenshot(page, "console-overview-1h-390")
    assert wide == []
    assert _problems(served) == [] and served.browser.outside == []
