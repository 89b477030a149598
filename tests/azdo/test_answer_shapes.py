"""Served answers of another shape: JSON that is not the resource asked for (a gateway's, a changed
API's). The client reads each with the same rule: AzureDevOpsUnexpectedAnswer, retryable, never a
KeyError or TypeError that the worker logs as a crash or the web layer answers as a 500."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from flask import Flask

from backend.azdo.client import AzureDevOpsClient
from backend.azdo.errors import AzureDevOpsUnexpectedAnswer
from backend.azdo.retry import GateRegistry
from backend.config import Settings
from backend.outbox.worker import OutboxWorker

from .support import ORG, PROJECT_NAME, fault
from .test_link_route import link
from .test_outbox import auto_create, outbox, post_report

Call = Callable[[AzureDevOpsClient], Any]
CALLS: dict[str, Call] = {
    "create_work_item": lambda c: c.create_work_item(PROJECT_NAME, "Bug", []),
    "get_work_item": lambda c: c.get_work_item(7),
    "get_work_items": lambda c: c.get_work_items([7]),
    "query_ids": lambda c: c.query_ids(PROJECT_NAME, "SELECT [System.Id] FROM WorkItems"),
    "add_comment": lambda c: c.add_comment(PROJECT_NAME, 7, "hello"),
    "list_comment_texts": lambda c: c.list_comment_texts(PROJECT_NAME, 7),
    "list_projects": lambda c: c.list_projects(),
    "list_subscriptions": lambda c: c.list_subscriptions(),
}
# For each call, answers it cannot read: the list it reads is no list, or holds no objects; the object
# it reads has no id, an id that is no number, or fields that are no object. A work item also needs a
# state that is text (str() made 5 or null "5" or "": "not done") and the id that was asked for.
_NO_STATE: list[Any] = [
    None, [], {}, {"System.State": 5}, {"System.State": None}, {"System.State": ""},
    {"System.State": {"newValue": "Closed"}}, {"System.State": "Closed", "System.Title": 5},
]
SHAPES: dict[str, list[Any]] = {
    "create_work_item": [{}, {"id": "seven"}, {"id": None}, {"id": 7, "fields": "x"}],
    "get_work_item": [{"value": "x"}, {"id": [7]}, {"id": 7, "_links": "x"}, *[
        {"id": 7, "fields": fields} for fields in _NO_STATE], {"id": 8, "fields": {"System.State": "New"}},
        {"id": "7", "fields": {"System.State": "New"}}, {"id": True, "fields": {"System.State": "New"}}],
    "get_work_items": [{"value": "x"}, {"value": [{"fields": {}}]}, {"value": [5]}, *[
        {"value": [{"id": 7, "fields": fields}]} for fields in _NO_STATE],
        {"value": [{"id": 8, "fields": {"System.State": "New"}}]}],
    "query_ids": [{"workItems": "x"}, {"workItems": [{"url": "x"}]}, {"workItems": [{"id": "x"}]}],
    "add_comment": [{}, {"id": "x"}, [1]],
    "list_comment_texts": [{"comments": "x"}, {"comments": [5]}],
    "list_projects": [{"value": "x"}, {"value": {"id": "p"}}],
    "list_subscriptions": [{"value": 5}],
}
CASES = [(name, body) for name, bodies in SHAPES.items() for body in bodies]


def client_answering(body: Any) -> AzureDevOpsClient:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    http = httpx.Client(transport=transport, base_url=f"https://dev.azure.com/{ORG}/")
    return AzureDevOpsClient(http, gate=GateRegistry().gate(ORG), rng=random.Random(1))


@pytest.mark.parametrize(("call", "body"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_an_answer_of_another_shape_is_an_unexpected_answer(call: str, body: Any) -> None:
    with pytest.raises(AzureDevOpsUnexpectedAnswer) as raised:
        CALLS[call](client_answering(body))
    assert raised.value.retryable and raised.value.code == "azure_devops_unexpected_answer"


def test_every_client_read_is_covered() -> None:
    """A new client method that reads an answer gets its odd shapes here too."""
    reads = {name for name in vars(AzureDevOpsClient) if not name.startswith("_")} - {
        "call", "close", "connection_data", "create_subscription", "replace_subscription", "sleep",
        "web_base",
    }
    assert reads == set(CALLS) == set(SHAPES)


def test_a_bug_created_into_another_shape_is_tried_again_without_a_crash(
    backend_app: Flask, backend_url: str, intake_key: str, worker: OutboxWorker, control: httpx.Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    auto_create(backend_app)
    fault(control, "json-200", pathContains="/_apis/wit/workitems/$")  # the create, not the WIQL lookup
    post_report(backend_url, intake_key, "Crash on start", "cust-1")
    with caplog.at_level(logging.WARNING, logger="backend.outbox"):
        worker.run_once()
    [row] = outbox(backend_app)
    assert row["status"] == "pending" and row["last_error"].startswith("AzureDevOpsUnexpectedAnswer")
    assert not [record for record in caplog.records if record.exc_info], "no crash traceback"


def test_linking_through_an_answer_of_another_shape_is_a_502_naming_it(
    backend_url: str, backend_settings: Settings, intake_key: str, control: httpx.Client
) -> None:
    report = post_report(backend_url, intake_key, "Checkout fails", "cust-1")
    fault(control, "json-200", pathContains="/_apis/wit/workitems/")
    answer = link(backend_url, backend_settings, report["id"], 7)
    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "azure_devops_unexpected_answer"
