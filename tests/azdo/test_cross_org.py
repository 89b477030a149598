"""Two configured organizations on two local emulators: nothing a browser sends crosses between them.

Issue 11's probe: a user of one tenant linked a report to a work item id while naming the other
configured organization in X-Report-Bridge-Org-Name, and read that organization's work item title
and state through the backend. Each organization now reaches only the URL whose connectionData
reports its id, in the link check and in every outbox task.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from flask import Flask

from backend.app_state import get_storage
from backend.auth import intake_keys
from backend.auth.organizations import bind_organization
from backend.config import Settings
from backend.devtools.ado_emulator.app import create_emulator
from backend.devtools.ado_emulator.server import EmulatorServer
from backend.devtools.ado_emulator.state import EmulatorState
from backend.devtools.tokens import mint_app_token
from backend.outbox.worker import OutboxWorker
from backend.reports import service

from .support import ORG, PROJECT_NAME, stats
from .test_outbox import post_report

CONTOSO, CONTOSO_ID, CONTOSO_TENANT = "contoso", "5d1c7c1e-2b44-4c1a-8f0e-7a2b9c3d4e5f", "t-contoso"
CONTOSO_PROJECT_ID, CONTOSO_PROJECT = "0b6f3a52-9d8e-4c7b-a1f2-3e4d5c6b7a89", "Contoso-Web"
SECRET_TITLE = [{"op": "add", "path": "/fields/System.Title", "value": "Fabrikam's unannounced roadmap"}]


@pytest.fixture
def contoso_state(pat: str) -> EmulatorState:
    state = EmulatorState(organization=CONTOSO, organization_id=CONTOSO_ID, pat=pat)
    state.add_project(CONTOSO_PROJECT, CONTOSO_PROJECT_ID)
    return state


@pytest.fixture
def contoso_emulator(contoso_state: EmulatorState) -> Iterator[EmulatorServer]:
    server = EmulatorServer(create_emulator(contoso_state)).start()
    yield server
    server.stop()


@pytest.fixture
def backend_settings(backend_settings: Settings, contoso_emulator: EmulatorServer) -> Settings:
    """Both organizations configured, under one credential (one PAT is valid on both emulators)."""
    urls = (*backend_settings.azdo_org_urls, f"{contoso_emulator.url}/{CONTOSO}")
    return replace(backend_settings, azdo_org_urls=urls)


@pytest.fixture
def contoso_key(backend_app: Flask, intake_key: str) -> str:
    """Contoso bound to its own tenant (fabrikam is bound by `intake_key`), with an intake key."""
    with get_storage(backend_app).transaction() as tx:
        bind_organization(tx, CONTOSO_ID, CONTOSO, CONTOSO_TENANT, verified=True)
        service.ensure_project(tx, CONTOSO_ID, CONTOSO_PROJECT_ID, CONTOSO_PROJECT)
        _, secret = intake_keys.create_key(
            tx, org_id=CONTOSO_ID, project_id=CONTOSO_PROJECT_ID, name="portal"
        )
    return secret


def contoso_user(settings: Settings, org_name: str) -> dict[str, str]:
    """A contoso user's headers, with whatever organization name the browser chooses to send."""
    token = mint_app_token(settings.extension_secret, user_id="u-c", tenant_id=CONTOSO_TENANT)
    org = {"X-Report-Bridge-Org-Id": CONTOSO_ID, "X-Report-Bridge-Org-Name": org_name}
    return {"Authorization": f"Bearer {token}", **org}


def work_item_reads(control_url: str) -> int:
    with httpx.Client(base_url=control_url + "/_emulator/") as control:
        return sum(n for call, n in stats(control).items() if "/wit/" in call)


def report_url(backend_url: str, report: dict[str, Any]) -> str:
    return f"{backend_url}/api/v1/projects/{CONTOSO_PROJECT_ID}/reports/{report['id']}"


def test_naming_the_other_organization_reads_nothing_of_it(
    backend_url: str,
    backend_settings: Settings,
    contoso_key: str,
    emulator: EmulatorServer,
    emulator_state: EmulatorState,
    contoso_emulator: EmulatorServer,
) -> None:
    secret_id = emulator_state.create(PROJECT_NAME, "Bug", SECRET_TITLE, "http://x")["id"]
    report = post_report(backend_url, contoso_key, "Checkout fails", "cust-1")
    headers = contoso_user(backend_settings, org_name=ORG)  # "fabrikam"
    url = report_url(backend_url, report)
    answer = httpx.post(url + "/link", json={"workItemId": secret_id}, headers=headers)
    # Contoso's own organization was asked (it has no such item); fabrikam's never was.
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "work_item_not_found")
    assert work_item_reads(emulator.url) == 0 and work_item_reads(contoso_emulator.url) == 1
    after = httpx.get(report_url(backend_url, report), headers=headers).json()
    assert after["workItem"] is None and "roadmap" not in answer.text + str(after)
    me = httpx.get(f"{backend_url}/api/v1/me", headers=headers).json()
    assert me["organization"]["id"] == CONTOSO_ID  # the name is display text; the id is contoso's


def test_bugs_and_refreshes_go_to_the_organizations_own_url(
    backend_url: str,
    backend_settings: Settings,
    contoso_key: str,
    worker: OutboxWorker,
    emulator_state: EmulatorState,
    contoso_state: EmulatorState,
) -> None:
    report = post_report(backend_url, contoso_key, "Checkout fails", "cust-1")
    headers = contoso_user(backend_settings, org_name=ORG)
    assert httpx.post(report_url(backend_url, report) + "/create-bug", headers=headers).status_code == 202
    worker.run_once()
    assert len(contoso_state.work_items) == 1 and emulator_state.work_items == {}
    # Fabrikam has an item with the same id: a full refresh still reads contoso's.
    bug_id = next(iter(contoso_state.work_items))
    emulator_state.create(PROJECT_NAME, "Bug", SECRET_TITLE, "http://x", item_id=bug_id)
    worker.refresh(force=True)
    after = httpx.get(report_url(backend_url, report), headers=headers).json()
    assert (after["workItem"]["id"], after["workItem"]["title"]) == (bug_id, "Checkout fails")
