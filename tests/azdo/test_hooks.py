"""Service hooks: the emulator delivers to the backend over HTTP; auth, allow-lists, de-dup, state sync."""

from __future__ import annotations

import base64
import copy
from typing import Any

import httpx
import pytest
from flask import Flask

from backend.app_state import get_storage
from backend.audit.request_hook import audit_writer
from backend.azdo.client import AzureDevOpsClient
from backend.azdo.hooks_install import HookTarget, install
from backend.devtools.ado_emulator.state import EmulatorState
from backend.outbox.worker import OutboxWorker
from backend.reports import service

from .support import ORG_ID, PROJECT_ID, ClientFactory, stats
from .test_outbox import post_report, read_report

HOOK_USER = "azure-devops"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def linked(backend_app: Flask, backend_url: str, intake_key: str, worker: OutboxWorker) -> dict[str, Any]:
    """A report whose group got its bug through the outbox."""
    with get_storage(backend_app).transaction() as tx:
        service.set_auto_create_bug(tx, ORG_ID, PROJECT_ID, True)
    report = post_report(backend_url, intake_key, "Upload stalls at 99%", "cust-1")
    worker.run_once()
    return read_report(backend_url, intake_key, report["id"])


@pytest.fixture
def subscribed(make_client: ClientFactory, backend_url: str, hook_secret: str) -> AzureDevOpsClient:
    client = make_client()
    install(client, HookTarget(PROJECT_ID, f"{backend_url}/hooks/azure-devops", HOOK_USER, hook_secret))
    return client


def move(control: httpx.Client, work_item_id: int, state: str) -> list[dict[str, Any]]:
    answer = control.post(f"work-items/{work_item_id}/state", json={"state": state})
    answer.raise_for_status()
    deliveries: list[dict[str, Any]] = answer.json()["deliveries"]
    return deliveries


def test_reports_follow_their_bug_through_resolved_and_reopened(
    linked: dict[str, Any],
    subscribed: AzureDevOpsClient,
    control: httpx.Client,
    worker: OutboxWorker,
    backend_url: str,
    intake_key: str,
) -> None:
    bug_id = linked["workItem"]["id"]
    [delivery] = move(control, bug_id, "Resolved")
    assert delivery["status"] == 202
    before = stats(control).get("GET /<org>/_apis/wit/workitems/<int:item_id>", 0)
    assert worker.run_once() == 1
    # The minimal payload carries no state: the worker re-read the item through REST.
    assert stats(control)["GET /<org>/_apis/wit/workitems/<int:item_id>"] == before + 1
    after = read_report(backend_url, intake_key, linked["id"])
    assert after["status"] == "resolved" and after["workItem"]["state"] == "Resolved"

    move(control, bug_id, "Active")
    worker.run_once()
    again = read_report(backend_url, intake_key, linked["id"])
    assert again["status"] == "linked" and again["workItem"]["state"] == "Active"


@pytest.mark.parametrize("final_state", ["Closed", "Done", "Removed"])
def test_every_finishing_state_resolves_the_reports_and_leaving_it_reopens_them(
    linked: dict[str, Any],
    subscribed: AzureDevOpsClient,
    control: httpx.Client,
    worker: OutboxWorker,
    backend_url: str,
    intake_key: str,
    final_state: str,
) -> None:
    bug_id = linked["workItem"]["id"]
    move(control, bug_id, final_state)
    worker.run_once()
    after = read_report(backend_url, intake_key, linked["id"])
    assert after["status"] == "resolved" and after["workItem"]["state"] == final_state
    move(control, bug_id, "Active")
    worker.run_once()
    assert read_report(backend_url, intake_key, linked["id"])["status"] == "linked"


def test_redelivered_event_is_ignored(
    linked: dict[str, Any],
    subscribed: AzureDevOpsClient,
    control: httpx.Client,
    backend_url: str,
    hook_secret: str,
    backend_app: Flask,
) -> None:
    move(control, linked["workItem"]["id"], "Closed")
    event = control.get("deliveries").json()["value"][-1]["event"]
    answer = httpx.post(
        f"{backend_url}/hooks/azure-devops",
        json=event,
        headers={"Authorization": basic(HOOK_USER, hook_secret)},
    )
    assert answer.status_code == 200 and answer.json() == {"status": "duplicate", "eventId": event["id"]}
    with get_storage(backend_app).snapshot() as tx:
        rows = tx.query("SELECT kind FROM outbox WHERE kind = 'sync_work_item'")
    assert len(rows) == 1


