"""One URL source for work item links: every route that answers a work item gives the same URL.

The intake routes (an intake key, no browser), the impact route and the UI's report and group routes
all build it from the organization's web base (its configured Azure DevOps URL when its id is bound to
one, else https://dev.azure.com/<name>), never from the URL REST gave when the item was cached.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from flask import Flask

from backend.app_state import get_storage
from backend.reports import service

from .conftest import TENANT_A
from .test_capabilities import connection_data
from .test_reports_api import BASE

Headers = Callable[..., dict[str, str]]
CACHED_URL = "https://stale.example.test/old-org/_workitems/edit/42"  # what REST said long ago
SELF_HOSTED = "https://ado.contoso.example.test/contoso"  # configured, and not dev.azure.com


@pytest.mark.parametrize(
    ("overrides", "expected_base"),
    [
        ({}, "https://dev.azure.com/contoso"),
        ({"azdo_org_urls": (SELF_HOSTED,), "azdo_auth_mode": "pat", "azdo_pat": secrets.token_hex(16)},
         SELF_HOSTED),
    ],
    ids=["no-connection", "configured-url"],
)
def test_every_route_answers_the_same_work_item_url(
    make_app: Callable[..., Flask],
    make_key: Callable[..., str],
    ui_headers: Headers,
    overrides: dict[str, Any],
    expected_base: str,
) -> None:
    app = make_app(azdo_transport=httpx.MockTransport(connection_data), **overrides)
    client = app.test_client()
    storage = get_storage(app)
    key = {"Authorization": f"Bearer {make_key()}"}
    first = client.post("/api/v1/intake/reports", json={"title": "Checkout fails", "customerId": "c-1"},
                        headers=key).get_json()
    with storage.transaction() as tx:
        service.link(tx, service.group_of_report(tx, TENANT_A.org_id, TENANT_A.project_id, first["id"]), 42)
        tx.execute(
            "INSERT INTO work_items (org_id, work_item_id, title, state, url, updated_at) "
            "VALUES (:org, 42, 'Fix checkout', 'Active', :url, 'now')",
            {"org": TENANT_A.org_id, "url": CACHED_URL},
        )
    expected = f"{expected_base}/{TENANT_A.project_id}/_workitems/edit/42"

    def url(response: Any) -> str:
        assert response.status_code in (200, 201), response.get_json()
        body = response.get_json()
        item = body["reports"][0] if "reports" in body else body["items"][0] if "items" in body else body
        work_item = item["workItem"]
        assert work_item["title"] == "Fix checkout"  # the cache still gives title and state
        return str(work_item["url"])

    ui = ui_headers()
    second = {"title": "Checkout fails", "customerId": "c-2"}  # same problem: the linked group
    replayed = {**key, "Idempotency-Key": "retry-1"}
    answers = {
        "intake POST": url(client.post("/api/v1/intake/reports", json=second, headers=replayed)),
        "intake POST replayed": url(client.post("/api/v1/intake/reports", json=second, headers=replayed)),
        "intake GET": url(client.get(f"/api/v1/intake/reports/{first['id']}", headers=key)),
        "impact": url(client.get(f"{BASE}/work-items/42/impact", headers=ui)),
        "UI report": url(client.get(f"{BASE}/reports/{first['id']}", headers=ui)),
        "UI reports": url(client.get(f"{BASE}/reports", headers=ui)),
        "UI group": url(client.get(f"{BASE}/groups/{first['groupId']}", headers=ui)),
        "UI groups": url(client.get(f"{BASE}/groups", headers=ui)),
        "UI group reports": url(client.get(f"{BASE}/groups/{first['groupId']}/reports", headers=ui)),
    }
    assert answers == dict.fromkeys(answers, expected)
