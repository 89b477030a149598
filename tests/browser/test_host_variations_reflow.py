"""Reflow (WCAG 1.4.10): each contribution in a 320 CSS px frame (1280 px at 400 % zoom) shows all of its
content without cutting any of it off and without scrolling in two dimensions."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .support import Stack, frame, json_of, open_host, wait_event
from .test_accessibility import contribution_frame

pytestmark = pytest.mark.browser
FORM = "customer-impact"
NARROW = 320  # CSS px: 1280 px at 400 % zoom


CLIPPED = """() => [...document.querySelectorAll('[data-testid="impact-reports"] li')]
    .filter((li) => li.scrollWidth > li.clientWidth)
    .map((li) => li.textContent)"""


def test_the_form_groups_report_lines_are_not_cut_off_in_a_narrow_frame(page: Page, stack: Stack) -> None:
    """At 320 CSS px each line (customer, title, date) must still read whole: cut off with an ellipsis,
    its date was hidden with no way to reach it."""
    impact = json_of(stack.api("GET", "/work-items/101/impact"))
    assert impact["reports"], "demo data links reports to work item 101"
    open_host(page, stack, "#/work-items/101")
    wait_event(page, "loadSucceeded", FORM)
    page.locator(f'iframe[data-contribution="{FORM}"]').evaluate(f"(f) => (f.style.width = '{NARROW}px')")
    shown = contribution_frame(page, FORM)
    shown.wait_for_function(f"() => document.documentElement.clientWidth === {NARROW}")
    expect(frame(page, FORM).get_by_test_id("impact-reports").locator("li")).not_to_have_count(0)
    assert shown.evaluate(CLIPPED) == []
    assert shown.evaluate("document.documentElement.scrollWidth") <= NARROW
