"""The outbox end to end: reports through intake, the worker creating bugs in the emulator, outages."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
from flask import Flask

from backend.app_state import get_storage
from backend.config import Settings
from backend.devtools.ado_emulator.app import create_emulator
from backend.devtools.ado_emulator.server import EmulatorServer
from backend.devtools.ado_emulator.state import EmulatorState
from backend.devtools.tokens import mint_app_token
from backend.outbox.worker import OutboxWorker
from backend.reports import service

from .support import ORG, ORG_ID, PROJECT_ID, FakeClock, fault


def post_report(backend_url: str, key: str, title: str, customer: str, **extra: Any) -> dict[str, Any]:
    answer = httpx.post(
        f"{backend_url}/api/v1/intake/reports",
        json={
            "title": title,
            "customerId": customer,
            "description": "It <b>crashes</b>\nevery time",
            **extra,
        },
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 201, answer.text
    report: dict[str, Any] = answer.json()
    return report


def read_report(backend_url: str, key: str, report_id: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{backend_url}/api/v1/intake/reports/{report_id}", headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


def bugs_by_group(state: EmulatorState) -> Counter[str]:
    """Count the emulator's work items per report-bridge group tag."""
    tags = Counter[str]()
    for item in state.work_items.values():
        for tag in str(item["fields"].get("System.Tags", "")).split(";"):
            if tag.strip().startswith("report-bridge-g_"):
                tags[tag.strip().removeprefix("report-bridge-")] += 1
    return tags


def wait_for(condition: Callable[[], bool]) -> None:
    """Wait (bounded) for something another thread does; fail if it never happens."""
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.05)


def outbox(app: Flask) -> list[dict[str, Any]]:
    with get_storage(app).snapshot() as tx:
        return tx.query("SELECT kind, status, attempts, last_error FROM outbox ORDER BY id")


def auto_create(app: Flask) -> None:
    with get_storage(app).transaction() as tx:
        service.set_auto_create_bug(tx, ORG_ID, PROJECT_ID, True)


def test_create_bug_from_the_ui_links_the_report_with_its_state(
    backend_url: str,
    backend_settings: Settings,
    intake_key: str,
    worker: OutboxWorker,
    emulator_state: EmulatorState,
) -> None:
    report = post_report(
        backend_url, intake_key, "Export fails <script>", "cust-1", customerName="Contoso & Co"
    )
    token = mint_app_token(backend_settings.extension_secret, user_id="u-1", tenant_id="t-1", audience=None)
    headers = {
        "Authorization": f"Bearer {token}",
        "X-Report-Bridge-Org-Id": ORG_ID,
        "X-Report-Bridge-Org-Name": ORG,
    }
    url = f"{backend_url}/api/v1/projects/{PROJECT_ID}/reports/{report['id']}"
    answer = httpx.post(url + "/create-bug", headers=headers)
    assert answer.status_code == 202 and answer.json()["bugPending"] is True
    assert worker.run_once() == 1
    after = httpx.get(url, headers=headers).json()
    assert after["status"] == "linked" and after["bugPending"] is False
    bug = emulator_state.work_items[after["workItem"]["id"]]
    assert after["workItem"]["state"] == "New" and after["workItem"]["title"] == "Export fails <script>"
    assert after["workItem"]["url"].endswith(f"/_workitems/edit/{bug['id']}")
    repro = bug["fields"]["Microsoft.VSTS.TCM.ReproSteps"]
    assert "Contoso &amp; Co" in repro and "&lt;b&gt;crashes&lt;/b&gt;<br>every time" in repro
    assert "<script>" not in repro
    assert bug["fields"]["System.WorkItemType"] == "Bug"
    link = bug["relations"][0]
    assert link["rel"] == "Hyperlink" and link["url"].endswith(f"?reportId={report['id']}")


def test_outage_keeps_intake_working_and_ends_with_exactly_one_bug_per_group(
    backend_url: str,
    backend_app: Flask,
    intake_key: str,
    worker: OutboxWorker,
    clock: FakeClock,
    emulator: EmulatorServer,
    emulator_state: EmulatorState,
) -> None:
    auto_create(backend_app)
    emulator.stop()  # Azure DevOps is down
    first = post_report(backend_url, intake_key, "Login loops", "cust-1")
    post_report(backend_url, intake_key, "login   LOOPS", "cust-2")  # same group
    other = post_report(backend_url, intake_key, "Invoice totals wrong", "cust-3")
    assert first["bugPending"] is True and first["groupId"] != other["groupId"]

    assert worker.run_once() == 1  # the organization is held after the first failure
    rows = outbox(backend_app)
    assert [(r["status"], r["attempts"]) for r in rows] == [("pending", 1), ("pending", 0)]
    assert "could not be reached" in rows[0]["last_error"]

    restarted = EmulatorServer(create_emulator(emulator_state), port=emulator.port).start()
    try:
        # The first create reaches Azure DevOps but the answer is lost (timeout): the retry must find it.
        fault(
            httpx.Client(base_url=restarted.url + "/_emulator/"),
            "slow",
            delay=4.0,
            pathContains="/workitems/$Bug",
        )
        clock.now += 60
        worker.run_once()
        rows = outbox(backend_app)
        assert [r["status"] for r in rows] == ["pending", "pending"] and "could not be reached" in rows[0][
            "last_error"
        ]
        wait_for(lambda: len(emulator_state.work_items) == 1)  # the lost answer's create did happen
        clock.now += 3600
        worker.run_once()
    finally:
        restarted.stop()

    assert [r["status"] for r in outbox(backend_app)] == ["done", "done"]
    assert bugs_by_group(emulator_state) == Counter({first["groupId"]: 1, other["groupId"]: 1})
    linked = read_report(backend_url, intake_key, first["id"])
    assert linked["status"] == "linked" and linked["workItem"]["state"] == "New"


