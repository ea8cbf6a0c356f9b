"""The console's overview in a real browser: figures, the uPlot chart (values at the cursor, a
legend that toggles series, each type in its vocabulary colour), ranges and filters, the
callbacks' health and the newest outcomes, hostile values as text, and a 390 px wide phone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.wire import vocabulary
from tests.browser import XSS, needs_chromium, screenshot
from tests.console_site import HOSTILE_KEY, Site, no_horizontal_overflow, site, stale

pytestmark = [needs_chromium, pytest.mark.isolated]
SANDBOXED = re.compile(r"Blocked script execution .* frame is sandboxed")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with site(tmp_path_factory.mktemp("overview") / "console.db") as s:
        yield s


def _overview(s: Site, hash_: str = "#/overview", **size: int) -> Any:
    page = s.fresh().signed_in(**size)
    if hash_ != "#/overview":
        page.goto(s.base + "console" + hash_)
    page.wait_for_selector("#chart .u-over")
    return page


def test_figures_chart_values_at_the_cursor_and_a_legend_that_toggles(served: Site) -> None:
    page = _overview(served)
    sent = page.text_content('[data-figure="sent"]')
    bounced = page.text_content('[data-figure="bounced"]')
    warned = page.get_attribute('[data-card="bounced"]', "class") or ""
    box = page.locator("#chart .u-over").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] - 1, box["y"] + box["height"] / 2)
    page.wait_for_selector("#chart .chart-tip:not([hidden])")
    tip = page.text_content("#chart .chart-tip") or ""
    legend_value = page.text_content("#chart .u-legend .u-series:has-text('EmailSent') .u-value")
    ticks = page.get_attribute("#chart", "data-ticks") or ""
    sent_row = page.locator("#chart .u-legend .u-series", has_text="EmailSent")
    sent_row.locator("th").click()
    off = sent_row.get_attribute("class") or ""
    pressed = sent_row.get_attribute("aria-pressed")
    sent_row.focus()
    page.keyboard.press("Enter")
    back_on = sent_row.get_attribute("class") or ""
    page.click("details.chart-data summary")
    as_text = page.eval_on_selector_all(
        "details.chart-data tbody tr", "rows => rows.map(r => r.textContent)"
    )
    cells = page.eval_on_selector_all(
        "details.chart-data tbody td", "tds => tds.slice(1).map(t => t.textContent)"
    )
    screenshot(page, "console-overview")
    assert (sent, bounced) == ("1", "1")
    assert "warn" in warned  # a 50 % bounce rate is over the 5 % line
    assert "EmailSent: 1" in tip and "EmailBounced: 1" in tip
    assert legend_value == "1"
    assert len(as_text) == 1 and cells == ["1", "1"]  # the hour's numbers, as text too
    assert re.search(r"\d", ticks)  # the count axis has values
    assert "u-off" in off and pressed == "false" and "u-off" not in back_on
    assert served.browser.problems == [] and served.browser.outside == []


def test_each_type_is_drawn_in_its_own_colour_from_the_page_data(served: Site) -> None:
    page = _overview(served)
    data = json.loads(page.text_content("#event-types") or "[]")
    drawn = dict(
        pair.split("=") for pair in (page.get_attribute("#chart", "data-types") or "").split()
    )
    markers = page.eval_on_selector_all(
        "#chart .u-legend .u-series",
        "rows => rows.slice(1).map(r =>"
        " [r.querySelector('.u-label').textContent,"
        " r.querySelector('.u-marker').style.borderColor])",
    )
    colours = {t["short"]: t["colour"] for t in data}
    assert colours == {t.short: t.colour for t in vocabulary.EventType}
    assert len(set(colours.values())) == len(colours)
    assert drawn == {"EmailSent": colours["EmailSent"], "EmailBounced": colours["EmailBounced"]}
    rgb = {k: "rgb({}, {}, {})".format(*bytes.fromhex(c[1:])) for k, c in colours.items()}
    assert sorted(markers) == sorted([k, rgb[k]] for k in drawn)
    assert served.browser.problems == [] and served.browser.outside == []


def test_ranges_filters_and_the_hour_in_minutes(served: Site) -> None:
    page = _overview(served, "#/overview?range=1h")
    minute = httpx.get(
        served.base + "api/v1/stats/timeseries?granularity=minute", headers=served.headers
    )
    points = int(page.get_attribute("#chart", "data-points") or 0)
    assert page.get_attribute("button:text('1h')", "aria-pressed") == "true"
    if minute.status_code == 200:
        assert 60 <= points <= 61  # one point a minute, not two joined by a slant
        assert page.locator("#latency-chart .u-over").count() == 1
        assert page.locator("#deliver-chart .u-over").count() == 1
    view = stale(page)
    page.select_option("select[name=channel]", "sms")
    page.wait_for_selector(f"{view} #chart .u-over")
    sms_sent = page.text_content(f"{view} [data-figure=sent]")
    view = stale(page)
    page.click("button:text('7d')")
    page.wait_for_selector(f"{view} #chart .u-over")
    view = stale(page)
    page.fill("input[name=definitionKey]", HOSTILE_KEY)
    page.press("input[name=definitionKey]", "Enter")
    page.wait_for_selector(f"{view} #chart .u-over")
    view = stale(page)
    page.fill("input[name=from]", "2026-01-01T00:00")
    page.fill("input[name=to]", "2026-01-01T02:00")
    page.click("button:text('Show range')")
    page.wait_for_selector(f"{view} #chart .u-over")
    custom_points = int(page.get_attribute("#chart", "data-points") or 0)
    hash_ = page.evaluate("location.hash")
    assert page.input_value("input[name=definitionKey]") == HOSTILE_KEY
    assert page.input_value("select[name=channel]") == "sms"
    assert sms_sent == "0"  # the sends were email
    assert custom_points == 120  # two hours, a point a minute
    for part in ("range=custom", "channel=sms", "definitionKey=", "from=2026", "to=2026"):
        assert part in hash_
    assert served.browser.problems == [] and served.browser.outside == []


def test_callbacks_and_recent_outcomes_link_on_and_hostile_values_stay_text(served: Site) -> None:
    page = _overview(served)
    callback = page.locator("#callbacks a").first
    href = callback.get_attribute("href")
    name = callback.text_content()
    badge = page.text_content("#callbacks .badge")
    hostile = page.get_by_text(f"Hi {XSS}", exact=True)
    hostile_shown = (hostile.count(), hostile.first.is_visible())
    key = page.locator("#recent").get_by_text(HOSTILE_KEY, exact=True).count()
    dated = page.locator("#recent tbody tr").first.locator("td").first.text_content() or ""
    first = page.locator("#recent tbody tr").first
    recipient = first.locator("td").nth(2).text_content() or ""
    message_link = first.locator("a").first.get_attribute("href") or ""
    scripts = page.locator("#main script, #main img").count()
    codes = page.text_content("#bounce-codes tbody") or ""
    view = stale(page)
    first.locator("a").first.click()  # the outcome opens its message's timeline
    page.wait_for_selector(f"{view} #timeline")
    heading = page.text_content(f"{view} h1") or ""
    view = stale(page)
    page.go_back()  # leaves the message's sandboxed frame, whose blocked script is its proof
    page.wait_for_selector(f"{view} #chart .u-over")
    problems = [p for p in served.browser.problems if not SANDBOXED.search(p)]
    assert href == f"#/endpoints/{served.callback_id}" and name == f"orders-{XSS}"
    assert badge == "healthy"
    assert hostile_shown == (2, True) and key == 2
    assert re.search(r"\d{4}", dated)  # each outcome has its date
    assert re.fullmatch(r"#/messages/[^?/]+", message_link)  # the message itself, by its id
    assert recipient and heading == f"Message to {recipient}"
    assert scripts == 0
    assert "HARD" in codes and "5.1.1" in codes
    assert problems == [] and served.browser.outside == []


def test_the_old_stats_page_leads_to_the_overview_and_it_fits_a_phone(served: Site) -> None:
    page = _overview(served, width=390, height=844)
    fits = no_horizontal_overflow(page)
    screenshot(page, "console-overview-390")
    page.goto(served.base + "stats")
    page.wait_for_selector("#chart .u-over")
    assert fits
    assert page.url.endswith("/console#/overview")
    assert served.browser.problems == [] and served.browser.outside == []


def test_the_overview_refreshes_itself_in_place_keeping_the_legend_and_the_cursor(
    served: Site,
) -> None:
    page = _overview(served)
    sent_before = int(page.text_content('[data-figure="sent"]') or 0)
    page.evaluate("document.querySelector('#chart .uplot').dataset.mark = 'first'")
    view = stale(page)  # a re-render would replace the view (the flicker this avoids)
    bounced_row = page.locator("#chart .u-legend .u-series", has_text="EmailBounced")
    bounced_row.locator("th").click()  # switched off; must stay off
    box = page.locator("#chart .u-over").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] - 1, box["y"] + box["height"] / 2)
    page.wait_for_selector("#chart .chart-tip:not([hidden])")
    body = {
        "definitionKey": HOSTILE_KEY,
        "recipient": {
            "contactKey": "cy",
            "to": "cy@example.com",
            "attributes": {"FirstName": "Cy", "OrderNo": "3"},
        },
    }
    sent = httpx.post(served.base + "messaging/v1/email/messages/order-refreshed", json=body,
                      headers=served.headers)  # fmt: skip
    assert sent.status_code == 202, sent.text
    # No Refresh click: the page fetches again on its own (every 10 s while visible).
    page.wait_for_selector("#recent a:text-is('order-refreshed')", timeout=30_000)
    page.wait_for_function(
        f"document.querySelector('[data-figure=sent]').textContent === '{sent_before + 1}'"
    )
    same_view = page.locator(f"{view} #recent").count() == 0  # the marked view is still on show
    same_chart = page.get_attribute("#chart .uplot", "data-mark")
    off = bounced_row.get_attribute("class") or ""
    tip_shown = page.locator("#chart .chart-tip:not([hidden])").count()
    refresh = page.locator("button:text('Refresh')").count()
    assert same_view and same_chart == "first"
    assert "u-off" in off and bounced_row.get_attribute("aria-pressed") == "false"
    assert tip_shown == 1 and refresh == 1
    assert served.browser.problems == [] and served.browser.outside == []
