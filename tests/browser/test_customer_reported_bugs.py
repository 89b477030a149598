"""Dashboard widget `customer-reported-bugs` and its configuration: load, preview, save, sizes, errors."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from .conftest import StackFactory
from .support import Stack, event_types, events, frame, json_of, open_host, screenshot, set_theme, wait_event

pytestmark = pytest.mark.browser
WIDGET = "customer-reported-bugs"
PREVIEW = f"{WIDGET}:preview"
CONFIG = "customer-reported-bugs-config"


def open_dashboard(page: Page, stack: Stack) -> FrameLocator:
    open_host(page, stack, "#/dashboard")
    wait_event(page, "widget.load", WIDGET)
    return frame(page, WIDGET)


def open_configuration(page: Page) -> tuple[FrameLocator, FrameLocator]:
    page.click('[data-action="configure"]')
    wait_event(page, "config.load", CONFIG)
    wait_event(page, "widget.load", PREVIEW)
    return frame(page, CONFIG), page.frame_locator(f'iframe[data-label="{PREVIEW}"]')


def shown_counts(widget: FrameLocator) -> dict[str, str]:
    """The stacked bar's legend: status -> the count it shows."""
    rows = widget.locator("[data-status]").all()
    return {r.get_attribute("data-status") or "": r.locator(".rb-legend-count").inner_text() for r in rows}


def segment_widths(widget: FrameLocator) -> dict[str, float]:
    """The stacked bar's segments: status -> width in the bar's 0-100 units."""
    segments = widget.locator("[data-segment]").all()
    return {s.get_attribute("data-segment") or "": float(s.get_attribute("width") or "") for s in segments}


def bars(widget: FrameLocator) -> list[tuple[str, int]]:
    """The per-day chart's bars, oldest first: (date, count)."""
    rects = widget.locator("[data-testid=daily-chart] rect[data-date]").all()
    return [(r.get_attribute("data-date") or "", int(r.get_attribute("data-count") or "")) for r in rects]


def test_widget_shows_the_projects_untriaged_reports(page: Page, stack: Stack) -> None:
    summary = json_of(stack.api("GET", "/dashboard"))
    widget = open_dashboard(page, stack)
    expect(widget.get_by_test_id("untriaged-count")).to_have_text(str(summary["untriagedCount"]))
    expect(widget.get_by_test_id("widget")).to_have_attribute("data-size", "large")
    expect(widget.locator("[data-status]")).to_have_count(2)
    assert shown_counts(widget) == {s: str(summary["countsByStatus"][s]) for s in ("new", "linked")}
    new, linked = summary["countsByStatus"]["new"], summary["countsByStatus"]["linked"]
    widths = segment_widths(widget)
    total = new + linked
    assert widths == pytest.approx({"new": 100 * new / total, "linked": 100 * linked / total})
    # Reports per day over the default 30 days, as the backend counted them.
    assert bars(widget) == [(d["date"], d["count"]) for d in summary["dailyCounts"]]
    assert len(bars(widget)) == 30
    assert sum(count for _, count in bars(widget)) > 0, "demo data has reports in the last 30 days"
    chart = widget.locator("[data-testid=daily-chart] svg")
    expect(chart).to_have_attribute("role", "img")
    assert "received from" in (chart.get_attribute("aria-label") or "")
    rects = widget.locator("[data-testid=daily-chart] rect[data-date]").all()
    heights = {r.get_attribute("data-date"): float(r.get_attribute("height") or "") for r in rects}
    peak = max(summary["dailyCounts"], key=lambda d: d["count"])
    assert heights[peak["date"]] == max(heights.values()) > 0
    load = next(e for e in events(page) if e["type"] == "widget.load" and e["contribution"] == WIDGET)
    assert load["detail"]["statusType"] == 0
    assert load["detail"]["settings"]["customSettings"]["data"] is None, "a fresh instance gets data: null"
    kinds = event_types(page, WIDGET)
    assert kinds.index("handshake") < kinds.index("loadSucceeded") < kinds.index("widget.load")


def test_configuration_changes_reload_the_preview_and_save_reloads_the_widget(
    page: Page, stack: Stack
) -> None:
    summary = json_of(stack.api("GET", "/dashboard"))
    widget = open_dashboard(page, stack)
    config, preview = open_configuration(page)
    config.get_by_role("checkbox", name="Show dismissed").click()
    wait_event(page, "widget.reload", PREVIEW)
    expect(preview.locator('[data-status="dismissed"]')).to_be_visible()
    config.get_by_role("radio", name="7 days").click()
    wait_event(page, "widget.reload", PREVIEW, count=2)
    expect(preview.get_by_test_id("daily-chart")).to_have_attribute("data-days", "7")
    expect(widget.locator('[data-status="dismissed"]')).to_have_count(0)  # not saved yet
    expect(widget.get_by_test_id("daily-chart")).to_have_attribute("data-days", "30")
    page.click("#config-save")
    wait_event(page, "config.saved", CONFIG)
    wait_event(page, "widget.reload", WIDGET)
    expect(page.locator('[data-panel="configuration"]')).to_have_count(0)
    expect(widget.locator('[data-status="dismissed"] .rb-legend-count')).to_have_text(
        str(summary["countsByStatus"]["dismissed"])
    )
    week = json_of(stack.api("GET", "/dashboard?days=7"))["dailyCounts"]
    expect(widget.get_by_test_id("daily-chart")).to_have_attribute("data-days", "7")
    assert bars(widget) == [(d["date"], d["count"]) for d in week]
    saved = next(e for e in events(page) if e["type"] == "config.saved")["detail"]["settings"]
    assert saved["customSettings"]["version"] == {"major": 1, "minor": 1, "patch": 0}
    assert json.loads(saved["customSettings"]["data"]) == {
        "statuses": ["new", "linked", "dismissed"], "days": 7,
    }


