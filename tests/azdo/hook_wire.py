"""Service-hook deliveries byte for byte over real HTTP, and what the hook tests read back.

Shared by tests/azdo/test_hook_payloads*.py and test_hook_deliveries.py: `deliver` sends exactly the
bytes and headers given (repeated headers, Latin-1 bytes, odd spacing), `Answer` checks the one answer
shape, `crashes` lists what the log says went wrong.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from backend.app_state import get_storage
from backend.outbox.worker import OutboxWorker
from backend.reports import service

from .support import ORG_ID, PROJECT_ID
from .test_outbox import post_report, read_report

HOOK_USER = "azure-devops"
Headers = list[tuple[str, str | bytes]]
JSON = "application/json"


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # the parsed JSON, or the raw bytes when the answer is no JSON
    headers: http.client.HTTPMessage

    @property
    def code(self) -> str:
        """The error code, or the acknowledgement's status."""
        if not isinstance(self.body, dict):
            return repr(self.body)[:80]
        return str(self.body.get("error", {}).get("code") or self.body.get("status"))

    def well_formed(self) -> bool:
        """A 2xx acknowledgement ({status, eventId}) or an error in the one shape."""
        if not isinstance(self.body, dict):
            return False
        if self.status < 300:
            return set(self.body) == {"status", "eventId"}
        return set(self.body) == {"error"} and set(self.body["error"]) == {"code", "message", "details"}


def deliver(base_url: str, body: bytes, headers: Headers, method: str = "POST") -> Answer:
    """Send one request byte for byte (repeated headers, Latin-1 bytes, odd spacing all go as given)."""
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest(method, "/hooks/azure-devops", skip_accept_encoding=True)
        names = {name.lower() for name, _ in headers}
        for name, value in headers:
            connection.putheader(name, value)
        if "content-length" not in names and "transfer-encoding" not in names:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    try:
        parsed: Any = json.loads(raw)
    except ValueError:
        parsed = raw
    return Answer(response.status, parsed, response.headers)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def event_for(work_item_id: Any, event_type: str = "workitem.updated") -> dict[str, Any]:
    """A well-formed minimal event (as Azure DevOps sends with resourceDetailsToSend=minimal)."""
    key = "workItemId" if event_type == "workitem.updated" else "id"
    resource = {key: work_item_id, "rev": 3} if key == "id" else {"id": 3, key: work_item_id, "rev": 3}
    return {
        "id": str(uuid.uuid4()),
        "eventType": event_type,
        "publisherId": "tfs",
        "resource": resource,
        "resourceVersion": "1.0",
        "resourceContainers": {
            "collection": {"id": ORG_ID},
            "account": {"id": ORG_ID},
            "project": {"id": PROJECT_ID},
        },
    }


def link_a_bug(app: Flask, backend_url: str, intake_key: str, worker: OutboxWorker) -> dict[str, Any]:
    """A report whose group got its bug (state New) through the outbox."""
    with get_storage(app).transaction() as tx:
        service.set_auto_create_bug(tx, ORG_ID, PROJECT_ID, True)
    report = post_report(backend_url, intake_key, "Upload stalls at 99%", "cust-1")
    worker.run_once()
    linked = read_report(backend_url, intake_key, report["id"])
    assert linked["status"] == "linked" and linked["workItem"]["state"] == "New"
    return linked


def crashes(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log records with a traceback, or at ERROR (an unhandled exception, a row failed for good)."""
    return [
        f"{record.name}: {record.getMessage()[:200]}"
        for record in caplog.records
        if record.exc_info or record.levelno >= logging.ERROR
    ]


def hook_events(app: Flask) -> list[dict[str, Any]]:
    with get_storage(app).snapshot() as tx:
        return tx.query("SELECT event_id, event_type, work_item_id FROM hook_events ORDER BY event_id")


ABSENT = object()  # a member left out of the event


def encode(event: Any) -> bytes:
    return json.dumps(event).encode()


def edit(event: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Return a copy of `event` with the member at the dotted `path` set (or dropped, for ABSENT)."""
    copy: dict[str, Any] = json.loads(json.dumps(event))
    *parents, last = path.split(".")
    node = copy
    for name in parents:
        node = node[name]
    if value is ABSENT:
        node.pop(last, None)
    else:
        node[last] = value
    return copy
