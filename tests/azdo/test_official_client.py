"""Emulator fidelity: Microsoft's `azure-devops` 7.1 client drives the local emulator over real HTTP.

The official client builds no URL itself: it reads the organization's resource areas, negotiates
each call's location and version with `OPTIONS _apis`, sends the api-version in the Accept header
and deserialises the answers into its models. Every REST call the backend makes
(backend/azdo/client.py) is performed here by that client, and where both clients can see the same
thing the test checks they agree — two independent clients agreeing on one emulator is how we know
the emulator answers like the service.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

# The client caches negotiated locations in a folder it picks at import time: keep it out of $HOME.
_CACHE_DIR = tempfile.mkdtemp(prefix="azure-devops-client-cache-")
os.environ["AZURE_DEVOPS_CACHE_DIR"] = _CACHE_DIR

from azure.devops.connection import Connection  # noqa: E402
from azure.devops.v7_1.service_hooks.models import Subscription  # noqa: E402
from azure.devops.v7_1.work_item_tracking.models import (  # noqa: E402
    CommentCreate,
    JsonPatchOperation,
    TeamContext,
    Wiql,
    WorkItemBatchGetRequest,
)
from msrest.authentication import BasicAuthentication  # noqa: E402

from backend.azdo import operations  # noqa: E402
from backend.azdo.client import AzureDevOpsClient  # noqa: E402
from backend.azdo.hooks_install import EVENT_TYPES, HookTarget, install  # noqa: E402
from backend.devtools.ado_emulator.server import EmulatorServer  # noqa: E402
from backend.devtools.ado_emulator.state import EmulatorState  # noqa: E402

from .support import ORG, ORG_ID, PROJECT_ID, PROJECT_NAME, ClientFactory, stats  # noqa: E402

HOOK_URL = "http://127.0.0.1:9/hooks/azure-devops"  # never called: no work item changes state here
REPORT = operations.ReportSummary(
    "r_1", "Export fails", "Since Monday", "Contoso", "high", "2026-12-01T10:00:00Z"
)


@pytest.fixture(scope="module", autouse=True)
def _client_cache() -> Iterator[None]:
    yield
    shutil.rmtree(_CACHE_DIR, ignore_errors=True)


@pytest.fixture
def official(emulator: EmulatorServer, pat: str) -> Connection:
    """Microsoft's client for the emulated organization, authenticated with the PAT like ours."""
    return Connection(base_url=f"{emulator.url}/{ORG}", creds=BasicAuthentication("", pat))


@pytest.fixture
def ours(make_client: ClientFactory) -> AzureDevOpsClient:
    return make_client()


def patch(**fields: str) -> list[JsonPatchOperation]:
    return [JsonPatchOperation(op="add", path=f"/fields/{name}", value=v) for name, v in fields.items()]


def test_the_client_negotiates_locations_before_calling(official: Connection, control: Any) -> None:
    # Without OPTIONS _apis and ResourceAreas the client cannot build a single URL (it raises
    # "API resource location ... is not registered"); every test below depends on the location ids
    # in backend.devtools.ado_emulator.locations.LOCATIONS being the ones this installed client asks for.
    projects = official.clients_v7_1.get_core_client().get_projects()
    official.clients_v7_1.get_work_item_tracking_client()
    counts = stats(control)
    assert counts["OPTIONS /<org>/_apis"] >= 1 and counts["GET /<org>/_apis/ResourceAreas"] == 1
    assert counts["GET /<org>/_apis/projects"] == 1 and [p.id for p in projects] == [PROJECT_ID]


def test_connection_data_names_the_organization_for_both_clients(
    official: Connection, ours: AzureDevOpsClient
) -> None:
    data = official.clients_v7_1.get_location_client().get_connection_data()
    assert data.instance_id == ORG_ID == ours.connection_data()["instanceId"]
    assert data.authenticated_user.id and data.deployment_type == "hosted"


def test_projects_agree(official: Connection, ours: AzureDevOpsClient) -> None:
    theirs = [(p.id, p.name, p.state) for p in official.clients_v7_1.get_core_client().get_projects()]
    assert theirs == [(p["id"], p["name"], p["state"]) for p in ours.list_projects()]
    assert theirs == [(PROJECT_ID, PROJECT_NAME, "wellFormed")]