@pytest.fixture
def event(linked: dict[str, Any]) -> dict[str, Any]:
    """A well-formed minimal workitem.updated event for the linked bug."""
    return {
        "id": "5e4d3c2b-0000-4000-8000-000000000001",
        "eventType": "workitem.updated",
        "publisherId": "tfs",
        "resource": {"id": 3, "workItemId": linked["workItem"]["id"], "rev": 3},
        "resourceVersion": "1.0",
        "resourceContainers": {
            "collection": {"id": ORG_ID},
            "account": {"id": ORG_ID},
            "project": {"id": PROJECT_ID},
        },
    }


def post_hook(backend_url: str, body: Any, authorization: str | None) -> httpx.Response:
    headers = {"Authorization": authorization} if authorization else {}
    return httpx.post(f"{backend_url}/hooks/azure-devops", json=body, headers=headers)


def test_previous_secret_is_accepted_during_rotation(
    backend_url: str, event: dict[str, Any], old_hook_secret: str
) -> None:
    answer = post_hook(backend_url, event, basic(HOOK_USER, old_hook_secret))
    assert answer.status_code == 202 and answer.json()["status"] == "accepted"


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "hook_unauthorized"),
        (basic(HOOK_USER, "wrong-secret"), "hook_unauthorized"),
        ("Basic not-base64!", "hook_unauthorized"),
        ("Bearer something", "hook_unauthorized"),
    ],
)
def test_bad_credentials_are_refused(
    backend_url: str, event: dict[str, Any], authorization: str | None, code: str
) -> None:
    answer = post_hook(backend_url, event, authorization)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == code
    assert answer.headers["WWW-Authenticate"].startswith("Basic")


def test_wrong_user_name_is_refused(backend_url: str, event: dict[str, Any], hook_secret: str) -> None:
    assert post_hook(backend_url, event, basic("someone-else", hook_secret)).status_code == 401


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"publisherId": "rm"}, 400, "event_rejected"),
        ({"eventType": "git.push"}, 400, "event_rejected"),
        ({"eventType": "workitem.commented"}, 400, "event_rejected"),
        ({"id": ""}, 400, "event_rejected"),
        ({"resource": {"id": 3}}, 400, "event_rejected"),  # an update without workItemId
        (
            {"resourceContainers": {"collection": {"id": "another-org"}, "project": {"id": PROJECT_ID}}},
            403,
            "unknown_source",
        ),
        (
            {"resourceContainers": {"collection": {"id": ORG_ID}, "project": {"id": "another-project"}}},
            403,
            "unknown_source",
        ),
    ],
)
def test_events_outside_the_allow_lists_are_refused(
    backend_url: str, event: dict[str, Any], hook_secret: str, change: dict[str, Any], status: int, code: str
) -> None:
    body = {**copy.deepcopy(event), **change}
    answer = post_hook(backend_url, body, basic(HOOK_USER, hook_secret))
    assert answer.status_code == status and answer.json()["error"]["code"] == code


def test_oversized_and_non_json_bodies_are_refused(backend_url: str, hook_secret: str) -> None:
    auth = {"Authorization": basic(HOOK_USER, hook_secret), "Content-Type": "application/json"}
    big = httpx.post(f"{backend_url}/hooks/azure-devops", content=b"{" + b" " * 70_000 + b"}", headers=auth)
    assert big.status_code == 413 and big.json()["error"]["code"] == "payload_too_large"
    bad = httpx.post(f"{backend_url}/hooks/azure-devops", content=b"not json", headers=auth)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "event_rejected"


def test_event_for_an_unlinked_item_is_acknowledged_and_dropped(
    backend_url: str, event: dict[str, Any], hook_secret: str, backend_app: Flask
) -> None:
    body = {**event, "resource": {"id": 1, "workItemId": 987654, "rev": 1}}
    answer = post_hook(backend_url, body, basic(HOOK_USER, hook_secret))
    assert answer.status_code == 202 and answer.json()["status"] == "ignored"
    with get_storage(backend_app).snapshot() as tx:
        assert tx.query("SELECT id FROM outbox WHERE kind = 'sync_work_item'") == []


