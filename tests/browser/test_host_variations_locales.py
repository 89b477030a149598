"""Locales and time zones: the per-day figures (the widget's bars, the form group's sparkline) count UTC
days, as the backend does (backend/reports/daily.py), while the hub and the form show each report's
time in the viewer's zone. Far from UTC the two disagree about the day, so every per-day figure says it
counts UTC days, and still shows the backend's counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from .support import Stack, frame, json_of, open_host, wait_event
from .test_accessibility import contribution_frame

pytestmark = pytest.mark.browser
WIDGET = "customer-reported-bugs"
FORM = "customer-impact"
# (locale, time zone): right to left, CJK, and the two zones furthest from UTC (+14 h and -11 h)
VIEWERS = [("de-DE", "Europe/Berlin"), ("ar", "Asia/Riyadh"), ("ja-JP", "Asia/Tokyo"),
           ("en-US", "Pacific/Kiritimati"), ("en-US", "Pacific/Pago_Pago")]


@pytest.fixture(params=VIEWERS, ids=[f"{locale}-{zone}" for locale, zone in VIEWERS])
def viewer_context(request: pytest.FixtureRequest, browser: Browser) -> Iterator[BrowserContext]:
    locale, zone = request.param
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale=locale, timezone_id=zone)
    yield context
    context.close()


def test_per_day_figures_say_they_count_utc_days_and_show_the_backends_counts(
    viewer_context: BrowserContext, stack: Stack
) -> None:
    page: Page = viewer_context.new_page()
    page.set_default_timeout(15_000)
    summary = json_of(stack.api("GET", "/dashboard"))
    open_host(page, stack, "#/dashboard")
    wait_event(page, "widget.load", WIDGET)
    widget = frame(page, WIDGET)
    expect(widget.locator(".rb-widget-caption")).to_have_text("Received per UTC day, last 30 days")
    bars = widget.locator("[data-testid=daily-chart] rect[data-date]")
    expect(bars).to_have_count(len(summary["dailyCounts"]))
    shown = contribution_frame(page, WIDGET).evaluate(
        """() => [...document.querySelectorAll("[data-testid=daily-chart] rect[data-date]")]
            .map((r) => [r.dataset.date, Number(r.dataset.count), r.querySelector("title").textContent])"""
    )
    counted = [(day["date"], day["count"]) for day in summary["dailyCounts"]]
    assert [(date, count) for date, count, _ in shown] == counted
    assert all("(UTC)" in title for _, _, title in shown), shown
    chart = widget.locator("[data-testid=daily-chart] svg")
    assert "(UTC days)" in (chart.get_attribute("aria-label") or "")
    open_host(page, stack, "#/work-items/101")
    wait_event(page, "loadSucceeded", FORM)
    impact = frame(page, FORM)
    expect(impact.locator(".rb-impact-daily")).to_contain_text("per UTC day, last 30 days")
    assert "(UTC days)" in (impact.get_by_test_id("sparkline").get_attribute("aria-label") or "")
