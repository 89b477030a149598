"""Accessibility: axe-core (npm, pinned in extension/package-lock.json) over every contribution frame.

axe runs inside each frame, as the frame is the page assistive technology reads, with every rule axe
enables by default (WCAG A/AA and best practices), in the light and the dark theme. Any violation, of any
impact, fails the test with the rule, its impact and the elements it found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Frame, Page

from .support import REPO, Stack, open_host, set_theme, wait_event

pytestmark = pytest.mark.browser
AXE = REPO / "extension" / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
    }));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    assert AXE.is_file(), f"{AXE} is missing: run npm ci in extension/"
    return AXE.read_text(encoding="utf-8")


def contribution_frame(page: Page, label: str) -> Frame:
    """The Frame of a contribution's iframe, by the host's label (relative id, or '<id>:preview')."""
    handle = page.wait_for_selector(f'iframe[data-label="{label}"], iframe[data-contribution="{label}"]')
    assert handle is not None
    frame = handle.content_frame()
    assert frame is not None
    return frame


def violations(frame: Frame, axe_source: str) -> list[dict[str, Any]]:
    """Run axe in the frame (injected through the debugger protocol, so no page script is changed)."""
    if not frame.evaluate("typeof window.axe === 'object'"):
        frame.evaluate(axe_source)
    result: list[dict[str, Any]] = frame.evaluate(RUN_AXE)
    return result


def open_hub(page: Page, stack: Stack) -> None:
    open_host(page, stack, "#/boards/customer-reports")
    wait_event(page, "loadSucceeded", "customer-reports")


def open_form(page: Page, stack: Stack) -> None:
    open_host(page, stack, "#/work-items/101")
    wait_event(page, "loadSucceeded", "customer-impact")


def open_widget(page: Page, stack: Stack) -> None:
    open_host(page, stack, "#/dashboard")
    wait_event(page, "widget.load", "customer-reported-bugs")


def open_configuration(page: Page, stack: Stack) -> None:
    open_widget(page, stack)
    page.click('[data-action="configure"]')
    wait_event(page, "config.load", "customer-reported-bugs-config")
    wait_event(page, "widget.load", "customer-reported-bugs:preview")


# contribution -> how to show it, and the frames to check (the configuration comes with its preview).
CASES: dict[str, tuple[Callable[[Page, Stack], None], list[str]]] = {
    "customer-reports": (open_hub, ["customer-reports"]),
    "customer-impact": (open_form, ["customer-impact"]),
    "customer-reported-bugs": (open_widget, ["customer-reported-bugs"]),
    "customer-reported-bugs-config": (
        open_configuration,
        ["customer-reported-bugs-config", "customer-reported-bugs:preview"],
    ),
}


@pytest.mark.parametrize("contribution", sorted(CASES))
def test_no_axe_violations_in_either_theme(
    page: Page, stack: Stack, axe_source: str, contribution: str
) -> None:
    open_page, labels = CASES[contribution]
    open_page(page, stack)
    found: dict[str, list[dict[str, Any]]] = {}
    for theme in ("light", "dark"):
        if theme == "dark":
            set_theme(page, theme)
            for label in labels:
                wait_event(page, "themeChanged", label)
        for label in labels:
            frame = contribution_frame(page, label)
            frame.wait_for_load_state()
            if theme == "dark":
                # The host logs themeChanged when it sends it, before the frame's SDK applies it: wait
                # for the frame's own variables, or axe measures colours half-way between the themes.
                frame.wait_for_function(
                    "() => getComputedStyle(document.documentElement)"
                    ".getPropertyValue('--background-color').trim() === 'rgba(32, 31, 30, 1)'"
                )
            result = violations(frame, axe_source)
            if result:
                found[f"{label} ({theme})"] = result
    assert found == {}
