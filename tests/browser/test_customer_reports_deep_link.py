"""Hub deep links: `?reportId=` in the host page's URL (the link every bug Report Bridge creates carries)
opens the hub on that report's problem, expanded, the report first, marked and focused; an id the
project does not have shows a sentence saying so. The hub reads the id through the host navigation
service's getQueryParams, as it does in Azure DevOps, so the local host passes its own query string.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from backend.devtools.devhost.app import HostIdentity
from backend.reports import service
from backend.storage import open_storage

from .support import Stack, event_types, frame, json_of, open_host, wait_event
from .test_accessibility import AXE, contribution_frame, violations
from .test_customer_reports import HUB, group_cell

pytestmark = pytest.mark.browser


def open_linked(page: Page, stack: Stack, report_id: str) -> None:
    page.goto(f"{stack.host_url}/?reportId={report_id}#/boards/customer-reports")
    page.wait_for_function("window.hostReady === true")
    wait_event(page, "loadSucceeded", HUB)


def oldest_report_of_a_later_group(stack: Stack) -> tuple[dict[str, Any], dict[str, Any]]:
    """A group past the hub's first page (when there is one) with more than one report, and its oldest."""
    groups = json_of(stack.api("GET", "/groups?limit=100"))["items"]
    group = next(g for g in reversed(groups) if g["reportCount"] > 1)
    reports = json_of(stack.api("GET", f"/groups/{group['id']}/reports?limit=100"))["items"]
    return group, reports[-1]


def test_a_report_link_opens_its_problem_with_the_report_marked_and_focused(page: Page, stack: Stack) -> None:
    group, report = oldest_report_of_a_later_group(stack)
    open_linked(page, stack, report["id"])
    hub = frame(page, HUB)
    expect(hub.locator('[data-column="title"][data-group-id]')).to_have_count(1)
    expect(group_cell(hub, group["id"], "title")).to_contain_text(group["title"])
    reports = hub.locator(f'[data-reports-of="{group["id"]}"] li[data-report-id]')
    expect(reports.first).to_have_attribute("data-report-id", report["id"])  # first, though the oldest
    expect(reports.first).to_have_attribute("aria-current", "true")
    expect(hub.locator('li[aria-current="true"]')).to_have_count(1)
    focused = hub.locator("li[data-report-id]:focus")
    expect(focused).to_have_attribute("data-report-id", report["id"])
    sender = report["customerName"] or report["customerId"]
    expect(hub.get_by_test_id("linked-report")).to_contain_text(sender)
    assert "loadFailed" not in event_types(page, HUB)
    assert violations(contribution_frame(page, HUB), AXE.read_text(encoding="utf-8")) == []

    hub.get_by_role("button", name="Show all problems").click()
    first_page = json_of(stack.api("GET", "/groups?limit=10&sort=newest"))["items"]
    expect(hub.locator('[data-column="title"][data-group-id]')).to_have_count(len(first_page))
    expect(hub.get_by_test_id("linked-report")).to_have_count(0)
    assert page.evaluate("location.search") == ""  # a reload shows every problem, as chosen


@pytest.mark.parametrize("kind", ["unknown", "another project's"])
def test_a_link_to_a_report_this_project_does_not_have_says_so(page: Page, stack: Stack, kind: str) -> None:
    report_id = "r_no_such_report"
    if kind == "another project's":
        identity = HostIdentity()
        storage = open_storage(stack.database)
        try:
            with storage.transaction() as tx:
                service.ensure_project(tx, identity.org_id, "another-project", "Another project")
                report_id = service.create_report(
                    tx, org_id=identity.org_id, project_id="another-project", key_id=None,
                    data={"title": "Not this project's problem", "customerId": "c-elsewhere"},
                )
        finally:
            storage.close()
        assert stack.api("GET", f"/reports/{report_id}").status_code == 404  # the hub's project
    open_linked(page, stack, report_id)
    hub = frame(page, HUB)
    missing = hub.get_by_test_id("linked-report-missing")
    expect(missing).to_contain_text(f"No report “{report_id}” in this project")
    expect(hub.locator("[data-group-id]")).to_have_count(0)
    assert "loadFailed" not in event_types(page, HUB)  # a plain message, not a failed page
    assert violations(contribution_frame(page, HUB), AXE.read_text(encoding="utf-8")) == []
    hub.get_by_role("button", name="Show all problems").click()
    expect(hub.locator('[data-column="title"][data-group-id]').first).to_be_visible()


def test_without_a_report_id_the_hub_opens_on_every_problem(page: Page, stack: Stack) -> None:
    open_host(page, stack, "?other=1#/boards/customer-reports")
    wait_event(page, "loadSucceeded", HUB)
    hub = frame(page, HUB)
    first_page = json_of(stack.api("GET", "/groups?limit=10&sort=newest"))["items"]
    expect(hub.locator('[data-column="title"][data-group-id]')).to_have_count(len(first_page))
    expect(hub.locator("li[aria-current]")).to_have_count(0)