def test_a_bug_ours_created_reads_the_same_through_the_official_client(
    official: Connection, ours: AzureDevOpsClient
) -> None:
    link = "https://example.invalid/hub?reportId=r_1"
    bug = operations.create_group_bug(ours, PROJECT_ID, "g_1", "Export fails", [REPORT], link)
    wit = official.clients_v7_1.get_work_item_tracking_client()
    item = wit.get_work_item(bug.id, project=PROJECT_ID, expand="relations")
    assert (item.id, item.fields["System.Title"]) == (bug.id, bug.title)
    assert item.fields["System.State"] == bug.state == "New"
    assert item.fields["System.WorkItemType"] == "Bug" == bug.work_item_type
    assert [r.url for r in item.relations if r.rel == "Hyperlink"] == [link] == list(bug.hyperlinks)
    # The group's tag finds it through the official client's WIQL too (the retry-safe create relies on it).
    query = Wiql(query="SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS 'report-bridge-g_1'")
    found = wit.query_by_wiql(query, team_context=TeamContext(project=PROJECT_NAME)).work_items
    again = operations.find_group_bug(ours, PROJECT_ID, "g_1")
    assert [ref.id for ref in found] == [bug.id] and again is not None and again.id == bug.id


def test_an_item_the_official_client_created_reads_the_same_through_ours(
    official: Connection, ours: AzureDevOpsClient
) -> None:
    wit = official.clients_v7_1.get_work_item_tracking_client()
    fields = {"System.Title": "Login loops", "System.Tags": "a; b"}
    created = wit.create_work_item(patch(**fields), PROJECT_NAME, "Bug")
    mine = ours.get_work_item(created.id)
    assert (mine.id, mine.title, mine.state, mine.tags) == (created.id, "Login loops", "New", ("a", "b"))
    # Both batch reads (the official one with its model, ours 200 ids a call) omit the missing id alike.
    request = WorkItemBatchGetRequest(ids=[created.id, 999_999], fields=["System.Title"], error_policy="omit")
    theirs = [w.id for w in wit.get_work_items_batch(request, project=PROJECT_ID) if w is not None]
    mine_too = [w.id for w in ours.get_work_items([created.id, 999_999], project=PROJECT_ID)]
    assert theirs == mine_too == [created.id]
    # The organization-wide forms (no project in the path), as the worker's refresh and sync use them.
    org_wide = [w.id for w in wit.get_work_items_batch(request) if w is not None]
    assert org_wide == [w.id for w in ours.get_work_items([created.id, 999_999])] == [created.id]
    assert wit.get_work_item(created.id).fields["System.Title"] == ours.get_work_item(created.id).title
    # A state change through the official client's PATCH is what our sync reads back.
    wit.update_work_item(patch(**{"System.State": "Removed"}), created.id, project=PROJECT_ID)
    assert ours.get_work_item(created.id).is_done


def test_comments_agree(official: Connection, ours: AzureDevOpsClient, emulator_state: EmulatorState) -> None:
    item_id = emulator_state.create(PROJECT_NAME, "Bug", patch_json("Checkout"), "http://x")["id"]
    assert operations.comment_once(ours, PROJECT_ID, item_id, REPORT)
    wit = official.clients_v7_1.get_work_item_tracking_client()
    wit.add_comment(CommentCreate(text="Seen by the official client"), PROJECT_NAME, item_id)
    theirs = [c.text for c in wit.get_comments(PROJECT_NAME, item_id, top=200).comments]
    assert theirs == ours.list_comment_texts(PROJECT_ID, item_id)
    assert theirs[0] == "Seen by the official client" and operations.comment_marker("r_1") in theirs[1]
    assert not operations.comment_once(ours, PROJECT_ID, item_id, REPORT)  # still exactly once


def test_service_hook_subscriptions_agree(official: Connection, ours: AzureDevOpsClient) -> None:
    target = HookTarget(PROJECT_ID, HOOK_URL, "azure-devops", "s3cret")
    install(ours, target)
    hooks = official.clients_v7_1.get_service_hooks_client()
    listed = hooks.list_subscriptions()
    assert sorted(s.event_type for s in listed) == sorted(EVENT_TYPES)
    assert all(s.consumer_inputs["basicAuthPassword"] == "********" for s in listed)  # masked for both
    # Someone disables one through the official client; our install sees the drift and repairs it.
    drifted = next(s for s in listed if s.event_type == "workitem.updated")
    drifted.status = "disabledByUser"
    drifted.consumer_inputs = {**drifted.consumer_inputs, "basicAuthPassword": "s3cret"}
    assert hooks.replace_subscription(drifted, drifted.id).status == "disabledByUser"
    actions = {r.event_type: r.action for r in install(ours, target)}
    assert actions == {
        "workitem.updated": "repaired", "workitem.deleted": "unchanged", "workitem.restored": "unchanged"
    }
    assert hooks.get_subscription(drifted.id).status == "enabled"
    # And one the official client creates is what our list returns.
    made = hooks.create_subscription(Subscription(
        publisher_id="tfs", event_type="workitem.created", resource_version="1.0", consumer_id="webHooks",
        consumer_action_id="httpRequest", publisher_inputs={"projectId": PROJECT_ID},
        consumer_inputs={"url": HOOK_URL},
    ))
    assert made.id in {s["id"] for s in ours.list_subscriptions()}


def patch_json(title: str) -> list[dict[str, Any]]:
    return [{"op": "add", "path": "/fields/System.Title", "value": title}]
