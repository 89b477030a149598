"""Organizations: binding to a tenant, and no endpoint crossing organizations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from backend.storage import Storage

from .conftest import TENANT_A, TENANT_B, Tenant

Headers = Callable[..., dict[str, str]]


def intake(client: FlaskClient, key: str, **fields: Any) -> dict[str, Any]:
    body = {"title": "Checkout fails", "customerId": "c-1", **fields}
    response = client.post("/api/v1/intake/reports", json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 201, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def ui_routes(project_id: str, report_id: str, group_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"/api/v1/projects/{project_id}"
    return [
        ("GET", f"{base}/groups", None),
        ("GET", f"{base}/groups/{group_id}", None),
        ("GET", f"{base}/groups/{group_id}/reports", None),
        ("POST", f"{base}/groups/{group_id}/link", {"workItemId": 8}),
        ("POST", f"{base}/groups/{group_id}/unlink", None),
        ("POST", f"{base}/groups/{group_id}/dismiss", {"reason": "x"}),
        ("POST", f"{base}/groups/{group_id}/reopen", None),
        ("POST", f"{base}/groups/{group_id}/create-bug", None),
        ("GET", f"{base}/reports", None),
        ("GET", f"{base}/reports/{report_id}", None),
        ("POST", f"{base}/reports/{report_id}/link", {"workItemId": 7}),
        ("POST", f"{base}/reports/{report_id}/unlink", None),
        ("POST", f"{base}/reports/{report_id}/dismiss", {"reason": "x"}),
        ("POST", f"{base}/reports/{report_id}/reopen", None),
        ("POST", f"{base}/reports/{report_id}/create-bug", None),
        ("GET", f"{base}/work-items/7/impact", None),
        ("GET", f"{base}/dashboard", None),
    ]


def test_org_is_bound_on_first_sight(client: FlaskClient, ui_headers: Headers, storage: Storage) -> None:
    assert client.get("/api/v1/me", headers=ui_headers(TENANT_A)).status_code == 200
    with storage.snapshot() as tx:
        row = tx.query_one(
            "SELECT tenant_id, name FROM organizations WHERE id = :id", {"id": TENANT_A.org_id}
        )
    assert row == {"tenant_id": TENANT_A.tenant_id, "name": TENANT_A.org_name}


def test_other_tenant_claiming_a_bound_org_is_forbidden(
    client: FlaskClient, ui_headers: Headers, make_token: Callable[..., str]
) -> None:
    assert client.get("/api/v1/me", headers=ui_headers(TENANT_A)).status_code == 200
    impostor = Tenant(TENANT_A.org_id, TENANT_A.org_name, TENANT_B.tenant_id, TENANT_B.user_id, "p")
    response = client.get("/api/v1/me", headers=ui_headers(impostor))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "org_tenant_mismatch"


def test_missing_org_header_is_org_missing(client: FlaskClient, make_token: Callable[..., str]) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {make_token()}"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "org_missing"


def test_malformed_org_header_is_refused(client: FlaskClient, ui_headers: Headers) -> None:
    headers = {**ui_headers(), "X-Report-Bridge-Org-Id": "../../etc"}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_key_created_with_its_tenant_binds_the_org_before_any_ui_visit(
    client: FlaskClient, ui_headers: Headers, make_key: Callable[..., str]
) -> None:
    make_key(TENANT_A)  # binds like `report-bridge keys create --tenant`
    impostor = Tenant(TENANT_A.org_id, TENANT_A.org_name, TENANT_B.tenant_id, TENANT_B.user_id, "p")
    assert client.get("/api/v1/me", headers=ui_headers(impostor)).status_code == 403
    assert client.get("/api/v1/me", headers=ui_headers(TENANT_A)).status_code == 200


def test_an_unbound_org_with_data_is_claimable_by_no_token(
    client: FlaskClient, ui_headers: Headers, storage: Storage
) -> None:
    from backend.auth import intake_keys
    from backend.auth.organizations import bind_organization
    from backend.reports import service

    with storage.transaction() as tx:  # what older versions' `keys create` left: data, no tenant
        bind_organization(tx, TENANT_A.org_id, TENANT_A.org_name, None)
        service.ensure_project(tx, TENANT_A.org_id, TENANT_A.project_id)
        intake_keys.create_key(tx, org_id=TENANT_A.org_id, project_id=TENANT_A.project_id, name="old")
    for tenant in (TENANT_A, Tenant(TENANT_A.org_id, "x", TENANT_B.tenant_id, TENANT_B.user_id, "p")):
        response = client.get("/api/v1/me", headers=ui_headers(tenant))
        assert (response.status_code, response.get_json()["error"]["code"]) == (403, "org_unbound")
    with storage.snapshot() as tx:
        assert tx.query_one("SELECT tenant_id FROM organizations") == {"tenant_id": None}


@pytest.mark.parametrize("index", range(17))
def test_second_tenant_never_sees_or_changes_the_first_tenants_data(
    client: FlaskClient, ui_headers: Headers, make_key: Callable[..., str], storage: Storage, index: int
) -> None:
    report = intake(client, make_key(TENANT_A))
    client.post(
        f"/api/v1/projects/{TENANT_A.project_id}/reports/{report['id']}/link",
        json={"workItemId": 7},
        headers=ui_headers(TENANT_A),
    )
    with storage.snapshot() as tx:
        before = tx.query("SELECT * FROM report_groups ORDER BY id")
    method, path, body = ui_routes(TENANT_A.project_id, report["id"], report["groupId"])[index]
    # Tenant B, with its own organization, aims at A's project and report ids.
    response = client.open(path, method=method, json=body, headers=ui_headers(TENANT_B))
    answer = response.get_json()
    if response.status_code == 200:
        assert answer.get("items", []) == [] and answer.get("reports", []) == []
        assert answer.get("reportCount", 0) == 0 and answer.get("untriagedCount", 0) == 0
        assert answer.get("countsByStatus", {}).get("linked", 0) == 0
    else:
        assert response.status_code == 404, answer
        assert answer["error"]["code"] == "not_found"
    with storage.snapshot() as tx:
        assert tx.query("SELECT * FROM report_groups ORDER BY id") == before


def test_intake_key_reads_only_its_own_project(client: FlaskClient, make_key: Callable[..., str]) -> None:
    report = intake(client, make_key(TENANT_A))
    other_key = make_key(TENANT_B)
    response = client.get(
        f"/api/v1/intake/reports/{report['id']}", headers={"Authorization": f"Bearer {other_key}"}
    )
    assert response.status_code == 404
    same_org_other_project = make_key(TENANT_A, project_id="proj-a-2")
    response = client.get(
        f"/api/v1/intake/reports/{report['id']}",
        headers={"Authorization": f"Bearer {same_org_other_project}"},
    )
    assert response.status_code == 404


def test_same_title_in_two_orgs_never_groups_together(
    client: FlaskClient, make_key: Callable[..., str]
) -> None:
    first = intake(client, make_key(TENANT_A), customerId="c-a")
    second = intake(client, make_key(TENANT_B), customerId="c-b")
    assert first["groupId"] != second["groupId"]
    assert second["customersAffected"] == 1


# -- the trust rule (docs/architecture.md "Who is trusted for what"): per route, a value from an
# -- untrusted source cannot widen access.

ME = ("GET", "/api/v1/me", None)
ROUTES = len(ui_routes("p", "r", "g")) + 1  # every UI route plus /me


@pytest.mark.parametrize("index", range(ROUTES))
def test_another_tenants_org_id_in_any_spelling_is_refused_on_every_ui_route(
    client: FlaskClient, ui_headers: Headers, make_key: Callable[..., str], storage: Storage, index: int
) -> None:
    report = intake(client, make_key(TENANT_A))
    method, path, body = [ME, *ui_routes(TENANT_A.project_id, report["id"], report["groupId"])][index]
    with storage.snapshot() as tx:
        before = (tx.query("SELECT * FROM organizations"), tx.query("SELECT * FROM report_groups"))
    # Tenant B's user sends A's organization id (upper-cased, padded) and A's name: header values only.
    spelled = f" {TENANT_A.org_id.upper()} "
    posing = Tenant(spelled, TENANT_A.org_name, TENANT_B.tenant_id, TENANT_B.user_id, "p")
    response = client.open(path, method=method, json=body, headers=ui_headers(posing))
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, "org_tenant_mismatch")
    with storage.snapshot() as tx:
        assert (tx.query("SELECT * FROM organizations"), tx.query("SELECT * FROM report_groups")) == before


@pytest.mark.parametrize("index", range(ROUTES))
def test_display_headers_change_no_scope_on_every_ui_route(
    client: FlaskClient, ui_headers: Headers, make_key: Callable[..., str], storage: Storage, index: int
) -> None:
    make_key(TENANT_B)
    report = intake(client, make_key(TENANT_A))
    method, path, body = [ME, *ui_routes(TENANT_A.project_id, report["id"], report["groupId"])][index]
    # A's user names B's organization and project in the display headers.
    headers = {
        **ui_headers(TENANT_A),
        "X-Report-Bridge-Org-Name": TENANT_B.org_name,
        "X-Report-Bridge-Project-Name": "proj-b",
    }
    response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code < 500, response.get_json()
    answer = response.get_json()
    if "organization" in answer:  # /me: the verified id, whatever the name says
        assert answer["organization"]["id"] == TENANT_A.org_id
    shown = answer.get("items", []) + answer.get("reports", []) + ([answer] if "groupId" in answer else [])
    assert all(item["projectId"] == TENANT_A.project_id for item in shown)
    with storage.snapshot() as tx:  # B's organization and rows are untouched
        org_b = tx.query_one("SELECT name, tenant_id FROM organizations WHERE id = :b", {"b": "org-b-2222"})
        assert org_b == {"name": TENANT_B.org_name, "tenant_id": TENANT_B.tenant_id}
        owners = tx.query("SELECT DISTINCT org_id FROM report_groups WHERE project_id = :p", {"p": "proj-a"})
        assert owners == [{"org_id": TENANT_A.org_id}]


def test_an_intake_body_cannot_name_another_project(
    client: FlaskClient, make_key: Callable[..., str]
) -> None:
    key = make_key(TENANT_A)
    make_key(TENANT_B)
    body = {"title": "t", "customerId": "c", "projectId": TENANT_B.project_id}
    response = client.post("/api/v1/intake/reports", json=body, headers={"Authorization": f"Bearer {key}"})
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "validation_failed")
    assert intake(client, key)["projectId"] == TENANT_A.project_id


def test_an_org_id_spelled_in_another_case_is_the_same_organization(
    client: FlaskClient, ui_headers: Headers, make_key: Callable[..., str], storage: Storage
) -> None:
    report = intake(client, make_key(TENANT_A))
    shouting = Tenant(TENANT_A.org_id.upper(), "", TENANT_A.tenant_id.upper(), TENANT_A.user_id, "p")
    response = client.get(f"/api/v1/projects/{TENANT_A.project_id}/reports", headers=ui_headers(shouting))
    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["items"]] == [report["id"]]
    with storage.snapshot() as tx:
        assert tx.query("SELECT id FROM organizations ORDER BY id") == [{"id": TENANT_A.org_id}]
