"""Work item form group `customer-impact`: the form service, work item switches in one frame, reloads."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import FrameLocator, Page, Response, expect

from .support import Stack, event_types, events, frame, json_of, open_host, screenshot, set_theme, wait_event

pytestmark = pytest.mark.browser
GROUP = "customer-impact"


def open_form(page: Page, stack: Stack, work_item_id: int) -> FrameLocator:
    open_host(page, stack, f"#/work-items/{work_item_id}")
    wait_event(page, "loadSucceeded", GROUP)
    return frame(page, GROUP)


def expect_impact(group: FrameLocator, stack: Stack, work_item_id: int) -> None:
    impact = json_of(stack.api("GET", f"/work-items/{work_item_id}/impact"))
    assert impact["reportCount"] > 0, "demo data links reports to this work item"
    expect(group.locator(".rb-impact")).to_have_attribute("data-work-item-id", str(work_item_id))
    expect(group.get_by_test_id("customers-affected")).to_have_text(str(impact["customersAffected"]))
    expect(group.get_by_test_id("report-count")).to_have_text(str(impact["reportCount"]))
    # The per-day sparkline draws the days the backend counted for this item (30 by default).
    total = sum(day["count"] for day in impact["dailyCounts"])
    expect(group.get_by_test_id("sparkline")).to_have_attribute("data-total", str(total))
    expect(group.get_by_test_id("sparkline")).to_have_attribute("data-days", "30")


def test_group_reads_the_open_item_through_the_form_service(page: Page, stack: Stack) -> None:
    group = open_form(page, stack, 101)
    expect_impact(group, stack, 101)
    wait_event(page, "listener.onLoaded", GROUP)
    service_calls = [e["detail"]["id"] for e in events(page) if e["type"] == "getService"]
    assert service_calls == ["ms.vss-work-web.work-item-form"]


def test_group_follows_a_work_item_switch_in_the_same_frame(page: Page, stack: Stack) -> None:
    group = open_form(page, stack, 101)
    expect_impact(group, stack, 101)
    page.click('[data-work-item="103"]')
    expect_impact(group, stack, 103)
    page.click('[data-work-item="104"]')
    expect_impact(group, stack, 104)
    kinds = event_types(page, GROUP)
    assert kinds.count("handshake") == 1, "the frame is reused, as Azure DevOps reuses form frames"
    calls = [(e["type"], e["detail"].get("id")) for e in events(page) if e["type"].startswith("listener.")]
    assert calls == [
        ("listener.onLoaded", 101),
        ("listener.onUnloaded", 101),
        ("listener.onLoaded", 103),
        ("listener.onUnloaded", 103),
        ("listener.onLoaded", 104),
    ]


def test_saving_the_item_reloads_the_impact_from_the_backend(page: Page, stack: Stack) -> None:
    group = open_form(page, stack, 102)
    before = json_of(stack.api("GET", "/work-items/102/impact"))
    expect(group.get_by_test_id("report-count")).to_have_text(str(before["reportCount"]))
    # Someone links another report to the item meanwhile; the form's save must bring it in.
    report = json_of(stack.api("GET", "/reports?status=new&limit=1"))["items"][0]
    json_of(stack.api("POST", f"/reports/{report['id']}/link", {"workItemId": 102}))
    after = json_of(stack.api("GET", "/work-items/102/impact"))
    assert after["reportCount"] > before["reportCount"]
    page.fill("#wi-title", "Invoice currency symbol follows the account locale")
    page.press("#wi-title", "Tab")
    wait_event(page, "listener.onFieldChanged", GROUP)
    page.click("#wi-save")
    wait_event(page, "listener.onSaved", GROUP)
    expect(group.get_by_test_id("report-count")).to_have_text(str(after["reportCount"]))
    page.click("#wi-refresh")
    wait_event(page, "listener.onRefreshed", GROUP)


def test_a_backend_failure_shows_an_error_and_notifies_load_failed(page: Page, stack: Stack) -> None:
    with sqlite3.connect(stack.database) as db:
        db.execute("ALTER TABLE reports RENAME TO reports_gone")
    open_host(page, stack, "#/work-items/101")
    wait_event(page, "loadFailed", GROUP)
    expect(frame(page, GROUP).locator('[data-state="error"]')).to_contain_text("unavailable")
    assert "loadSucceeded" not in event_types(page, GROUP)


def test_theme_switch_reaches_the_group_and_screenshots(page: Page, stack: Stack) -> None:
    group = open_form(page, stack, 101)
    expect_impact(group, stack, 101)
    screenshot(page, "customer-impact-light")
    set_theme(page, "dark")
    wait_event(page, "themeChanged", GROUP)
    expect(group.locator("body")).to_have_css("background-color", "rgb(32, 31, 30)")
    screenshot(page, "customer-impact-dark")


def test_closing_the_work_item_clears_the_group(page: Page, stack: Stack) -> None:
    group = open_form(page, stack, 101)
    expect_impact(group, stack, 101)
    page.click("#wi-close")
    wait_event(page, "listener.onUnloaded", GROUP)
    expect(group.locator('[data-state="empty"]')).to_have_text("No work item is open.")
    expect(group.get_by_test_id("impact-reports")).to_have_count(0)
    expect(group.locator(".rb-impact")).to_have_attribute("data-work-item-id", "")


def test_a_failed_load_leaves_no_unhandled_rejection_and_the_host_has_a_favicon(
    page: Page, stack: Stack
) -> None:
    page_errors: list[str] = []
    failed: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if _failed_on_host(r, stack) else None)
    with sqlite3.connect(stack.database) as db:
        db.execute("ALTER TABLE reports RENAME TO reports_gone")
    open_host(page, stack, "#/work-items/101")
    wait_event(page, "loadFailed", GROUP)
    page.evaluate("new Promise((resolve) => setTimeout(resolve, 300))")  # let a rejection surface
    assert page_errors == []
    # The icon the page names is served; the browser then has no reason to ask for /favicon.ico.
    icon = page.evaluate("document.querySelector('link[rel=icon]')?.href")
    assert icon, "the host page names a favicon"
    assert page.request.get(icon).status == 200
    assert failed == []


def _failed_on_host(response: Response, stack: Stack) -> bool:
    return response.status >= 400 and response.url.startswith(stack.host_url)
