"""Project ids have one spelling: a GUID the hub's URL writes in capitals is the project the SDK names
in lower case (as organization ids are: test_isolation.py), on every route and after migration 0400."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.audit.request_hook import audit_writer
from backend.auth import intake_keys
from backend.auth.org_ids import ORG_ID_PATTERN, parse_exact_id
from backend.reports import service
from backend.storage import Storage, open_storage, utcnow

from .conftest import TENANT_A, Tenant
from .test_capabilities import connected
from .test_isolation import intake, ui_routes

Headers = Callable[..., dict[str, str]]
GUID = "0b6f3a52-9d8e-4c7b-a1f2-3e4d5c6b7a89"
PROJECT = Tenant(TENANT_A.org_id, TENANT_A.org_name, TENANT_A.tenant_id, TENANT_A.user_id, GUID)
ROUTES = len(ui_routes("p", "r", "g"))


@pytest.mark.parametrize("index", range(ROUTES))
def test_a_project_guid_in_capitals_is_the_same_project_on_every_ui_route(
    client: FlaskClient, ui_headers: Headers, make_key: Callable[..., str], storage: Storage, index: int
) -> None:
    report = intake(client, make_key(PROJECT))
    method, path, body = ui_routes(GUID.upper(), report["id"], report["groupId"])[index]
    response = client.open(path, method=method, json=body, headers=ui_headers(PROJECT))
    # Found (a 409 such as "not linked" judged the report itself), not a 404 from a project of its own.
    assert response.status_code in (200, 202, 409), response.get_json()
    answer = response.get_json()
    if method == "GET":  # what the SDK's spelling shows, to the byte
        canonical = ui_routes(GUID, report["id"], report["groupId"])[index][1]
        assert answer == client.get(canonical, headers=ui_headers(PROJECT)).get_json()
    shown = answer.get("items", []) + answer.get("reports", []) + ([answer] if "groupId" in answer else [])
    assert all(item["projectId"] == GUID for item in shown)
    with storage.snapshot() as tx:
        assert tx.query("SELECT id FROM projects") == [{"id": GUID}]
        assert {row["project_id"] for row in tx.query("SELECT project_id FROM outbox")} <= {GUID}


@pytest.mark.parametrize("index", range(ROUTES))
def test_the_audit_trail_records_the_project_in_its_one_spelling(
    app: Flask, ui_headers: Headers, make_key: Callable[..., str], storage: Storage, index: int
) -> None:
    """An operator reading one project's trail finds every call to it, however the URL wrote its id."""
    client = app.test_client()
    report = intake(client, make_key(PROJECT))
    method, path, body = ui_routes(GUID.upper(), report["id"], report["groupId"])[index]
    client.open(path, method=method, json=body, headers=ui_headers(PROJECT))
    writer = audit_writer(app)
    if writer is not None:
        writer.flush()
    with storage.snapshot() as tx:
        sql = "SELECT route, target FROM audit_log WHERE route LIKE :ui"
        rows = tx.query(sql, {"ui": "/api/v1/projects/%"})
    assert len(rows) == 1, rows
    assert json.loads(rows[0]["target"])["pid"] == GUID, rows


def test_a_bug_asked_for_through_capitals_is_queued_for_the_project(
    make_app: Callable[..., Flask], ui_headers: Headers, make_key: Callable[..., str], storage: Storage
) -> None:
    client = connected(make_app).test_client()  # contoso (TENANT_A's organization) has a connection
    report = intake(client, make_key(PROJECT))
    for path in (f"reports/{report['id']}", f"groups/{report['groupId']}"):  # the second finds it queued
        url = f"/api/v1/projects/{GUID.upper()}/{path}/create-bug"
        response = client.post(url, headers=ui_headers(PROJECT))
        assert response.status_code == 202, response.get_json()
    with storage.snapshot() as tx:
        assert [row["project_id"] for row in tx.query("SELECT project_id FROM outbox")] == [GUID]


@pytest.mark.parametrize("spelling", [f"{GUID}%0A", f"%20{GUID}", f"{GUID}%20", "%0A"])
def test_a_project_id_with_white_space_is_refused_not_trimmed(
    client: FlaskClient, ui_headers: Headers, storage: Storage, spelling: str
) -> None:
    """The OpenAPI pattern refuses these, so the route does: Python's `$` alone would let "\\n" in."""
    response = client.get(f"/api/v1/projects/{spelling}/reports", headers=ui_headers(PROJECT))
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "validation_failed")
    with storage.snapshot() as tx:
        assert tx.query("SELECT id FROM projects") == []


def test_migration_0400_moves_projects_spelled_in_capitals(tmp_path: Path, database_url: str | None) -> None:
    storage = open_storage(database_url or tmp_path / "db.sqlite")
    storage.upgrade()
    mixed, twin = GUID.upper(), "ABC-PROJ"
    with storage.transaction() as tx:  # as an older version left it: 0400 not applied, ids as URLs had them
        tx.execute("DELETE FROM schema_migrations WHERE version = '0400'")
        tx.execute(
            "INSERT INTO organizations (id, name, tenant_id, created_at, updated_at) "
            "VALUES ('o', 'n', 't', :n, :n)",
            {"n": utcnow()},
        )
        for project_id in (mixed, twin, twin.lower()):
            service.ensure_project(tx, "o", project_id, project_id)
        key, secret = intake_keys.create_key(tx, org_id="o", project_id=mixed, name="portal")
        data = {"title": "Checkout fails", "customerId": "c"}
        report_id = service.create_report(tx, org_id="o", project_id=mixed, data=data, key_id=key.id)
        group = tx.query_one("SELECT * FROM report_groups WHERE project_id = :p", {"p": mixed})
        assert group is not None
        service.request_bug(tx, "o", mixed, group)
    assert "0400" in storage.upgrade()
    with storage.snapshot() as tx:
        assert tx.query("SELECT id, name FROM projects ORDER BY id") == [
            {"id": GUID, "name": mixed},  # moved, with its name
            {"id": twin, "name": twin},  # its lower-case twin exists: left for the operator
            {"id": twin.lower(), "name": twin.lower()},
        ]
        report = tx.query_one("SELECT project_id FROM reports WHERE id = :r", {"r": report_id})
        assert report == {"project_id": GUID}
        for table in ("report_groups", "outbox", "intake_keys"):
            assert tx.query(f"SELECT DISTINCT project_id FROM {table}") == [{"project_id": GUID}], table
        assert intake_keys.verify_key(tx, secret).project_id == GUID
        assert tx.query_one("SELECT count(*) AS n FROM schema_migrations WHERE version = '0400'") == {"n": 1}
        if storage.dialect == "sqlite":  # PostgreSQL checks every foreign key at each statement
            assert tx.query_one("PRAGMA foreign_key_check") is None
    storage.close()


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"aZ09._-", " ", "\t", "\n", "\x1c", "\u2028", "\u0131", "/"]),
               max_size=8))
def test_the_documented_id_pattern_is_exactly_what_an_exact_id_parse_accepts(value: str) -> None:
    """Project ids in paths and ids in service-hook JSON are parsed exactly (parse_exact_id): a value
    the OpenAPI pattern refuses (white space around a GUID, which str.strip() had let through as an
    event id) is refused, and one it allows is taken, in its lower-case spelling."""
    documented = re.fullmatch(ORG_ID_PATTERN, value) is not None
    assert (parse_exact_id(value) is not None) == documented, repr(value)
    assert parse_exact_id(value) in (None, value.lower())
