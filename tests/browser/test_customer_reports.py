"""Hub `customer-reports`: real backend data through the real SDK, triage actions, errors, theme."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from playwright.sync_api import FrameLocator, Page, expect

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


def first_new_report(stack: Stack) -> dict[str, Any]:
    items: list[dict[str, Any]] = json_of(stack.api("GET", "/reports?status=new&limit=1"))["items"]
    return items[0]


def cell(hub: FrameLocator, report_id: str, column: str) -> Any:
    return hub.locator(f'[data-report-id="{report_id}"][data-column="{column}"]')


def test_hub_shows_the_projects_reports_after_the_sdk_handshake(page: Page, stack: Stack) -> None:
    expected = json_of(stack.api("GET", "/reports?limit=10"))["items"]
    hub = open_hub(page, stack)
    expect(hub.get_by_test_id("report-title")).to_have_text(titles(expected))
    kinds = event_types(page, HUB)
    assert kinds.index("handshake") < kinds.index("getAppToken") < kinds.index("loadSucceeded")
    handshake = next(e for e in events(page) if e["type"] == "handshake" and e["contribution"] == HUB)
    assert handshake["detail"]["options"]["loaded"] is False
    assert "resize" in kinds


def test_search_status_filter_and_paging_follow_the_backend(page: Page, stack: Stack) -> None:
    hub = open_hub(page, stack)
    first_page = json_of(stack.api("GET", "/reports?limit=10"))
    second_page = json_of(stack.api("GET", f"/reports?limit=10&cursor={first_page['nextCursor']}"))
    hub.get_by_role("button", name="Next").click()
    expect(hub.get_by_test_id("page-number")).to_have_text("Page 2")
    expect(hub.get_by_test_id("report-title")).to_have_text(titles(second_page["items"]))
    hub.get_by_role("button", name="Previous").click()
    expect(hub.get_by_test_id("report-title")).to_have_text(titles(first_page["items"]))

    hub.get_by_role("textbox", name="Search reports").fill("coupon")
    hub.get_by_role("textbox", name="Search reports").press("Enter")
    searched = json_of(stack.api("GET", "/reports?limit=10&q=coupon"))["items"]
    assert searched, "demo data has coupon reports"
    expect(hub.get_by_test_id("report-title")).to_have_text(titles(searched))

    hub.get_by_role("textbox", name="Search reports").fill("")
    hub.get_by_role("button", name="Search").click()
    hub.locator(".rb-status-filter").click()
    hub.get_by_role("option", name="dismissed").click()
    dismissed = json_of(stack.api("GET", "/reports?limit=10&status=dismissed"))["items"]
    assert dismissed
    expect(hub.get_by_test_id("status")).to_have_text(["dismissed"] * len(dismissed))


def test_dismiss_and_reopen_change_the_backend_and_the_row(page: Page, stack: Stack) -> None:
    report = first_new_report(stack)
    hub = open_hub(page, stack)
    cell(hub, report["id"], "actions").get_by_role("button", name="Dismiss").click()
    expect(cell(hub, report["id"], "status")).to_have_text("dismissed")
    assert json_of(stack.api("GET", f"/reports/{report['id']}"))["status"] == "dismissed"
    cell(hub, report["id"], "actions").get_by_role("button", name="Reopen").click()
    expect(cell(hub, report["id"], "status")).to_have_text("new")
    assert json_of(stack.api("GET", f"/reports/{report['id']}"))["status"] == "new"


def test_link_by_work_item_id_then_unlink(page: Page, stack: Stack) -> None:
    report = first_new_report(stack)
    hub = open_hub(page, stack)
    cell(hub, report["id"], "actions").get_by_role("button", name="Link").click()
    hub.get_by_role("textbox", name="Work item id").fill("not a number")
    hub.get_by_test_id("link-form").get_by_role("button", name="Link").click()
    expect(hub.get_by_test_id("action-error")).to_contain_text("whole number")
    assert json_of(stack.api("GET", f"/reports/{report['id']}"))["status"] == "new"

    hub.get_by_role("textbox", name="Work item id").fill("102")
    hub.get_by_test_id("link-form").get_by_role("button", name="Link").click()
    expect(cell(hub, report["id"], "status")).to_have_text("linked")
    expect(cell(hub, report["id"], "workItem")).to_contain_text("#102")
    stored = json_of(stack.api("GET", f"/reports/{report['id']}"))
    assert stored["status"] == "linked" and stored["workItem"]["id"] == 102

    cell(hub, report["id"], "actions").get_by_role("button", name="Unlink").click()
    expect(cell(hub, report["id"], "status")).to_have_text("new")
    assert json_of(stack.api("GET", f"/reports/{report['id']}"))["workItem"] is None


def create_bug(hub: FrameLocator, report_id: str) -> Any:
    return cell(hub, report_id, "actions").get_by_role("button", name="Create bug")


def test_create_bug_is_disabled_with_a_tooltip_without_azure_devops(page: Page, stack: Stack) -> None:
    me = json_of(stack.api("GET", "/me", project=False))
    assert me["capabilities"]["createBug"] is False
    report = first_new_report(stack)
    hub = open_hub(page, stack)
    expect(create_bug(hub, report["id"])).to_be_disabled()
    wrapper = cell(hub, report["id"], "actions").get_by_test_id("create-bug-wrapper")
    expect(wrapper).to_have_attribute("data-disabled-reason", CREATE_BUG_UNAVAILABLE)
    wrapper.hover()
    tooltip = hub.locator(".bolt-tooltip")
    expect(tooltip).to_have_text(CREATE_BUG_UNAVAILABLE)
    expect(tooltip).to_have_css("opacity", "1")  # faded in: the screenshot shows it as a user sees it
    screenshot(page, "customer-reports-create-bug-disabled")
    assert json_of(stack.api("GET", f"/reports/{report['id']}")).get("bugPending") is not True


def test_create_bug_shows_the_pending_bug_the_backend_queued(page: Page, make_stack: StackFactory) -> None:
    stack = make_stack(azure_devops=True)
    assert json_of(stack.api("GET", "/me", project=False))["capabilities"]["createBug"] is True
    report = first_new_report(stack)
    hub = open_hub(page, stack)
    wrapper = cell(hub, report["id"], "actions").get_by_test_id("create-bug-wrapper")
    expect(create_bug(hub, report["id"])).to_be_enabled()
    expect(wrapper).not_to_have_attribute("data-disabled-reason", CREATE_BUG_UNAVAILABLE)
    create_bug(hub, report["id"]).click()
    expect(cell(hub, report["id"], "workItem")).to_contain_text("Creating bug…")
    stored = json_of(stack.api("GET", f"/reports/{report['id']}"))
    assert stored["bugPending"] is True
    expect(create_bug(hub, report["id"])).to_be_disabled()


def test_create_bug_answered_409_shows_the_message_and_queues_nothing(
    page: Page, make_stack: StackFactory
) -> None:
    stack = make_stack(azure_devops=True)
    report = first_new_report(stack)
    hub = open_hub(page, stack)
    expect(create_bug(hub, report["id"])).to_be_enabled()
    stack.restart_backend(azdo_org_urls=(), azdo_pat=None)  # the operator removed the connection
    create_bug(hub, report["id"]).click()
    expect(hub.get_by_test_id("action-error")).to_contain_text("azure_devops_not_configured")
    expect(create_bug(hub, report["id"])).to_be_disabled()
    wrapper = cell(hub, report["id"], "actions").get_by_test_id("create-bug-wrapper")
    expect(wrapper).to_have_attribute("data-disabled-reason", CREATE_BUG_UNAVAILABLE)
    expect(cell(hub, report["id"], "workItem")).not_to_contain_text("Creating bug")
    screenshot(page, "customer-reports-create-bug-409")
    stored = json_of(stack.api("GET", f"/reports/{report['id']}"))
    assert stored["status"] == "new" and stored.get("bugPending") is not True


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
    assert stack.api("GET", "/reports").status_code == 503  # a storage error, never a bare 500
    open_host(page, stack, "#/boards/customer-reports")
    wait_event(page, "loadFailed", HUB)
    expect(frame(page, HUB).locator('[data-state="error"]')).to_contain_text("unavailable")
    failed = next(e for e in events(page) if e["type"] == "loadFailed")
    assert "unavailable" in failed["detail"]["message"]


def test_theme_switch_reaches_the_hub_and_screenshots(page: Page, stack: Stack) -> None:
    hub = open_hub(page, stack)
    expect(hub.get_by_test_id("report-title").first).to_be_visible()
    assert hub.locator("body").evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(255, 255, 255)"
    screenshot(page, "customer-reports-light")
    set_theme(page, "dark")
    wait_event(page, "themeChanged", HUB)
    expect(hub.locator("body")).to_have_css("background-color", "rgb(32, 31, 30)")
    screenshot(page, "customer-reports-dark")
