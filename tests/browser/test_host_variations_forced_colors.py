"""Forced colours (Windows high contrast): the system palette replaces backgrounds and text colours, but
not an SVG's fills; what keys one to the other must survive."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from .support import Stack, frame, open_host, page_in_context, wait_event
from .test_accessibility import contribution_frame

pytestmark = pytest.mark.browser
WIDGET = "customer-reported-bugs"
KEYS = """() => [...document.querySelectorAll(".rb-legend li[data-status]")].map((item) => [
    item.dataset.status,
    getComputedStyle(item.querySelector(".rb-legend-swatch")).backgroundColor,
    getComputedStyle(document.querySelector(`[data-segment="${item.dataset.status}"]`)).fill,
])"""


@pytest.fixture
def forced_colors_page(browser: Browser) -> Iterator[Page]:
    with page_in_context(browser, forced_colors="active") as page:
        yield page


def test_the_status_legend_keeps_the_colours_of_the_bar_it_keys(
    forced_colors_page: Page, stack: Stack
) -> None:
    """The legend's swatches used to turn into Canvas, while the bar's segments kept their colours: nothing
    said which segment is which status."""
    page = forced_colors_page
    open_host(page, stack, "#/dashboard")
    wait_event(page, "widget.load", WIDGET)
    expect(frame(page, WIDGET).locator(".rb-legend li")).to_have_count(2)
    shown = contribution_frame(page, WIDGET)
    assert shown.evaluate("matchMedia('(forced-colors: active)').matches")
    keys = shown.evaluate(KEYS)
    assert [status for status, _, _ in keys] == ["new", "linked"]
    assert all(swatch == fill for _, swatch, fill in keys), keys
    assert len({fill for _, _, fill in keys}) == len(keys), "each status has its own colour"
