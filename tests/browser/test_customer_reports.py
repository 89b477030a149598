"""Hub `customer-reports`: real backend data through the real SDK, triage by problem, errors, theme."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from playwright.sync_api import FrameLocator, Locator, Page, expect

from .conftest import StackFactory
from .support import (
    CREATE_BUG_UNAVAILABLE,
    Stack,
    event_types,
    events,
    frame,
    json_of,
    open_host,
    screenshot,
    set_theme,
    wait_event,
)

pytestmark = pytest.mark.browser
HUB = "customer-reports"


def open_hub(page: Page, stack: Stack) -> FrameLocator:
    open_host(page, stack, "#/boards/customer-reports")
    wait_event(page, "loadSucceeded", HUB)
    return frame(page, HUB)


def titles(items: list[dict[str, Any]]) -> list[str]:
    return [item["title"] for item in items]


def first_new_group(stack: Stack) -> dict[str, Any]:
    items: list[dict[str, Any]] = json_of(stack.api("GET", "/groups?status=new&limit=1"))["items"]
    return items[0]


def group_cell(hub: FrameLocator, group_id: str, column: str) -> Locator:
    return hub.locator(f'[data-group-id="{group_id}"][data-column="{column}"]')


def group_row(hub: FrameLocator, group_id: str) -> Locator:
    return hub.locator("tr.bolt-table-row", has=group_cell(hub, group_id, "title"))


def menu_item(page: Page, hub: FrameLocator, group_id: str, name: str) -> Locator:
    """Open the row's "…" menu and return one of its items."""
    group_row(hub, group_id).hover()
    group_row(hub, group_id).get_by_role("button", name="More options").click()
    return hub.get_by_role("menuitem", name=name)


def test_hub_lists_one_row_per_problem_after_the_sdk_handshake(page: Page, stack: Stack) -> None:
    expected = json_of(stack.api("GET", "/groups?limit=10"))["items"]
    hub = open_hub(page, stack)
    expect(hub.get_by_test_id("group-title")).to_have_text(titles(expected))
    checkout = next(g for g in expected if g["title"].startswith("Checkout fails"))
    expect(group_cell(hub, checkout["id"], "customers")).to_have_text("3")
    expect(group_cell(hub, checkout["id"], "reports")).to_have_text("4")
    expect(group_cell(hub, checkout["id"], "severity")).to_have_text("critical")
    expect(group_cell(hub, checkout["id"], "workItem")).to_have_text("#101Active")
    kinds = event_types(page, HUB)
    assert kinds.index("handshake") < kinds.index("getAppToken") < kinds.index("loadSucceeded")
    handshake = next(e for e in events(page) if e["type"] == "handshake" and e["contribution"] == HUB)
    assert handshake["detail"]["options"]["loaded"] is False
    assert "resize" in kinds


def test_a_group_opens_onto_its_reports_with_the_original_tickets(page: Page, stack: Stack) -> None:
    group = next(g for g in json_of(stack.api("GET", "/groups?limit=10"))["items"] if g["reportCount"] == 4)
    reports = json_of(stack.api("GET", f"/groups/{group['id']}/reports"))["items"]
    hub = open_hub(page, stack)
    group_cell(hub, group["id"], "title").get_by_role("button").click()
    listing = hub.locator(f'[data-reports-of="{group["id"]}"]')
    expect(listing.get_by_test_id("report-customer")).to_have_text([r["customerName"] for r in reports])
    expect(listing.get_by_test_id("report-description")).to_have_text([r["description"] for r in reports])
    ticket = listing.get_by_test_id("external-id").first.get_by_role("link")
    expect(ticket).to_have_text(reports[0]["externalId"])
    expect(ticket).to_have_attribute("href", reports[0]["link"])
    expect(listing).to_contain_text(reports[0]["source"])
    page.mouse.move(0, 0)  # no tooltip over the reports in the picture
    screenshot(page, "customer-reports-expanded")
    group_cell(hub, group["id"], "title").get_by_role("button").click()
    expect(listing).to_have_count(0)


