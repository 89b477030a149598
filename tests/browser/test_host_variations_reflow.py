"""Reflow (WCAG 1.4.10): each contribution in a 320 CSS px frame (1280 px at 400 % zoom) shows all of its
content without cutting any of it off and without scrolling in two dimensions."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Frame, Page, expect

from .support import Stack, frame, json_of, open_host, wait_event
from .test_accessibility import axe_source as axe_source  # the module fixture, shared
from .test_accessibility import contribution_frame, violations

pytestmark = pytest.mark.browser
FORM = "customer-impact"
HUB = "customer-reports"
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


# Everything laid out outside the frame's width (the visually hidden heading is 1 px, clipped, inside).
OUTSIDE = """(width) => [...document.querySelectorAll("body *")]
    .filter((e) => { const r = e.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && (r.left < -1 || r.right > width + 1); })
    .map((e) => `${e.tagName}.${e.getAttribute("class") ?? ""}`).slice(0, 10)"""


def narrow_hub(page: Page, stack: Stack) -> Frame:
    """The hub with its frame NARROW px wide: the viewport is the host's chrome (its nav) plus NARROW."""
    open_host(page, stack, "#/boards/customer-reports")
    wait_event(page, "loadSucceeded", HUB)
    box = page.locator(f'iframe[data-contribution="{HUB}"]').bounding_box()
    assert box is not None
    page.set_viewport_size({"width": int(box["x"]) + NARROW, "height": 900})
    shown = contribution_frame(page, HUB)
    shown.wait_for_function(f"() => document.documentElement.clientWidth === {NARROW}")
    return shown


def assert_fits(shown: Frame) -> None:
    assert shown.evaluate(OUTSIDE, NARROW) == []
    assert shown.evaluate("document.documentElement.scrollWidth") <= NARROW


def test_the_hub_reflows_into_a_narrow_frame_in_each_view(page: Page, stack: Stack, axe_source: str) -> None:
    """At 320 CSS px the problems, an open problem's reports and the per-report view fit the width:
    nothing scrolls sideways, each row keeps its facts and its "…" menu on screen, and axe finds nothing."""
    groups = json_of(stack.api("GET", "/groups?limit=10"))["items"]
    shown = narrow_hub(page, stack)
    hub = frame(page, HUB)
    expect(hub.get_by_test_id("group-title")).to_have_count(len(groups))
    assert_fits(shown)
    expect(hub.get_by_test_id("status")).to_have_text([g["status"] for g in groups])
    expect(hub.get_by_test_id("customers")).to_have_text([str(g["customersAffected"]) for g in groups])
    first = hub.locator("tr.bolt-table-row", has=hub.locator(f'[data-group-id="{groups[0]["id"]}"]'))
    first.get_by_role("button", name="More options").click()
    expect(hub.get_by_role("menuitem").first).to_be_in_viewport()
    page.keyboard.press("Escape")
    expect(first.get_by_role("button", name="More options")).to_be_focused()
    first.get_by_role("button", name=re.compile("^Show the")).click()
    expect(hub.locator(f'[data-reports-of="{groups[0]["id"]}"] li')).not_to_have_count(0)
    assert_fits(shown)
    hub.get_by_role("tab", name="By report").click()
    reports = json_of(stack.api("GET", "/reports?limit=10"))["items"]
    expect(hub.get_by_test_id("report-title")).to_have_count(len(reports))
    assert_fits(shown)
    assert violations(shown, axe_source) == []
