"""Keyboard only: the hub's rows and tab stop, the focus after "Show more reports" re-renders a group, and
the widget configuration's validation message, reached with Tab and Space alone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Frame, FrameLocator, Locator, Page, expect

from .support import Stack, frame, json_of, open_host, wait_event
from .test_accessibility import axe_source as axe_source  # the module fixture, shared
from .test_accessibility import contribution_frame, violations
from .test_customer_reports import group_cell
from .test_overlapping_reads import EXPANDED_PAGE, add_reports

pytestmark = pytest.mark.browser
HUB = "customer-reports"
CONFIG = "customer-reported-bugs-config"


def active_element(shown: Frame) -> dict[str, Any]:
    result: dict[str, Any] = shown.evaluate(
        """() => { const e = document.activeElement;
            return { tag: e.tagName, reportId: e.getAttribute("data-report-id"), name: e.textContent }; }"""
    )
    return result


VIEW_READ = re.compile(r"/api/v1/projects/[^/]+/(reports|groups)\?")


def open_hub(page: Page, stack: Stack) -> tuple[FrameLocator, Frame]:
    """The hub, loaded: its frame to find controls in, and the Frame to evaluate the focus in."""
    open_host(page, stack, "#/boards/customer-reports")
    wait_event(page, "loadSucceeded", HUB)
    return frame(page, HUB), contribution_frame(page, HUB)


def open_view(page: Page, hub: FrameLocator, view: str) -> Locator:
    """Switch the hub to a tab ("By problem", "By report") and wait for the read it starts; return its
    table's rows. A view shown before (the hub reads both at load) shows its rows at once and its fresh
    read lands later: on a busy machine it landed after the test had moved the focus, and the table
    rendered anew from its first row."""
    tab = hub.get_by_role("tab", name=view)
    if tab.get_attribute("aria-selected") == "true":  # no change, no read
        tab.click()
    else:
        with page.expect_response(lambda r: r.request.method == "GET" and bool(VIEW_READ.search(r.url))):
            tab.click()
    return hub.locator("tbody tr.bolt-table-row[data-row-index]")


def test_show_more_reports_from_the_keyboard_keeps_the_focus_on_the_new_reports(
    page: Page, stack: Stack, axe_source: str
) -> None:
    """Enter on "Show more reports" reads the next page; focus goes to the first report it added, not to
    the page's body (the button used to unmount while the read was on its way). The long list passes axe."""
    group = json_of(stack.api("GET", "/groups?limit=1"))["items"][0]
    add_reports(stack, group, [f"More report {n}" for n in range(EXPANDED_PAGE + 5)])
    every = json_of(stack.api("GET", f"/groups/{group['id']}/reports?limit=100"))["items"]
    hub, shown = open_hub(page, stack)
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


# The controls of the focused row, in document order: what → and ← must walk through.
ROW_CONTROLS = """() => [...document.activeElement.closest("tr").querySelectorAll("a[href], button")]
    .filter((e) => !e.disabled).map((e) => e.getAttribute("aria-label"))"""
FOCUSED_LABEL = "() => document.activeElement.getAttribute('aria-label')"


def walk(page: Page, shown: Frame, key: str, steps: int) -> list[str | None]:
    labels = []
    for _ in range(steps):
        page.keyboard.press(key)
        labels.append(shown.evaluate(FOCUSED_LABEL))
    return labels


@pytest.mark.parametrize("view", ["By problem", "By report"])
def test_the_arrow_keys_reach_every_control_of_every_row(page: Page, stack: Stack, view: str) -> None:
    """→ from a row walks its controls (expand, the work item link, the "…" menu) and ← walks back: the
    severity pill joined the row's focus zone without taking focus, and → stopped there."""
    hub, shown = open_hub(page, stack)
    rows = open_view(page, hub, view)
    expect(rows.first).to_be_visible()
    linked_rows = 0
    for index in range(rows.count()):
        rows.nth(index).focus()
        controls = shown.evaluate(ROW_CONTROLS)
        assert controls and controls[-1] == "More options", controls
        linked_rows += any(label and label.startswith("Work item") for label in controls)
        assert walk(page, shown, "ArrowRight", len(controls)) == controls, f"row {index}"
        assert walk(page, shown, "ArrowLeft", len(controls) - 1) == controls[-2::-1], f"row {index}"
    assert linked_rows > 0, "demo data has linked problems: their rows have a link between the controls"