def test_the_per_report_view_is_one_click_away(page: Page, stack: Stack) -> None:
    hub = open_hub(page, stack)
    hub.get_by_role("tab", name="By report").click()
    first_page = json_of(stack.api("GET", "/reports?limit=10"))
    expect(hub.get_by_test_id("report-title")).to_have_text(titles(first_page["items"]))
    second_page = json_of(stack.api("GET", f"/reports?limit=10&cursor={first_page['nextCursor']}"))
    hub.get_by_role("button", name="Next").click()
    expect(hub.get_by_test_id("page-number")).to_have_text("Page 2")
    expect(hub.get_by_test_id("report-title")).to_have_text(titles(second_page["items"]))
    hub.get_by_role("button", name="Previous").click()
    expect(hub.get_by_test_id("report-title")).to_have_text(titles(first_page["items"]))
    hub.get_by_role("tab", name="By problem").click()
    expect(hub.get_by_test_id("group-title")).to_have_count(10)


def test_search_status_filter_and_sort_follow_the_backend(page: Page, stack: Stack) -> None:
    hub = open_hub(page, stack)
    search = hub.get_by_role("textbox", name="Search reports")
    search.fill("coupon")
    search.press("Enter")
    searched = json_of(stack.api("GET", "/groups?limit=10&q=coupon"))["items"]
    assert searched, "demo data has coupon reports"
    expect(hub.get_by_test_id("group-title")).to_have_text(titles(searched))
    search.fill("Lamna")  # a customer of one report of the group, not in its title
    search.press("Enter")
    expect(hub.get_by_test_id("group-title")).to_have_text(["Dashboard takes more than 30 seconds to load"])

    search.fill("")
    hub.get_by_role("button", name="Search").click()
    hub.locator(".rb-sort").click()
    hub.get_by_role("option", name="Most customers").click()
    by_customers = json_of(stack.api("GET", "/groups?limit=10&sort=customers"))["items"]
    expect(hub.get_by_test_id("group-title")).to_have_text(titles(by_customers))
    hub.locator(".rb-sort").click()
    hub.get_by_role("option", name="Highest severity").click()
    by_severity = json_of(stack.api("GET", "/groups?limit=10&sort=severity"))["items"]
    assert by_severity[0]["severity"] == "critical"
    expect(hub.get_by_test_id("group-title")).to_have_text(titles(by_severity))

    hub.locator(".rb-status-filter").click()
    hub.get_by_role("option", name="dismissed").click()
    dismissed = json_of(stack.api("GET", "/groups?limit=10&status=dismissed&sort=severity"))["items"]
    assert dismissed
    expect(hub.get_by_test_id("status")).to_have_text(["dismissed"] * len(dismissed))


def test_dismiss_and_reopen_change_the_backend_and_the_row(page: Page, stack: Stack) -> None:
    group = first_new_group(stack)
    hub = open_hub(page, stack)
    expect(menu_item(page, hub, group["id"], "Dismiss")).to_be_visible()
    screenshot(page, "customer-reports-row-menu")
    hub.get_by_role("menuitem", name="Dismiss").click()
    expect(group_cell(hub, group["id"], "status")).to_have_text("dismissed")
    assert json_of(stack.api("GET", f"/groups/{group['id']}"))["status"] == "dismissed"
    menu_item(page, hub, group["id"], "Reopen").click()
    expect(group_cell(hub, group["id"], "status")).to_have_text("new")
    assert json_of(stack.api("GET", f"/groups/{group['id']}"))["status"] == "new"


def test_link_by_work_item_id_then_unlink(page: Page, stack: Stack) -> None:
    group = first_new_group(stack)
    hub = open_hub(page, stack)
    menu_item(page, hub, group["id"], "Link to work item").click()
    hub.get_by_role("textbox", name="Work item id").fill("not a number")
    hub.get_by_test_id("link-form").get_by_role("button", name="Link").click()
    expect(hub.get_by_test_id("action-error")).to_contain_text("whole number")
    assert json_of(stack.api("GET", f"/groups/{group['id']}"))["status"] == "new"

    hub.get_by_role("textbox", name="Work item id").fill("102")
    hub.get_by_test_id("link-form").get_by_role("button", name="Link").click()
    expect(group_cell(hub, group["id"], "status")).to_have_text("linked")
    expect(group_cell(hub, group["id"], "workItem")).to_contain_text("#102")
    stored = json_of(stack.api("GET", f"/groups/{group['id']}"))
    assert stored["status"] == "linked" and stored["workItem"]["id"] == 102

    menu_item(page, hub, group["id"], "Unlink").click()
    expect(group_cell(hub, group["id"], "status")).to_have_text("new")
    assert json_of(stack.api("GET", f"/groups/{group['id']}"))["workItem"] is None


