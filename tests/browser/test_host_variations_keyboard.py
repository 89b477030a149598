"""Keyboard only: after an action re-renders the hub's list, the focus stays where the user works."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Frame, Page, expect

from .support import Stack, frame, json_of, open_host, wait_event
from .test_accessibility import axe_source as axe_source  # the module fixture, shared
from .test_accessibility import contribution_frame, violations
from .test_customer_reports import group_cell
from .test_overlapping_reads import EXPANDED_PAGE, add_reports

pytestmark = pytest.mark.browser
HUB = "customer-reports"


def active_element(shown: Frame) -> dict[str, Any]:
    result: dict[str, Any] = shown.evaluate(
        """() => { const e = document.activeElement;
            return { tag: e.tagName, reportId: e.getAttribute("data-report-id"), name: e.textContent }; }"""
    )
    return result


def test_show_more_reports_from_the_keyboard_keeps_the_focus_on_the_new_reports(
    page: Page, stack: Stack, axe_source: str
) -> None:
    """Enter on "Show more reports" reads the next page; focus goes to the first report it added, not to
    the page's body (the button used to unmount while the read was on its way). The long list passes axe."""
    group = json_of(stack.api("GET", "/groups?limit=1"))["items"][0]
    add_reports(stack, group, [f"More report {n}" for n in range(EXPANDED_PAGE + 5)])
    every = json_of(stack.api("GET", f"/groups/{group['id']}/reports?limit=100"))["items"]
    open_host(page, stack, "#/boards/customer-reports")
    wait_event(page, "loadSucceeded", HUB)
    hub = frame(page, HUB)
    shown = contribution_frame(page, HUB)
    expand = group_cell(hub, group["id"], "title").get_by_role("button")
    expand.focus()
    page.keyboard.press("Enter")
    more = hub.get_by_role("button", name="Show more reports")
    expect(more).to_be_visible()
    page.keyboard.press("ArrowDown")  # to the group's reports row
    page.keyboard.press("ArrowRight")  # into it: its one control
    expect(more).to_be_focused()
    page.keyboard.press("Enter")
    listed = hub.locator(f'[data-reports-of="{group["id"]}"] li[data-report-id]')
    expect(listed).to_have_count(len(every))
    first_new = every[EXPANDED_PAGE]["id"]
    expect(hub.locator(f'li[data-report-id="{first_new}"]')).to_be_focused()
    assert active_element(shown)["reportId"] == first_new
    assert violations(shown, axe_source) == []
