"""Overlapping reads: the network does not keep order, so an older read's answer can arrive after a
newer one's. The page must keep showing the newest. Each test holds one real request to the backend
(Playwright routes it, then lets it through unchanged) until the newer read is on screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FrameLocator, Page, Route, expect

from .support import Stack, frame, json_of, open_host, wait_event
from .test_customer_reported_bugs import PREVIEW, open_configuration, open_dashboard

pytestmark = pytest.mark.browser
SETTLE_MS = 500  # time for a released answer to reach the page's code; nothing is timed or asserted on it


def hold(page: Page, pattern: str) -> list[Route]:
    """Hold every backend request whose URL matches `pattern`; the others go through."""
    held: list[Route] = []

    def keep(route: Route) -> None:
        held.append(route)

    page.route(re.compile(pattern), keep)
    return held


def wait_until_held(page: Page, held: list[Route]) -> None:
    """Wait (Playwright dispatches routes while the page waits) until the request is held."""
    for _ in range(200):
        if held:
            return
        page.wait_for_timeout(50)
    raise AssertionError("the request to hold was never sent")


def release(page: Page, held: list[Route]) -> None:
    """Let the held requests through, unchanged, and give their answers time to arrive."""
    with page.expect_request_finished(lambda request: request.url == held[0].request.url):
        for route in held:
            route.continue_()
    page.wait_for_timeout(SETTLE_MS)


def pick_status(hub: FrameLocator, status: str) -> None:
    hub.locator(".rb-status-filter").click()
    hub.get_by_role("option", name=status).click()


def test_the_hub_shows_the_newest_filter_when_an_older_answer_comes_last(page: Page, stack: Stack) -> None:
    open_host(page, stack, "#/boards/customer-reports")
    wait_event(page, "loadSucceeded", "customer-reports")
    hub = frame(page, "customer-reports")
    held = hold(page, r".*/groups\?.*status=dismissed")
    pick_status(hub, "dismissed")
    wait_until_held(page, held)
    pick_status(hub, "linked")
    linked = json_of(stack.api("GET", "/groups?limit=10&status=linked"))["items"]
    assert linked, "demo data has linked problems"
    expect(hub.get_by_test_id("status")).to_have_text(["linked"] * len(linked))
    release(page, held)
    expect(hub.get_by_test_id("status")).to_have_text(["linked"] * len(linked))


def test_the_widget_preview_shows_the_newest_settings_when_an_older_reload_answers_last(
    page: Page, stack: Stack
) -> None:
    open_dashboard(page, stack)
    config, preview = open_configuration(page)
    held = hold(page, r".*/dashboard\?days=7$")
    config.get_by_role("radio", name="7 days").click()
    wait_until_held(page, held)
    config.get_by_role("radio", name="90 days").click()
    wait_event(page, "widget.reload", PREVIEW)  # the host logs a reload once the widget has answered it
    expect(preview.get_by_test_id("daily-chart")).to_have_attribute("data-days", "90")
    release(page, held)
    wait_event(page, "widget.reload", PREVIEW, count=2)  # the older reload has answered too
    expect(preview.get_by_test_id("daily-chart")).to_have_attribute("data-days", "90")