def test_create_bug_is_disabled_and_says_why_without_azure_devops(page: Page, stack: Stack) -> None:
    me = json_of(stack.api("GET", "/me", project=False))
    assert me["capabilities"]["createBug"] is False
    group = first_new_group(stack)
    hub = open_hub(page, stack)
    expect(hub.get_by_test_id("create-bug-unavailable")).to_have_text(CREATE_BUG_UNAVAILABLE)
    item = menu_item(page, hub, group["id"], "Create bug")
    expect(item).to_have_attribute("aria-disabled", "true")
    expect(item).to_have_attribute("aria-label", f"Create bug (unavailable: {CREATE_BUG_UNAVAILABLE})")
    screenshot(page, "customer-reports-create-bug-disabled")
    item.click(force=True)
    assert json_of(stack.api("GET", f"/groups/{group['id']}"))["bugPending"] is False


def test_create_bug_shows_the_pending_bug_the_backend_queued(page: Page, make_stack: StackFactory) -> None:
    stack = make_stack(azure_devops=True)
    assert json_of(stack.api("GET", "/me", project=False))["capabilities"]["createBug"] is True
    group = first_new_group(stack)
    hub = open_hub(page, stack)
    expect(hub.get_by_test_id("create-bug-unavailable")).to_have_count(0)
    menu_item(page, hub, group["id"], "Create bug").click()
    expect(group_cell(hub, group["id"], "workItem")).to_contain_text("Creating bug…")
    assert json_of(stack.api("GET", f"/groups/{group['id']}"))["bugPending"] is True
    expect(menu_item(page, hub, group["id"], "Create bug")).to_have_attribute("aria-disabled", "true")


def test_create_bug_answered_409_shows_the_message_and_queues_nothing(
    page: Page, make_stack: StackFactory
) -> None:
    stack = make_stack(azure_devops=True)
    group = first_new_group(stack)
    hub = open_hub(page, stack)
    stack.restart_backend(azdo_org_urls=(), azdo_pat=None)  # the operator removed the connection
    menu_item(page, hub, group["id"], "Create bug").click()
    expect(hub.get_by_test_id("action-error")).to_contain_text("azure_devops_not_configured")
    expect(hub.get_by_test_id("create-bug-unavailable")).to_have_text(CREATE_BUG_UNAVAILABLE)
    expect(group_cell(hub, group["id"], "workItem")).not_to_contain_text("Creating bug")
    screenshot(page, "customer-reports-create-bug-409")
    stored = json_of(stack.api("GET", f"/groups/{group['id']}"))
    assert stored["status"] == "new" and stored["bugPending"] is False


def test_a_token_the_backend_rejects_shows_an_error_and_notifies_load_failed(
    page: Page, make_stack: StackFactory
) -> None:
    stack = make_stack(host_secret="another-extension-key-" + "x" * 20)
    open_host(page, stack, "#/boards/customer-reports")
    wait_event(page, "loadFailed", HUB)
    hub = frame(page, HUB)
    expect(hub.locator('[data-state="error"]')).to_contain_text("not signed in")
    kinds = event_types(page, HUB)
    assert kinds.count("getAppToken") == 2, "one fresh token and one retry on 401"
    assert "loadSucceeded" not in kinds


def test_a_backend_failure_shows_an_error_and_notifies_load_failed(page: Page, stack: Stack) -> None:
    with sqlite3.connect(stack.database) as db:  # break the backend's storage underneath it
        db.execute("ALTER TABLE report_groups RENAME TO report_groups_gone")
    assert stack.api("GET", "/groups").status_code == 503  # a storage error, never a bare 500
    open_host(page, stack, "#/boards/customer-reports")
    wait_event(page, "loadFailed", HUB)
    expect(frame(page, HUB).locator('[data-state="error"]')).to_contain_text("unavailable")
    failed = next(e for e in events(page) if e["type"] == "loadFailed")
    assert "unavailable" in failed["detail"]["message"]


def test_theme_switch_reaches_the_hub_and_screenshots(page: Page, stack: Stack) -> None:
    hub = open_hub(page, stack)
    expect(hub.get_by_test_id("group-title").first).to_be_visible()
    assert hub.locator("body").evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(255, 255, 255)"
    screenshot(page, "customer-reports-light")
    set_theme(page, "dark")
    wait_event(page, "themeChanged", HUB)
    expect(hub.locator("body")).to_have_css("background-color", "rgb(32, 31, 30)")
    screenshot(page, "customer-reports-dark")
