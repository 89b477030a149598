"""After a delivery the worker re-reads the work item through REST: what it does with an answer of an odd
shape (a gateway's, a changed API's). The client's own reads are tests/azdo/test_answer_shapes.py; here the
whole path runs (hook, outbox row, REST read, the report's state), and the check is the report: an answer
the worker cannot read must leave it as it was and keep the row for a later try, never move it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from flask import Flask

from backend.outbox.worker import OutboxWorker

from .hook_wire import JSON, Headers, basic, crashes, deliver, event_for, link_a_bug
from .test_outbox import outbox, read_report

Edits = list[dict[str, Any]]  # the emulator's answer edits (POST /_emulator/work-items/<id>/answer)


def _set_field(name: str, value: Any) -> Edits:
    return [{"path": ["fields", name], "value": value}]


def _drop_field(name: str) -> Edits:
    return [{"path": ["fields", name], "remove": True}]


def _set(name: str, value: Any) -> Edits:
    return [{"path": [name], "value": value}]


def _hook(backend_url: str, hook_secret: str, work_item_id: int) -> None:
    """Deliver a minimal workitem.updated event for the item, as Azure DevOps would."""
    event = json.dumps(event_for(work_item_id)).encode()
    headers: Headers = [("Authorization", basic("azure-devops", hook_secret)), ("Content-Type", JSON)]
    assert (answer := deliver(backend_url, event, headers)).code == "accepted", answer.body


@pytest.fixture
def resolved(
    backend_app: Flask, backend_url: str, intake_key: str, hook_secret: str, worker: OutboxWorker,
    control: httpx.Client,
) -> dict[str, Any]:
    """A report whose bug Azure DevOps closed: resolved, so a wrong reading would show as a reopen."""
    report = link_a_bug(backend_app, backend_url, intake_key, worker)
    control.post(f"work-items/{report['workItem']['id']}/state", json={"state": "Closed"}).raise_for_status()
    _hook(backend_url, hook_secret, report["workItem"]["id"])
    worker.run_once()
    after = read_report(backend_url, intake_key, report["id"])
    assert after["status"] == "resolved" and after["workItem"]["state"] == "Closed"
    return after


def _read_through(
    edits: Edits,
    resolved: dict[str, Any],
    *,
    control: httpx.Client,
    backend_url: str,
    backend_app: Flask,
    hook_secret: str,
    intake_key: str,
    worker: OutboxWorker,
    caplog: pytest.LogCaptureFixture,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Have Azure DevOps answer the item with `edits`, deliver a hook for it, run the worker; return the
    report and the sync row."""
    item_id = resolved["workItem"]["id"]
    control.post(f"work-items/{item_id}/answer", json={"edits": edits}).raise_for_status()
    _hook(backend_url, hook_secret, item_id)
    with caplog.at_level(logging.WARNING):
        worker.run_once()
    assert not crashes(caplog)
    row = outbox(backend_app)[-1]
    assert row["kind"] == "sync_work_item"
    return read_report(backend_url, intake_key, resolved["id"]), row


UNREADABLE = [
    pytest.param(_set("fields", "System.State"), id="fields a string"),
    pytest.param(_set("_links", {"html": "x"}), id="_links.html a string"),
    pytest.param(_set("relations", {"rel": "Hyperlink"}), id="relations an object"),
    pytest.param(_set("relations", [5]), id="relations holding a number"),
    pytest.param(_set("id", "seven"), id="id a word"),
    pytest.param(_set("id", [1]), id="id a list"),
    pytest.param(_set("id", None), id="id null"),
]


# Answers that read as something else when coerced (str() of a state of 5 or null is "5" or "": "not
# done", so the resolved report reopened) or that are about another item (cached under the wrong id).
# The client refuses each as an unexpected answer (backend/azdo/models.py, client._asked_for).
MISREAD = [
    pytest.param(_set_field("System.State", 5), id="System.State a number"),
    pytest.param(_set_field("System.State", None), id="System.State null"),
    pytest.param(_set_field("System.State", True), id="System.State true"),
    pytest.param(_set_field("System.State", {"newValue": "Closed"}), id="System.State an object"),
    pytest.param(_set_field("System.State", ["Closed"]), id="System.State a list"),
    pytest.param(_set_field("System.State", ""), id="System.State empty"),
    pytest.param(_drop_field("System.State"), id="System.State absent"),
    pytest.param(_set("fields", []), id="fields a list"),
    pytest.param(_set("fields", None), id="fields null"),
    pytest.param(_set("id", 2), id="the answer names another item"),
]


@pytest.mark.parametrize("edits", UNREADABLE + MISREAD)
def test_an_answer_the_worker_cannot_read_or_is_about_another_item_moves_nothing(
    edits: Edits, resolved: dict[str, Any], control: httpx.Client,
    backend_url: str, backend_app: Flask, hook_secret: str, intake_key: str, worker: OutboxWorker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    report, row = _read_through(
        edits, resolved, control=control, backend_url=backend_url, backend_app=backend_app,
        hook_secret=hook_secret, intake_key=intake_key, worker=worker, caplog=caplog,
    )
    assert row["status"] == "pending" and row["last_error"].startswith("AzureDevOpsUnexpectedAnswer")
    assert report["status"] == "resolved" and report["workItem"]["state"] == "Closed"