def test_size_and_name_choice_and_invalid_settings(page: Page, stack: Stack) -> None:
    open_dashboard(page, stack)
    config, preview = open_configuration(page)
    page.select_option("#widget-size", label="1 × 1")
    wait_event(page, "widget.reload", PREVIEW)
    expect(preview.get_by_test_id("widget")).to_have_attribute("data-size", "small")
    page.fill("#widget-name", "Support queue")
    page.press("#widget-name", "Tab")
    expect(preview.locator(".rb-widget-title")).to_have_text("Support queue")
    for status in ("new", "linked"):
        config.get_by_role("checkbox", name=f"Show {status}").click()
    expect(page.locator(".rb-config-error")).to_contain_text("Pick at least one status")
    page.click("#config-save")
    wait_event(page, "config.saveRejected", CONFIG)
    expect(page.locator(".rb-config-error")).to_contain_text("not valid")
    expect(page.locator('[data-panel="configuration"]')).to_be_visible()


def test_a_token_the_backend_rejects_shows_the_widget_error(page: Page, make_stack: StackFactory) -> None:
    stack = make_stack(host_secret="another-extension-key-" + "y" * 20)
    open_host(page, stack, "#/dashboard")
    wait_event(page, "widget.load.failed", WIDGET)
    wait_event(page, "loadFailed", WIDGET)
    expect(frame(page, WIDGET).locator('[data-state="error"]')).to_contain_text("not signed in")
    expect(page.locator(f'[data-widget="{WIDGET}"] .rb-widget-banner')).to_contain_text("not signed in")


def test_theme_switch_reaches_widget_and_configuration_and_screenshots(page: Page, stack: Stack) -> None:
    widget = open_dashboard(page, stack)
    expect(widget.get_by_test_id("untriaged-count")).to_be_visible()
    screenshot(page, "customer-reported-bugs-light")
    set_theme(page, "dark")
    wait_event(page, "themeChanged", WIDGET)
    expect(widget.locator(".rb-widget")).to_have_css("background-color", "rgb(37, 36, 35)")
    screenshot(page, "customer-reported-bugs-dark")
    config, _preview = open_configuration(page)
    expect(config.get_by_role("checkbox", name="Show new")).to_be_visible()
    screenshot(page, "customer-reported-bugs-config-dark")
    set_theme(page, "light")
    wait_event(page, "themeChanged", CONFIG, count=1)
    expect(config.locator("body")).to_have_css("background-color", "rgb(255, 255, 255)")
    screenshot(page, "customer-reported-bugs-config-light")


@pytest.mark.parametrize(
    ("data", "statuses", "days"),
    [
        ('{"statuses": ["dismissed"]}', ["dismissed"], 30),  # saved by version 1.0, before the period
        ('{"statuses": ["new", "resolved"], "days": 90}', ["new", "resolved"], 90),
        ('{"statuses": ["linked"], "days": 14}', ["linked"], 30),  # a period the widget does not offer
    ],
)
def test_saved_settings_choose_the_statuses_and_the_period(
    page: Page, stack: Stack, data: str, statuses: list[str], days: int
) -> None:
    open_host(page, stack, "#/dashboard")
    widget_id = page.evaluate("fetch('api/host-context').then(r => r.json()).then(c => "
                              "c.contributions.find(x => x.relativeId === 'customer-reported-bugs').id)")
    settings = {
        "name": "Customer reported bugs",
        "size": {"rowSpan": 2, "columnSpan": 2},
        "customSettings": {"data": data, "version": {"major": 1, "minor": 0, "patch": 0}},
    }
    # The local dashboard keeps each widget's settings in sessionStorage.
    saved = [f"rb-widget-{widget_id}", json.dumps(settings)]
    page.evaluate("([key, value]) => sessionStorage.setItem(key, value)", saved)
    page.reload()
    wait_event(page, "widget.load", WIDGET)
    widget = frame(page, WIDGET)
    expect(widget.get_by_test_id("daily-chart")).to_have_attribute("data-days", str(days))
    expected = json_of(stack.api("GET", f"/dashboard?days={days}"))
    assert bars(widget) == [(d["date"], d["count"]) for d in expected["dailyCounts"]]
    assert list(shown_counts(widget)) == statuses
