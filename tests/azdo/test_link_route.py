"""The UI's link route over real HTTP: the backend checks the item in the emulator before linking."""

from __future__ import annotations

from typing import Any

import httpx

from backend.config import Settings
from backend.devtools.ado_emulator.state import EmulatorState
from backend.devtools.tokens import mint_app_token

from .support import ORG, ORG_ID, PROJECT_ID, PROJECT_NAME, stats
from .test_outbox import post_report

TITLE = [{"op": "add", "path": "/fields/System.Title", "value": "Checkout button does nothing"}]


def ui_headers(settings: Settings) -> dict[str, str]:
    token = mint_app_token(settings.extension_secret, user_id="u-1", tenant_id="t-1", audience=None)
    org = {"X-Report-Bridge-Org-Id": ORG_ID, "X-Report-Bridge-Org-Name": ORG}
    return {"Authorization": f"Bearer {token}", **org}


def link(backend_url: str, settings: Settings, report_id: str, work_item_id: int) -> httpx.Response:
    url = f"{backend_url}/api/v1/projects/{PROJECT_ID}/reports/{report_id}/link"
    return httpx.post(url, json={"workItemId": work_item_id}, headers=ui_headers(settings))


def read(backend_url: str, settings: Settings, report_id: str) -> dict[str, Any]:
    url = f"{backend_url}/api/v1/projects/{PROJECT_ID}/reports/{report_id}"
    answer: dict[str, Any] = httpx.get(url, headers=ui_headers(settings)).json()
    return answer


def test_linking_an_existing_item_stores_its_title_and_state(
    backend_url: str, backend_settings: Settings, intake_key: str, emulator_state: EmulatorState
) -> None:
    item_id = emulator_state.create(PROJECT_NAME, "Bug", TITLE, "http://x")["id"]
    emulator_state.work_items[item_id]["fields"]["System.State"] = "Active"
    report = post_report(backend_url, intake_key, "Checkout fails", "cust-1")
    answer = link(backend_url, backend_settings, report["id"], item_id)
    assert answer.status_code == 200, answer.text
    linked = answer.json()
    assert linked["status"] == "linked"
    assert (linked["workItem"]["id"], linked["workItem"]["title"], linked["workItem"]["state"]) == (
        item_id, "Checkout button does nothing", "Active",
    )
    assert read(backend_url, backend_settings, report["id"])["workItem"] == linked["workItem"]


def test_linking_a_missing_item_is_404_and_changes_nothing(
    backend_url: str, backend_settings: Settings, intake_key: str, control: httpx.Client
) -> None:
    report = post_report(backend_url, intake_key, "Checkout fails", "cust-1")
    before = sum(stats(control).values())
    answer = link(backend_url, backend_settings, report["id"], 424_242)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "work_item_not_found"
    assert sum(stats(control).values()) > before  # the emulator was asked, not a local guess
    after = read(backend_url, backend_settings, report["id"])
    assert (after["status"], after["workItem"]) == ("new", None)


def test_unknown_report_is_404_without_asking_azure_devops(
    backend_url: str, backend_settings: Settings, intake_key: str, control: httpx.Client
) -> None:
    before = stats(control)
    answer = link(backend_url, backend_settings, "r_nope", 1)
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found")
    assert stats(control) == before


def test_refused_credentials_are_a_502_and_the_report_stays_unlinked(
    backend_url: str, backend_settings: Settings, intake_key: str, emulator_state: EmulatorState
) -> None:
    item_id = emulator_state.create(PROJECT_NAME, "Bug", TITLE, "http://x")["id"]
    report = post_report(backend_url, intake_key, "Checkout fails", "cust-1")
    emulator_state.pat = "rotated-elsewhere"
    answer = link(backend_url, backend_settings, report["id"], item_id)
    assert (answer.status_code, answer.json()["error"]["code"]) == (502, "azure_devops_auth_failed")
    assert read(backend_url, backend_settings, report["id"])["status"] == "new"


def test_a_configured_url_that_is_no_organization_is_a_502_not_a_missing_item(
    backend_url: str, backend_settings: Settings, intake_key: str, emulator_state: EmulatorState
) -> None:
    report = post_report(backend_url, intake_key, "Checkout fails", "cust-1")
    emulator_state.organization = "renamed"  # the configured URL now answers TF400813 (404)
    answer = link(backend_url, backend_settings, report["id"], 1)
    assert (answer.status_code, answer.json()["error"]["code"]) == (502, "azure_devops_not_found")
    assert "cannot tell yet which configured Azure DevOps URL" in answer.json()["error"]["message"]
