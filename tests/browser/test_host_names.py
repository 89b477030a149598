"""The host's names, whatever their characters: Azure DevOps project names are Unicode (Cyrillic, CJK,
emoji, accents), and every contribution sends the project's name to the backend with each call.

A header value is Latin-1 bytes to the browser: fetch() refuses one character past U+00FF before
anything is sent, so a project named in Japanese would break every call of every page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from backend.reports import projects
from backend.storage import open_storage

from .conftest import StackFactory
from .support import IDENTITY, Stack, frame, json_of, open_host, wait_event
from .test_customer_impact import expect_impact, open_form
from .test_customer_reported_bugs import open_dashboard

pytestmark = pytest.mark.browser
HUB = "customer-reports"
NAMES = {
    "cjk-and-emoji": "販売 ストア 🛒",
    "cyrillic": "Витрина",
    "latin-1": "Café Storefront",  # one byte per character: sent as is before, and must stay right
    "escapes-in-the-name": "100% done %41 + a/b",  # a raw name that looks percent-encoded
}


def stored_project_name(stack: Stack) -> str | None:
    storage = open_storage(stack.database)
    try:
        with storage.snapshot() as tx:
            return projects.project_name(tx, IDENTITY.org_id, IDENTITY.project_id)
    finally:
        storage.close()


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_the_hub_works_in_a_project_of_any_name_and_the_backend_stores_it(
    page: Page, make_stack: StackFactory, name: str
) -> None:
    stack = make_stack(project_name=name)
    expected = json_of(stack.api("GET", "/groups?limit=10"))["items"]
    open_host(page, stack, f"#/boards/{HUB}")
    wait_event(page, "loadSucceeded", HUB)
    hub = frame(page, HUB)
    expect(hub.get_by_test_id("group-title")).to_have_text([group["title"] for group in expected])
    expect(hub.get_by_text(name, exact=True)).to_be_visible()
    assert stored_project_name(stack) == name


def test_the_widget_and_the_work_item_form_work_in_a_project_named_beyond_latin_1(
    page: Page, make_stack: StackFactory
) -> None:
    stack = make_stack(project_name=NAMES["cjk-and-emoji"])
    summary = json_of(stack.api("GET", "/dashboard"))
    widget = open_dashboard(page, stack)
    expect(widget.get_by_test_id("untriaged-count")).to_have_text(str(summary["untriagedCount"]))
    expect_impact(open_form(page, stack, 101), stack, 101)
    assert stored_project_name(stack) == NAMES["cjk-and-emoji"]
