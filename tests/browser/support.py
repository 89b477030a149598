"""Helpers the browser tests share: the running stack, the host page's frames and events, screenshots."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, FrameLocator, Page

from backend.devtools.devhost.app import HostIdentity
from backend.devtools.tokens import mint_app_token

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
IDENTITY = HostIdentity()
# The hub's tooltip while the backend has no Azure DevOps connection (extension/src/customer-reports).
CREATE_BUG_UNAVAILABLE = (
    "Creating bugs needs an Azure DevOps connection for this organization. "
    "Ask your Report Bridge administrator to configure one."
)


@dataclass
class Stack:
    """The running servers of one test and what they share."""

    backend_url: str
    host_url: str
    static_origin: str
    secret: str
    database: Path
    restart_backend: Callable[..., None]  # keyword Settings changes: a redeploy with other settings
    run_outbox: Callable[[], int] = lambda: 0  # run due outbox rows once (the integration's worker)

    def api(self, method: str, path: str, json_body: Any = None, *, project: bool = True) -> httpx.Response:
        """Call the backend as the extension would (fresh app token, org headers); paths are per project."""
        token = mint_app_token(self.secret, user_id=IDENTITY.user_id, tenant_id=IDENTITY.tenant_id)
        headers = {
            "Authorization": f"Bearer {token}",
            "X-Report-Bridge-Org-Id": IDENTITY.org_id,
            "X-Report-Bridge-Org-Name": IDENTITY.org_name,
        }
        scope = f"/projects/{IDENTITY.project_id}" if project else ""
        url = f"{self.backend_url}/api/v1{scope}{path}"
        return httpx.request(method, url, headers=headers, json=json_body, timeout=10)


@contextmanager
def page_in_context(browser: Browser, **options: Any) -> Iterator[Page]:
    """A page of its own browser context (1400 x 900, 15 s waits), with Playwright's context `options`
    (reduced_motion, forced_colors, locale, ...); the context is closed afterwards."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, **options)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
    finally:
        context.close()


def open_host(page: Page, stack: Stack, route: str) -> None:
    """Open the local host page on a route (e.g. '#/dashboard') and wait for it to start."""
    page.goto(f"{stack.host_url}/{route}")
    page.wait_for_function("window.hostReady === true")


def frame(page: Page, contribution: str) -> FrameLocator:
    """The iframe of a contribution (its relative id, or a host label such as 'x:preview')."""
    return page.frame_locator(f'iframe[data-contribution="{contribution}"]:not([data-label$=":preview"])')


def events(page: Page) -> list[dict[str, Any]]:
    """The host's recorded events."""
    result: list[dict[str, Any]] = page.evaluate("JSON.parse(JSON.stringify(window.hostEvents))")
    return result


def wait_event(page: Page, kind: str, contribution: str, count: int = 1) -> None:
    """Wait until the host recorded `count` events of a kind for a contribution."""
    page.wait_for_function(
        "([k, c, n]) => window.hostEvents.filter(e => e.type === k && e.contribution === c).length >= n",
        arg=[kind, contribution, count],
    )


def event_types(page: Page, contribution: str) -> list[str]:
    """The kinds of events recorded for one contribution, in order."""
    return [e["type"] for e in events(page) if e["contribution"] == contribution]


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def set_theme(page: Page, theme: str) -> None:
    """Switch the host theme with its toolbar button, as a user does."""
    current = page.evaluate("document.documentElement.dataset.theme")
    if current != theme:
        page.click("#theme-toggle")
    page.wait_for_function("t => document.documentElement.dataset.theme === t", arg=theme)


def json_of(response: httpx.Response) -> Any:
    """The JSON body of a backend answer, failing with the body when it is not 2xx."""
    assert response.is_success, f"{response.status_code}: {response.text}"
    return json.loads(response.text)