def test_a_new_report_on_a_linked_group_comments_once(
    backend_url: str, backend_app: Flask, intake_key: str, worker: OutboxWorker, emulator_state: EmulatorState
) -> None:
    auto_create(backend_app)
    first = post_report(backend_url, intake_key, "Search is slow", "cust-1")
    worker.run_once()
    second = post_report(backend_url, intake_key, "search is slow", "cust-2", customerName="Fabrikam <Ltd>")
    assert second["status"] == "linked"
    worker.run_once()
    bug_id = read_report(backend_url, intake_key, first["id"])["workItem"]["id"]
    notes = [c["text"] for c in emulator_state.comments[bug_id]]
    assert len(notes) == 1 and "Fabrikam &lt;Ltd&gt;" in notes[0] and second["id"] in notes[0]
    with get_storage(backend_app).transaction() as tx:  # a retried delivery of the same work
        tx.execute("UPDATE outbox SET status = 'pending' WHERE kind = 'add_comment'")
    worker.run_once()
    assert len(emulator_state.comments[bug_id]) == 1


def test_auth_failure_marks_the_row_failed_and_clears_pending(
    backend_url: str, backend_app: Flask, intake_key: str, worker: OutboxWorker, emulator_state: EmulatorState
) -> None:
    auto_create(backend_app)
    emulator_state.pat = "rotated-elsewhere"
    report = post_report(backend_url, intake_key, "Crash on start", "cust-1")
    worker.run_once()
    [row] = outbox(backend_app)
    assert row["status"] == "failed" and "credentials" in row["last_error"]
    assert read_report(backend_url, intake_key, report["id"])["bugPending"] is False


def test_two_workers_never_take_the_same_row(
    backend_app: Flask, backend_url: str, intake_key: str, worker: OutboxWorker, clock: FakeClock
) -> None:
    auto_create(backend_app)
    post_report(backend_url, intake_key, "Crash A", "cust-1")
    claimed = worker.claim()
    assert claimed is not None
    assert worker.claim() is None  # leased: a second worker gets nothing
    clock.now += worker.policy.lease_s + 1  # the first worker died; its lease ran out
    again = worker.claim()
    assert again is not None and again["id"] == claimed["id"] and again["attempts"] == 2


def test_running_worker_picks_up_new_work_and_stops_on_request(
    backend_app: Flask, backend_url: str, intake_key: str, worker: OutboxWorker, emulator_state: EmulatorState
) -> None:
    auto_create(backend_app)
    stop = threading.Event()
    loop = threading.Thread(target=worker.run, args=(stop,))
    loop.start()
    try:
        report = post_report(backend_url, intake_key, "Reports page blank", "cust-1")
        wait_for(lambda: read_report(backend_url, intake_key, report["id"])["status"] == "linked")
    finally:
        stop.set()
        loop.join(timeout=30)
    assert not loop.is_alive()
    assert bugs_by_group(emulator_state) == Counter({report["groupId"]: 1})


def test_a_create_bug_with_nothing_to_create_still_clears_the_marker(
    backend_url: str,
    backend_app: Flask,
    backend_settings: Settings,
    intake_key: str,
    worker: OutboxWorker,
    emulator_state: EmulatorState,
) -> None:
    """Issue 14, defect 1: a group dismissed while its bug was queued (as before the 409 bug_pending
    rule, or by any other path) ends with no marker, so Reopen and Create bug work again."""
    report = post_report(backend_url, intake_key, "Crash on save", "cust-1")
    token = mint_app_token(backend_settings.extension_secret, user_id="u-1", tenant_id="t-1", audience=None)
    headers = {"Authorization": f"Bearer {token}", "X-Report-Bridge-Org-Id": ORG_ID,
               "X-Report-Bridge-Org-Name": ORG}
    url = f"{backend_url}/api/v1/projects/{PROJECT_ID}/groups/{report['groupId']}"
    assert httpx.post(f"{url}/create-bug", headers=headers).status_code == 202
    refused = httpx.post(f"{url}/dismiss", headers=headers)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "bug_pending"
    with get_storage(backend_app).transaction() as tx:  # dismissed behind the API's back
        tx.execute("UPDATE report_groups SET status = 'dismissed' WHERE id = :g", {"g": report["groupId"]})
    assert worker.run_once() == 1
    assert [row["status"] for row in outbox(backend_app)] == ["done"] and not emulator_state.work_items
    assert httpx.get(url, headers=headers).json()["bugPending"] is False
    assert httpx.post(f"{url}/reopen", headers=headers).json()["status"] == "new"
    queued = httpx.post(f"{url}/create-bug", headers=headers)
    assert queued.status_code == 202 and queued.json()["bugPending"] is True
    assert worker.run_once() == 1
    assert httpx.get(url, headers=headers).json()["status"] == "linked"
