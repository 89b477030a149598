"""Audit trail: one row per API call with who, what, outcome and request id; never a token."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.app_state import get_storage
from backend.audit.request_hook import audit_writer
from backend.config import Settings
from backend.devtools.tokens import mint_app_token

from .conftest import TENANT_A

Headers = Callable[..., dict[str, str]]


def audit_rows(app: Flask) -> list[dict[str, Any]]:
    writer = audit_writer(app)
    if writer is not None:
        writer.flush()  # rows are committed by the writer thread; wait for it
    with get_storage(app).snapshot() as tx:
        return tx.query("SELECT * FROM audit_log ORDER BY id")


def test_ui_call_is_audited_with_identity_and_targets(
    client: FlaskClient, ui_headers: Headers, app: Flask
) -> None:
    response = client.get(
        f"/api/v1/projects/{TENANT_A.project_id}/reports/r_missing",
        headers={**ui_headers(), "X-Request-Id": "req-123"},
    )
    assert response.status_code == 404
    (row,) = audit_rows(app)
    assert row["request_id"] == "req-123" == response.headers["X-Request-Id"]
    assert (row["actor"], row["user_id"], row["tenant_id"], row["org_id"]) == (
        "user",
        TENANT_A.user_id,
        TENANT_A.tenant_id,
        TENANT_A.org_id,
    )
    assert (row["method"], row["route"], row["status_code"], row["outcome"]) == (
        "GET",
        "/api/v1/projects/<pid>/reports/<rid>",
        404,
        "not_found",
    )
    assert json.loads(row["target"]) == {"pid": TENANT_A.project_id, "rid": "r_missing"}
    assert row["at"].endswith("Z")


def test_refused_calls_are_audited_without_the_token(
    client: FlaskClient, settings: Settings, app: Flask
) -> None:
    expired = mint_app_token(settings.extension_secret, user_id="u", tenant_id="t", lifetime=-300)
    client.get(
        f"/api/v1/me?token={expired}",
        headers={"Authorization": f"Bearer {expired}", "X-Report-Bridge-Org-Id": "org"},
    )
    (row,) = audit_rows(app)
    assert (row["actor"], row["status_code"], row["outcome"]) == ("anonymous", 401, "token_expired")
    assert row["route"] == "/api/v1/me"
    dump = json.dumps(audit_rows(app))
    assert expired not in dump and expired.split(".")[1] not in dump


def test_intake_calls_record_the_key_and_link_actions_the_work_item(
    client: FlaskClient, ui_headers: Headers, make_key: Callable[..., str], app: Flask
) -> None:
    key = make_key()
    report = client.post(
        "/api/v1/intake/reports",
        json={"title": "t", "customerId": "c"},
        headers={"Authorization": f"Bearer {key}"},
    ).get_json()
    client.post(
        f"/api/v1/projects/{TENANT_A.project_id}/reports/{report['id']}/link",
        json={"workItemId": 5},
        headers=ui_headers(),
    )
    intake_row, link_row = audit_rows(app)
    assert (intake_row["actor"], intake_row["key_id"], intake_row["org_id"]) == (
        "key",
        key.split("_")[1],
        TENANT_A.org_id,
    )
    assert json.loads(intake_row["target"]) == {"projectId": TENANT_A.project_id, "reportId": report["id"]}
    assert json.loads(link_row["target"]) == {
        "pid": TENANT_A.project_id,
        "rid": report["id"],
        "workItemId": 5,
        "groupId": report["groupId"],
    }
    assert key not in json.dumps(audit_rows(app))


def test_intake_calls_refused_for_their_limit_or_their_idempotency_key_record_the_key(
    make_app: Callable[..., Flask], make_key: Callable[..., str]
) -> None:
    """A 429 or a 409 is the key's own doing (its secret was right): the row names it, on each engine."""
    app = make_app(intake_rate_limit=2)
    client, key = app.test_client(), make_key()
    statuses = []
    for title, idem in (("first", "once"), ("another body", "once"), ("second", None), ("third", None)):
        headers = {"Authorization": f"Bearer {key}", **({"Idempotency-Key": idem} if idem else {})}
        body = {"title": title, "customerId": "c"}
        statuses.append(client.post("/api/v1/intake/reports", json=body, headers=headers).status_code)
    assert statuses == [201, 409, 201, 429]  # the 409 was not counted
    rows = audit_rows(app)
    assert [(row["status_code"], row["actor"], row["key_id"]) for row in rows] == [
        (status, "key", key.split("_")[1]) for status in statuses
    ]


def test_health_preflight_and_openapi_are_not_audited(client: FlaskClient, app: Flask) -> None:
    client.get("/healthz")
    client.get("/readyz")
    client.get("/api/v1/openapi.json")
    client.options("/api/v1/me")
    assert audit_rows(app) == []


def test_unknown_api_path_is_audited(client: FlaskClient, app: Flask) -> None:
    client.get("/api/v1/nothing-here")
    (row,) = audit_rows(app)
    assert (row["route"], row["outcome"]) == ("/api/v1/nothing-here", "not_found")
    assert time.time() > 0


def test_synchronous_audit_writes_on_the_request_path(
    make_app: Callable[..., Flask], ui_headers: Headers
) -> None:
    app = make_app(audit_sync=True)
    assert audit_writer(app) is None
    app.test_client().get("/api/v1/me", headers=ui_headers())
    with get_storage(app).snapshot() as tx:  # no flush needed: the row was committed before the answer
        rows = tx.query("SELECT actor, outcome FROM audit_log")
    assert rows == [{"actor": "user", "outcome": "ok"}]


def test_closing_the_writer_commits_what_is_queued(app: Flask, client: FlaskClient) -> None:
    for _ in range(50):
        client.get("/api/v1/me")
    writer = audit_writer(app)
    assert writer is not None
    writer.close()
    with get_storage(app).snapshot() as tx:
        assert tx.query_one("SELECT COUNT(*) AS n FROM audit_log") == {"n": 50}


def test_hook_calls_are_audited_as_webhook(app: Flask, client: FlaskClient) -> None:
    hook_routes = [rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/hooks/")]
    if not hook_routes:
        pytest.skip("no /hooks route registered in this build")
    client.post(hook_routes[0], json={})
    rows = audit_rows(app)
    assert rows[-1]["actor"] == "webhook" and rows[-1]["route"] == hook_routes[0]