def test_deleted_item_is_marked_deleted_and_restored(
    linked: dict[str, Any],
    subscribed: AzureDevOpsClient,
    worker: OutboxWorker,
    backend_url: str,
    intake_key: str,
    emulator_state: EmulatorState,
    control: httpx.Client,
) -> None:
    bug_id = linked["workItem"]["id"]
    subscribed.call("DELETE", f"_apis/wit/workitems/{bug_id}")
    assert emulator_state.deliveries[-1]["status"] == 202
    worker.run_once()
    assert read_report(backend_url, intake_key, linked["id"])["workItem"]["state"] == "Deleted"
    control.post(f"work-items/{bug_id}/restore").raise_for_status()
    assert emulator_state.deliveries[-1]["event"]["eventType"] == "workitem.restored"
    worker.run_once()
    assert read_report(backend_url, intake_key, linked["id"])["workItem"]["state"] == "New"


def hook_audit_rows(app: Flask) -> list[dict[str, Any]]:
    writer = audit_writer(app)
    if writer is not None:
        writer.flush()
    with get_storage(app).snapshot() as tx:
        return tx.query(
            "SELECT actor, org_id, status_code, outcome FROM audit_log WHERE route = '/hooks/azure-devops' "
            "ORDER BY id"
        )


def test_audit_rows_of_authenticated_hook_calls_carry_the_organization(
    backend_url: str, backend_app: Flask, event: dict[str, Any], hook_secret: str
) -> None:
    # The event spells the GUIDs in upper case; the audit row gets the stored organization id.
    shouting = copy.deepcopy(event)
    shouting["resourceContainers"] = {
        name: {"id": value["id"].upper()} for name, value in event["resourceContainers"].items()
    }
    assert post_hook(backend_url, shouting, basic(HOOK_USER, hook_secret)).status_code == 202
    assert post_hook(backend_url, event, basic(HOOK_USER, "wrong")).status_code == 401
    elsewhere = {"collection": {"id": "o-x"}, "project": {"id": "p"}}
    unknown = {**event, "id": "another", "resourceContainers": elsewhere}
    assert post_hook(backend_url, unknown, basic(HOOK_USER, hook_secret)).status_code == 403
    assert hook_audit_rows(backend_app) == [
        {"actor": "webhook", "org_id": ORG_ID, "status_code": 202, "outcome": "ok"},
        {"actor": "webhook", "org_id": None, "status_code": 401, "outcome": "hook_unauthorized"},
        {"actor": "webhook", "org_id": None, "status_code": 403, "outcome": "unknown_source"},
    ]


def test_a_look_alike_org_id_in_another_case_is_the_same_organization(
    backend_url: str, backend_app: Flask, event: dict[str, Any], hook_secret: str
) -> None:
    # The hook payload is an untrusted source of ids: it routes the event to a known organization
    # under the one canonical id, and can neither create an organization nor widen access.
    look_alike = copy.deepcopy(event)
    look_alike["resourceContainers"]["collection"]["id"] = ORG_ID.upper()
    look_alike["resourceContainers"]["account"]["id"] = ORG_ID.upper()
    assert post_hook(backend_url, look_alike, basic(HOOK_USER, hook_secret)).status_code == 202
    stranger = copy.deepcopy(event)
    stranger["id"] = "another-event"
    stranger["resourceContainers"]["collection"] = {"id": "9" + ORG_ID[1:].upper()}
    stranger["resourceContainers"]["account"] = {"id": "9" + ORG_ID[1:]}
    assert post_hook(backend_url, stranger, basic(HOOK_USER, hook_secret)).status_code == 403
    with get_storage(backend_app).snapshot() as tx:
        assert tx.query("SELECT id FROM organizations") == [{"id": ORG_ID}]
        queued = tx.query("SELECT DISTINCT org_id FROM outbox WHERE kind = 'sync_work_item'")
        assert queued == [{"org_id": ORG_ID}]
        assert tx.query("SELECT DISTINCT org_id FROM hook_events") == [{"org_id": ORG_ID}]
