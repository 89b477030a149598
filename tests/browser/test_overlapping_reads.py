"""Overlapping reads: the network does not keep order, so an older read's answer can arrive after a
newer one's. The page must keep showing the newest. Each test holds one real request to the backend
(Playwright routes it, then lets it through unchanged) until the newer read is on screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import FrameLocator, Locator, Page, Route, expect

from backend.reports import service
from backend.storage import open_storage

from .support import IDENTITY, Stack, frame, json_of, open_host, wait_event
from .test_customer_reported_bugs import PREVIEW, open_configuration, open_dashboard
from .test_customer_reports import group_cell, menu_item

pytestmark = pytest.mark.browser
SETTLE_MS = 500  # time for a released answer to reach the page's code; nothing is timed or asserted on it
EXPANDED_PAGE = 20  # reports an open group shows before "Show more reports" (extension/src/customer-reports)


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
    """Let the held requests through, unchanged, stop holding, and give their answers time to arrive."""
    with page.expect_request_finished(lambda request: request.url == held[0].request.url):
        for route in held:
            route.continue_()
    page.unroute_all()
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


def add_reports(stack: Stack, group: dict[str, Any], descriptions: list[str]) -> None:
    """Store reports of `group`'s problem straight into the backend's database, as intake would."""
    source = json_of(stack.api("GET", f"/groups/{group['id']}/reports?limit=1"))["items"][0]["source"]
    storage = open_storage(stack.database)
    try:
        with storage.transaction() as tx:
            for number, description in enumerate(descriptions):
                data = {"title": group["title"], "source": source, "severity": group["severity"],
                        "customerId": f"c-more-{number}", "description": description}
                service.create_report(tx, org_id=IDENTITY.org_id, project_id=IDENTITY.project_id, data=data,
                                      key_id=None)
    finally:
        storage.close()


def shown_reports(hub: FrameLocator, group_id: str) -> Locator:
    return hub.locator(f'[data-reports-of="{group_id}"]').get_by_test_id("report-description")


def first_reports(stack: Stack, group_id: str) -> list[str]:
    page = json_of(stack.api("GET", f"/groups/{group_id}/reports?limit={EXPANDED_PAGE}"))
    return [report["description"] for report in page["items"]]


def test_a_groups_more_read_that_a_refresh_overtook_does_not_land_after_it(page: Page, stack: Stack) -> None:
    """An action re-reads every open group from its first page; a "Show more" read begun before it must
    not append its (older) second page to the newer first one: a report would be missing between them."""
    groups = json_of(stack.api("GET", "/groups?limit=10&status=new"))["items"]
    group, other = groups[0], groups[1]
    add_reports(stack, group, [f"Older report {n}" for n in range(EXPANDED_PAGE + 5)])
    hub = frame(page, "customer-reports")
    open_host(page, stack, "#/boards/customer-reports")
    wait_event(page, "loadSucceeded", "customer-reports")
    group_cell(hub, group["id"], "title").get_by_role("button").click()
    expect(shown_reports(hub, group["id"])).to_have_text(first_reports(stack, group["id"]))
    held = hold(page, rf".*/groups/{group['id']}/reports\?.*cursor=")
    hub.get_by_role("button", name="Show more reports").click()
    wait_until_held(page, held)
    add_reports(stack, group, ["The newest report"])  # the first page the refresh reads starts with it
    menu_item(page, hub, other["id"], "Dismiss").click()  # the action re-reads the page and its open groups
    newest = first_reports(stack, group["id"])
    assert newest[0] == "The newest report"
    expect(shown_reports(hub, group["id"])).to_have_text(newest)
    release(page, held)
    expect(shown_reports(hub, group["id"])).to_have_text(newest)
    hub.get_by_role("button", name="Show more reports").click()  # and "more" still reads the rest, in order
    every = json_of(stack.api("GET", f"/groups/{group['id']}/reports?limit=100"))["items"]
    expect(shown_reports(hub, group["id"])).to_have_text([report["description"] for report in every])
