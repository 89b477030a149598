"""The states every contribution shares (extension/src/shared) under host variations the other browser
tests do not use: the loading state under axe, and prefers-reduced-motion. A held request (Playwright's
route, as in tests/browser/test_overlapping_reads.py) keeps a page in its loading state. Reflow and the
keyboard are in test_host_variations_reflow.py and test_host_variations_keyboard.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Frame, Page, Route, expect

from .support import Stack, frame, open_host, page_in_context
from .test_accessibility import axe_source as axe_source  # the module fixture, shared
from .test_accessibility import contribution_frame, violations
from .test_overlapping_reads import hold, wait_until_held

pytestmark = pytest.mark.browser
HUB = "customer-reports"
FORM = "customer-impact"
WIDGET = "customer-reported-bugs"

# contribution -> its host route and the backend read that holds it in its loading state
LOADING: dict[str, tuple[str, str]] = {
    HUB: ("#/boards/customer-reports", r".*/groups\?.*"),
    FORM: ("#/work-items/101", r".*/work-items/101/impact$"),
    WIDGET: ("#/dashboard", r".*/dashboard\?days=\d+$"),
}


def open_loading(page: Page, stack: Stack, contribution: str) -> tuple[Frame, list[Route]]:
    """Open a contribution with its data read held: the page shows its loading state until released."""
    route, pattern = LOADING[contribution]
    held = hold(page, pattern)
    open_host(page, stack, route)
    wait_until_held(page, held)
    shown = contribution_frame(page, contribution)
    shown.wait_for_selector('[data-state="loading"]')
    return shown, held


@pytest.mark.parametrize("contribution", sorted(LOADING))
def test_the_loading_state_has_no_axe_violations(
    page: Page, stack: Stack, axe_source: str, contribution: str
) -> None:
    shown, held = open_loading(page, stack, contribution)
    assert violations(shown, axe_source) == []
    expect(shown.get_by_role("status")).to_contain_text("Loading")
    for route in held:
        route.continue_()


@pytest.fixture
def reduced_motion_page(browser: Browser) -> Iterator[Page]:
    with page_in_context(browser, reduced_motion="reduce") as page:
        yield page


ENDLESS_ANIMATIONS = """() => document.getAnimations()
    .filter((a) => a.playState === "running" && a.effect.getTiming().iterations === Infinity)
    .map((a) => `${a.animationName} on ${a.effect.target.className}`)"""


def test_reduced_motion_stops_the_spinner_and_the_pulsing_focus_ring(
    reduced_motion_page: Page, stack: Stack
) -> None:
    """azure-devops-ui's spinner turns and its focus ring pulses forever; a user who asked for reduced
    motion gets neither. Both show at once while the hub loads: its spinner, and the focused Search button."""
    page = reduced_motion_page
    shown, held = open_loading(page, stack, HUB)
    hub = frame(page, HUB)
    hub.get_by_role("textbox", name="Search reports").focus()
    page.keyboard.press("Tab")  # from the keyboard, so azure-devops-ui shows its focus treatment
    expect(hub.get_by_role("button", name="Search")).to_be_focused()
    assert shown.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
    assert shown.evaluate(ENDLESS_ANIMATIONS) == []
    for route in held:
        route.continue_()
