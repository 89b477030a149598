"""UI report routes: list/search/filter/paging, triage actions, outbox, impact and dashboard."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from backend.devtools.demo import seed_demo_data
from backend.reports import service
from backend.storage import Storage

from .conftest import TENANT_A

Headers = Callable[..., dict[str, str]]
BASE = f"/api/v1/projects/{TENANT_A.project_id}"


def outbox(storage: Storage) -> list[dict[str, Any]]:
    with storage.snapshot() as tx:
        rows = tx.query("SELECT kind, payload, status, org_id, project_id FROM outbox ORDER BY id")
    return [{**row, "payload": json.loads(row["payload"])} for row in rows]


def test_list_pages_newest_first_without_gaps(
    client: FlaskClient, ui_headers: Headers, submit: Callable[..., dict[str, Any]]
) -> None:
    created = [submit(title=f"Problem {n}", customer=f"c-{n}")["id"] for n in range(7)]
    seen: list[str] = []
    cursor = None
    while True:
        query = f"?limit=3&cursor={cursor}" if cursor else "?limit=3"
        page = client.get(f"{BASE}/reports{query}", headers=ui_headers()).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(created) and len(seen) == 7
    stamps = [
        (item["createdAt"])
        for item in client.get(f"{BASE}/reports", headers=ui_headers()).get_json()["items"]
    ]
    assert stamps == sorted(stamps, reverse=True)


def test_search_and_status_filter(
    client: FlaskClient, ui_headers: Headers, submit: Callable[..., dict[str, Any]]
) -> None:
    login = submit(title="Login loops forever", customer="c-1", customerName="Contoso")
    submit(title="Invoice wrong", customer="c-2")
    submit(title="100% CPU", customer="c-3")
    client.post(f"{BASE}/reports/{login['id']}/link", json={"workItemId": 42}, headers=ui_headers())

    def titles(query: str) -> list[str]:
        answer = client.get(f"{BASE}/reports{query}", headers=ui_headers()).get_json()
        return sorted(item["title"] for item in answer["items"])

    assert titles("?q=login") == ["Login loops forever"]
    assert titles("?q=contoso") == ["Login loops forever"]
    assert titles("?q=100%25") == ["100% CPU"]  # LIKE wildcards in q are literal
    assert titles("?q=_") == []
    assert titles("?status=linked") == ["Login loops forever"]
    assert titles("?status=new") == ["100% CPU", "Invoice wrong"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?limit=x", "limit"),
        ("?status=open", "status"),
        ("?cursor=%%%", "cursor"),
        ("?cursor=WyJhIl0", "cursor"),
    ],
)
def test_bad_list_parameters_are_field_errors(
    client: FlaskClient, ui_headers: Headers, query: str, field: str
) -> None:
    response = client.get(f"{BASE}/reports{query}", headers=ui_headers())
    assert response.status_code == 400
    assert field in response.get_json()["error"]["details"]["fields"]


def test_link_unlink_dismiss_reopen(
    client: FlaskClient, ui_headers: Headers, submit: Callable[..., dict[str, Any]], storage: Storage
) -> None:
    first = submit(customer="c-1")
    second = submit(customer="c-2")  # same group
    url = f"{BASE}/reports/{first['id']}"

    linked = client.post(f"{url}/link", json={"workItemId": 42}, headers=ui_headers()).get_json()
    assert linked["status"] == "linked"
    # No Azure DevOps connection here: the link still points at the organization's cloud URL.
    assert linked["workItem"] == {"id": 42, "title": None, "state": None,
                                  "url": "https://dev.azure.com/contoso/proj-a/_workitems/edit/42"}
    sibling = client.get(f"{BASE}/reports/{second['id']}", headers=ui_headers()).get_json()
    assert sibling["status"] == "linked"  # actions act on the group

    with storage.transaction() as tx:
        tx.execute(
            "INSERT INTO work_items (org_id, work_item_id, title, state, url, updated_at) VALUES "
            "(:org, 42, 'Fix checkout', 'Active', 'https://dev.azure.com/x/_workitems/edit/42', 'now')",
            {"org": TENANT_A.org_id},
        )
    detail = client.get(url, headers=ui_headers()).get_json()
    assert detail["workItem"]["title"] == "Fix checkout" and detail["workItem"]["state"] == "Active"

    refused = client.post(f"{url}/dismiss", headers=ui_headers())
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "invalid_transition")
    assert client.post(f"{url}/unlink", headers=ui_headers()).get_json()["status"] == "new"
    again = client.post(f"{url}/unlink", headers=ui_headers())
    assert again.status_code == 409
    dismissed = client.post(f"{url}/dismiss", json={"reason": "duplicate"}, headers=ui_headers()).get_json()
    assert dismissed["status"] == "dismissed"
    assert client.post(f"{url}/reopen", headers=ui_headers()).get_json()["status"] == "new"
    assert client.post(f"{url}/reopen", headers=ui_headers()).status_code == 409


def test_link_body_is_validated(
    client: FlaskClient, ui_headers: Headers, submit: Callable[..., dict[str, Any]]
) -> None:
    url = f"{BASE}/reports/{submit()['id']}/link"
    for body, message in (
        ({}, "is required"),
        ({"workItemId": "42"}, "must be of type integer"),
        ({"workItemId": 0}, "must be at least 1"),
    ):
        response = client.post(url, json=body, headers=ui_headers())
        assert response.get_json()["error"]["details"]["fields"] == {"workItemId": message}


def test_unknown_report_is_404(client: FlaskClient, ui_headers: Headers) -> None:
    response = client.post(f"{BASE}/reports/r_nope/link", json={"workItemId": 1}, headers=ui_headers())
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "not_found")


def test_new_report_in_linked_group_queues_a_comment(
    client: FlaskClient, ui_headers: Headers, submit: Callable[..., dict[str, Any]], storage: Storage
) -> None:
    first = submit(customer="c-1")
    client.post(f"{BASE}/reports/{first['id']}/link", json={"workItemId": 9}, headers=ui_headers())
    second = submit(customer="c-2")
    assert outbox(storage)[-1]["kind"] == "add_comment"
    assert outbox(storage)[-1]["payload"] == {"groupId": first["groupId"], "reportId": second["id"]}


def test_auto_create_bug_queues_new_groups_only(
    submit: Callable[..., dict[str, Any]], storage: Storage
) -> None:
    with storage.transaction() as tx:
        assert service.set_auto_create_bug(tx, TENANT_A.org_id, TENANT_A.project_id, True)
    first = submit(customer="c-1")
    submit(customer="c-2")
    other = submit(title="Another problem")
    assert first["bugPending"] is True
    assert [row["payload"]["groupId"] for row in outbox(storage)] == [first["groupId"], other["groupId"]]


def test_integration_transitions_follow_the_work_item(
    client: FlaskClient, ui_headers: Headers, submit: Callable[..., dict[str, Any]], storage: Storage
) -> None:
    report = submit()
    client.post(f"{BASE}/reports/{report['id']}/link", json={"workItemId": 77}, headers=ui_headers())
    with storage.transaction() as tx:
        assert service.resolve_groups_for_work_item(tx, TENANT_A.org_id, 77) == 1
        assert service.resolve_groups_for_work_item(tx, "other-org", 77) == 0
    assert (
        client.get(f"{BASE}/reports/{report['id']}", headers=ui_headers()).get_json()["status"] == "resolved"
    )
    with storage.transaction() as tx:
        assert service.reopen_groups_for_work_item(tx, TENANT_A.org_id, 77) == 1
    assert client.get(f"{BASE}/reports/{report['id']}", headers=ui_headers()).get_json()["status"] == "linked"


def test_impact_and_dashboard_on_demo_data(
    client: FlaskClient, ui_headers: Headers, storage: Storage
) -> None:
    for _ in range(2):  # the seeder is idempotent
        seed_demo_data(
            storage,
            org_id=TENANT_A.org_id,
            org_name=TENANT_A.org_name,
            tenant_id=TENANT_A.tenant_id,
            project_id=TENANT_A.project_id,
            project_name="Shop",
        )
    impact = client.get(f"{BASE}/work-items/101/impact", headers=ui_headers()).get_json()
    assert (impact["workItemId"], impact["customersAffected"], impact["reportCount"]) == (101, 3, 4)
    assert len(impact["reports"]) == 4 and impact["firstReportedAt"] < impact["lastReportedAt"]
    dashboard = client.get(f"{BASE}/dashboard", headers=ui_headers()).get_json()
    assert dashboard["countsByStatus"] == {"new": 9, "linked": 12, "dismissed": 1, "resolved": 3}
    assert dashboard["untriagedCount"] == 9
    assert 7 * 86400 - 120 <= dashboard["oldestUntriagedAgeSeconds"] <= 7 * 86400 + 120
    empty = client.get(f"{BASE}/work-items/999/impact", headers=ui_headers()).get_json()
    assert (empty["reportCount"], empty["reports"], empty["firstReportedAt"]) == (0, [], None)


def test_project_name_header_is_stored(client: FlaskClient, ui_headers: Headers, storage: Storage) -> None:
    headers = {**ui_headers(), "X-Report-Bridge-Project-Name": "Shop"}
    assert client.get(f"{BASE}/dashboard", headers=headers).status_code == 200
    with storage.snapshot() as tx:
        assert tx.query_one("SELECT name FROM projects WHERE id = :id", {"id": TENANT_A.project_id}) == {
            "name": "Shop"
        }


def test_paging_is_stable_while_new_reports_arrive(
    client: FlaskClient, ui_headers: Headers, submit: Callable[..., dict[str, Any]]
) -> None:
    older = [submit(title=f"Old {n}", customer=f"c-{n}")["id"] for n in range(4)]
    first = client.get(f"{BASE}/reports?limit=2", headers=ui_headers()).get_json()
    submit(title="Arrived while paging", customer="c-new")
    rest = client.get(
        f"{BASE}/reports?limit=10&cursor={first['nextCursor']}", headers=ui_headers()
    ).get_json()
    seen = [item["id"] for item in first["items"] + rest["items"]]
    assert sorted(seen) == sorted(older) and len(seen) == len(set(seen))