# Whether the focus has left the table forwards: on to a control after it, or out of the frame.
PAST_THE_TABLE = """() => {
    const table = document.querySelector("table");
    const active = document.activeElement;
    const after = table.compareDocumentPosition(active) & Node.DOCUMENT_POSITION_FOLLOWING;
    return active === document.body || (!table.contains(active) && !!after); }"""
ON_THE_TABLE = "() => document.activeElement.tagName === 'TABLE'"


@pytest.mark.parametrize("view", ["By problem", "By report"])
def test_tab_from_a_row_reached_with_the_arrows_moves_on_past_the_table(
    page: Page, stack: Stack, view: str
) -> None:
    """The focused row is the table's one tab stop: Tab from it goes on past the table and Shift+Tab to
    the table before it. The first row kept the stop after ↓, and Tab went back to the hub's top."""
    hub, shown = open_hub(page, stack)
    rows = open_view(page, hub, view)
    expect(rows.nth(2)).to_be_visible()
    for key, check in (("Tab", PAST_THE_TABLE), ("Shift+Tab", ON_THE_TABLE)):
        rows.first.focus()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        expect(rows.nth(2)).to_be_focused()
        expect(rows.nth(2)).to_have_attribute("tabindex", "0")
        expect(rows.first).to_have_attribute("tabindex", "-1")
        page.keyboard.press(key)
        assert shown.evaluate(check), (key, shown.evaluate("document.activeElement.outerHTML.slice(0, 120)"))


def test_the_configurations_validation_message_is_announced_and_names_the_statuses(
    page: Page, stack: Stack, axe_source: str
) -> None:
    """Space unticks the two default statuses; the message that appears is an alert (announced) and
    describes the statuses' fieldset, and the state passes axe. It was plain text a screen reader skipped."""
    open_host(page, stack, "#/dashboard")
    wait_event(page, "widget.load", "customer-reported-bugs")
    page.click('[data-action="configure"]')
    wait_event(page, "config.load", CONFIG)
    config = frame(page, CONFIG)
    for status in ("new", "linked"):
        box = config.get_by_role("checkbox", name=f"Show {status}")
        box.focus()
        page.keyboard.press("Space")
        expect(box).to_have_attribute("aria-checked", "false")
    alert = config.get_by_role("alert")
    expect(alert).to_have_text("Pick at least one status to show.")
    described = config.locator("fieldset").get_attribute("aria-describedby")
    assert described and described == alert.get_attribute("id")
    assert violations(contribution_frame(page, CONFIG), axe_source) == []


IN_THE_TABLE = "() => !!document.activeElement.closest('table.bolt-table')"


@pytest.mark.parametrize("status", ["All statuses", "new"])
def test_an_action_chosen_from_the_keyboard_keeps_the_focus_in_the_table(
    page: Page, stack: Stack, status: str
) -> None:
    """Dismiss from the row's "…" menu re-reads the page (under "new" the row leaves it); the focus stays
    in the table, where the user was, instead of falling to the page's body."""
    hub, shown = open_hub(page, stack)
    if status != "All statuses":
        hub.locator(".rb-status-filter").click()
        hub.get_by_role("option", name=status).click()
    new = json_of(stack.api("GET", "/groups?limit=10&status=new"))["items"]
    rows = hub.locator("tbody tr.bolt-table-row[data-row-index]")
    row = rows.filter(has=hub.locator(f'[data-group-id="{new[1]["id"]}"]'))
    expect(row).to_be_visible()
    rows.first.focus()
    on_the_row = "(id) => !!document.activeElement.querySelector(`[data-group-id='${id}']`)"
    while not shown.evaluate(on_the_row, new[1]["id"]):
        page.keyboard.press("ArrowDown")  # to the row, as a keyboard user goes
    controls = shown.evaluate(ROW_CONTROLS)
    walk(page, shown, "ArrowRight", len(controls))  # to the row's last control: its "…"
    expect(row.get_by_role("button", name="More options")).to_be_focused()
    page.keyboard.press("Enter")
    dismiss = hub.get_by_role("menuitem", name="Dismiss")
    expect(dismiss).to_be_visible()
    while not shown.evaluate("() => document.activeElement.textContent.includes('Dismiss')"):
        page.keyboard.press("ArrowDown")
    with page.expect_response(lambda response: "/dismiss" in response.url):
        page.keyboard.press("Enter")
    expect(hub.locator(f'[data-group-id="{new[1]["id"]}"][data-column="status"]')).to_have_count(
        0 if status == "new" else 1
    )
    expect(hub.get_by_role("button", name="More options").and_(hub.locator(":focus"))).to_have_count(1)
    assert shown.evaluate(IN_THE_TABLE)
