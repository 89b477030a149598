"""Capabilities: "Create bug" needs an Azure DevOps connection for the caller's organization.

Without one, /api/v1/me says createBug: false and create-bug answers 409 azure_devops_not_configured,
queueing nothing. With one, create-bug queues exactly one outbox row per group. Which configured URL
is the caller's organization is decided by its id, as each URL's connectionData reports it (here an
httpx.MockTransport answers connectionData for dev.azure.com/contoso and /fabrikam); the name the
browser sends never decides.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.app_state import get_storage
from backend.reports import service
from backend.storage import Storage

from .conftest import TENANT_A, TENANT_B
from .test_reports_api import BASE, outbox

Headers = Callable[..., dict[str, str]]
# Only fabrikam (TENANT_B) has a URL; TENANT_A is contoso.
FABRIKAM_ONLY = ("https://dev.azure.com/fabrikam",)
INSTANCE_IDS = {"contoso": TENANT_A.org_id, "fabrikam": TENANT_B.org_id}


def connection_data(request: httpx.Request) -> httpx.Response:
    """Answer GET {org}/_apis/connectionData like Azure DevOps (instanceId = the organization id)."""
    org, _, rest = request.url.path.strip("/").partition("/")
    if request.method != "GET" or rest != "_apis/connectionData" or org not in INSTANCE_IDS:
        return httpx.Response(404, json={"message": "not served by this test"})
    return httpx.Response(200, json={"instanceId": INSTANCE_IDS[org].upper(), "deploymentType": "hosted"})


def connected(
    make_app: Callable[..., Flask], transport: httpx.BaseTransport | None = None, **overrides: Any
) -> Flask:
    """Build an app with a PAT connection to contoso (TENANT_A) unless overridden."""
    options: dict[str, Any] = {
        "azdo_org_urls": ("https://dev.azure.com/contoso",),
        "azdo_auth_mode": "pat",
        "azdo_pat": secrets.token_urlsafe(24),
        **overrides,
    }
    return make_app(azdo_transport=transport or httpx.MockTransport(connection_data), **options)


def create_bug_capability(client: FlaskClient, headers: dict[str, str]) -> Any:
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["capabilities"]


def test_me_reports_create_bug_per_organization(make_app: Callable[..., Flask], ui_headers: Headers) -> None:
    client = connected(make_app, azdo_org_urls=FABRIKAM_ONLY).test_client()
    assert create_bug_capability(client, ui_headers(TENANT_A)) == {"createBug": False}
    assert create_bug_capability(client, ui_headers(TENANT_B)) == {"createBug": True}


@pytest.mark.parametrize(
    "overrides",
    [
        {"azdo_org_urls": ()},  # no organization at all
        {"azdo_pat": None},  # PAT mode without a PAT
        {"azdo_auth_mode": "entra", "azdo_pat": None, "azdo_certificate_path": "/etc/rb/cert.pem"},
    ],
    ids=["no-url", "pat-missing", "certificate-without-tenant"],
)
def test_create_bug_is_refused_with_409_and_nothing_queued_when_not_configured(
    make_app: Callable[..., Flask],
    make_key: Callable[..., str],
    ui_headers: Headers,
    overrides: dict[str, Any],
) -> None:
    app = connected(make_app, **overrides)
    client = app.test_client()
    report = _submit(client, make_key)
    assert create_bug_capability(client, ui_headers()) == {"createBug": False}
    refused = client.post(f"{BASE}/reports/{report['id']}/create-bug", headers=ui_headers())
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "azure_devops_not_configured")
    after = client.get(f"{BASE}/reports/{report['id']}", headers=ui_headers()).get_json()
    assert after["bugPending"] is False
    assert outbox(get_storage(app)) == []


def test_unknown_report_is_404_before_the_configuration_check(
    client: FlaskClient, ui_headers: Headers, make_key: Callable[..., str]
) -> None:
    make_key()  # the organization and project exist
    response = client.post(f"{BASE}/reports/r_nope/create-bug", headers=ui_headers())
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "not_found")


def test_the_name_header_never_picks_another_organizations_url(
    make_app: Callable[..., Flask], ui_headers: Headers, make_key: Callable[..., str]
) -> None:
    # Contoso's user names fabrikam (the one configured organization) in the display-name header.
    client = connected(make_app, azdo_org_urls=FABRIKAM_ONLY).test_client()
    report = _submit(client, make_key)
    posing = {**ui_headers(TENANT_A), "X-Report-Bridge-Org-Name": "fabrikam"}
    assert create_bug_capability(client, posing) == {"createBug": False}
    for action, body in (("create-bug", None), ("link", {"workItemId": 7})):
        refused = client.post(f"{BASE}/reports/{report['id']}/{action}", json=body, headers=posing)
        answer = (refused.status_code, refused.get_json()["error"]["code"])
        assert answer == (409, "organization_not_configured")
    after = client.get(f"{BASE}/reports/{report['id']}", headers=posing).get_json()
    assert (after["status"], after["workItem"], after["bugPending"]) == ("new", None, False)


def test_an_azure_devops_that_cannot_be_asked_yet_decides_nothing(
    make_app: Callable[..., Flask], ui_headers: Headers, make_key: Callable[..., str]
) -> None:
    asked: list[str] = []

    def down(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return httpx.Response(503, json={"message": "down for maintenance"})

    app = connected(make_app, transport=httpx.MockTransport(down))
    client = app.test_client()
    report = _submit(client, make_key)
    # Bugs may still be asked for (the worker learns the binding before creating anything) ...
    assert create_bug_capability(client, ui_headers()) == {"createBug": True}
    queued = client.post(f"{BASE}/reports/{report['id']}/create-bug", headers=ui_headers())
    assert queued.status_code == 202
    # ... but a link, which a person waits for, is not recorded unchecked: 502, nothing changed.
    refused = client.post(f"{BASE}/reports/{report['id']}/link", json={"workItemId": 7}, headers=ui_headers())
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (502, "azure_devops_unavailable")
    assert asked and set(asked) == {"/contoso/_apis/connectionData"}  # the lookup itself, nothing else


class TestConnected:
    @pytest.fixture
    def app(self, make_app: Callable[..., Flask]) -> Flask:
        return connected(make_app)

    def test_create_bug_enqueues_once_and_refuses_linked_groups(
        self,
        client: FlaskClient,
        ui_headers: Headers,
        submit: Callable[..., dict[str, Any]],
        storage: Storage,
    ) -> None:
        report = submit()
        url = f"{BASE}/reports/{report['id']}"
        first = client.post(f"{url}/create-bug", headers=ui_headers())
        assert first.status_code == 202 and first.get_json()["bugPending"] is True
        assert client.post(f"{url}/create-bug", headers=ui_headers()).status_code == 202
        assert outbox(storage) == [
            {
                "kind": "create_bug",
                "payload": {"groupId": report["groupId"]},
                "status": "pending",
                "org_id": TENANT_A.org_id,
                "project_id": TENANT_A.project_id,
            }
        ]
        with storage.transaction() as tx:  # what the integration does once the bug exists
            assert service.link_group_to_work_item(tx, TENANT_A.org_id, report["groupId"], 501)
        after = client.get(url, headers=ui_headers()).get_json()
        assert (after["status"], after["bugPending"], after["workItem"]["id"]) == ("linked", False, 501)
        refused = client.post(f"{url}/create-bug", headers=ui_headers())
        assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "already_linked")
        assert len(outbox(storage)) == 1


def _submit(client: FlaskClient, make_key: Callable[..., str]) -> dict[str, Any]:
    key = make_key()
    response = client.post(
        "/api/v1/intake/reports",
        json={"title": "Checkout fails", "customerId": "c-1"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result
