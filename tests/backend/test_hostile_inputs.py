"""Hostile inputs (issue 11, items 5-10): every one is a 4xx in the one JSON error shape, never a 5xx.

The cases are built per class (lone surrogate, NUL, deep nesting, huge integers, non-ASCII digits,
non-JSON numbers, PyJWT header refusals, hook content types) across every body field, path and query
parameter they can reach; the module prints how many it tried.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.app_state import get_state, get_storage
from backend.inputs import MAX_JSON_DEPTH
from backend.reports import service

from .conftest import TENANT_A, Tenant

BASE = f"/api/v1/projects/{TENANT_A.project_id}"
INTAKE_FIELDS = ("title", "description", "customerId", "customerName", "source", "externalId", "groupKey")


@dataclass(frozen=True)
class Probe:
    """One hostile request: what it sends, and the status it must get."""

    name: str
    method: str
    path: str
    auth: str  # "ui", "key", "hook"
    body: bytes | None = None
    content_type: str | None = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    status: int = 400


def _b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _intake(**fields: Any) -> bytes:
    return json.dumps({"title": "t", "customerId": "c", **fields}).encode()


def _event(work_item_id: Any = 7, event_id: Any = "e-1", **extra: Any) -> dict[str, Any]:
    return {
        "id": event_id, "eventType": "workitem.updated", "publisherId": "tfs",
        "resource": {"workItemId": work_item_id},
        "resourceContainers": {"collection": {"id": TENANT_A.org_id}, "project": {"id": TENANT_A.project_id}},
        **extra,
    }


def _bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


def _probes() -> Iterator[Probe]:
    for text, label in (("\ud800", "surrogate"), ("a\x00b", "nul")):
        escaped = json.dumps(text)  # "\ud800" or "a\u0000b", both valid JSON escapes
        for field in INTAKE_FIELDS:
            fields = {"title": '"t"', "customerId": '"c"', field: escaped}
            raw = "{" + ", ".join(f'"{name}": {value}' for name, value in fields.items()) + "}"
            yield Probe(f"intake {field} {label}", "POST", "/api/v1/intake/reports", "key", raw.encode())
        yield Probe(f"intake key name {label}", "POST", "/api/v1/intake/reports", "key",
                    _intake()[:-1] + f", {escaped}: 1}}".encode())
        yield Probe(f"dismiss reason {label}", "POST", f"{BASE}/reports/r_x/dismiss", "ui",
                    f'{{"reason": {escaped}}}'.encode())
        yield Probe(f"hook event id {label}", "POST", "/hooks/azure-devops", "hook",
                    _bytes(_event())[:-1].replace(b'"e-1"', escaped.encode()) + b"}")
        cursor = _cursor("[" + escaped + ', "r_1"]')
        yield Probe(f"cursor {label}", "GET", f"{BASE}/reports?cursor={cursor}", "ui")
        yield Probe(f"hook org id {label}", "POST", "/hooks/azure-devops", "hook",
                    _bytes(_event()).replace(json.dumps(TENANT_A.org_id).encode(), escaped.encode()))
    for name, path in (("rid", f"{BASE}/reports/r%00x"), ("pid", "/api/v1/projects/p%00/reports"),
                       ("q", f"{BASE}/reports?q=a%00b"), ("status", f"{BASE}/reports?status=%00"),
                       ("intake rid", "/api/v1/intake/reports/r%00")):
        yield Probe(f"nul in {name}", "GET", path, "key" if name.startswith("intake") else "ui")
    for depth in (MAX_JSON_DEPTH + 1, 3_000, 30_000):
        deep = _nested(depth).encode()
        yield Probe(f"intake body depth {depth}", "POST", "/api/v1/intake/reports", "key", deep)
        yield Probe(f"intake field depth {depth}", "POST", "/api/v1/intake/reports", "key",
                    _intake()[:-1] + b', "source": ' + deep + b"}")
        yield Probe(f"link body depth {depth}", "POST", f"{BASE}/reports/r_x/link", "ui", deep)
        yield Probe(f"dismiss body depth {depth}", "POST", f"{BASE}/reports/r_x/dismiss", "ui", deep)
        yield Probe(f"hook body depth {depth}", "POST", "/hooks/azure-devops", "hook",
                    _bytes(_event())[:-1] + b', "detail": ' + deep + b"}")
        if depth < 10_000:  # the deeper ones are over the 512-character cursor cap, refused undecoded
            cursor = _cursor(_nested(depth))
            yield Probe(f"cursor depth {depth}", "GET", f"{BASE}/reports?cursor={cursor}", "ui")
    yield Probe("cursor too long", "GET", f"{BASE}/reports?cursor={'A' * 600}", "ui")
    for value in (2**31, 2**63, 2**64, 10**400, -(2**63) - 1):
        yield Probe(f"impact wid {value}", "GET", f"{BASE}/work-items/{value}/impact", "ui")
        yield Probe(f"link workItemId {value}", "POST", f"{BASE}/reports/r_x/link", "ui",
                    _bytes({"workItemId": value}))
        yield Probe(f"hook workItemId {value}", "POST", "/hooks/azure-devops", "hook", _bytes(_event(value)))
        yield Probe(f"intake extra int {value}", "POST", "/api/v1/intake/reports", "key",
                    _intake()[:-1] + f', "severity": {value}}}'.encode())
    for digits in ("²", "١٢", "１２", "+5", " 5", "5 ", "-1", "0", "1e1", "0x10", "", "99999999999999999999"):
        yield Probe(f"limit {digits!r}", "GET", f"{BASE}/reports?limit={digits}", "ui")
        if digits:
            yield Probe(f"impact wid {digits!r}", "GET", f"{BASE}/work-items/{digits}/impact", "ui")
    for constant in ("NaN", "Infinity", "-Infinity", "1e999"):
        yield Probe(f"link {constant}", "POST", f"{BASE}/reports/r_x/link", "ui",
                    f'{{"workItemId": {constant}}}'.encode())
        yield Probe(f"hook workItemId {constant}", "POST", "/hooks/azure-devops", "hook",
                    _bytes(_event()).replace(b'"workItemId": 7', f'"workItemId": {constant}'.encode()))
    # A name twice in one object means two things (json keeps the last, other readers the first).
    yield Probe("intake title twice", "POST", "/api/v1/intake/reports", "key",
                b'{"title": "t", "customerId": "c", "title": "u"}')
    yield Probe("intake customerId twice, the first read elsewhere", "POST", "/api/v1/intake/reports", "key",
                b'{"customerId": "c-1", "title": "t", "customerId": "c-2"}')
    yield Probe("intake name twice in a nested object", "POST", "/api/v1/intake/reports", "key",
                _intake()[:-1] + b', "source": {"a": 1, "a": 2}}')
    yield Probe("link workItemId twice", "POST", f"{BASE}/reports/r_x/link", "ui",
                b'{"workItemId": 7, "workItemId": 8}')
    yield Probe("dismiss reason twice", "POST", f"{BASE}/reports/r_x/dismiss", "ui",
                b'{"reason": "a", "reason": "b"}')
    yield Probe("hook id twice", "POST", "/hooks/azure-devops", "hook",
                _bytes(_event())[:-1] + b', "id": "e-2"}')
    for content_type in (None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                         "application/jsonx", "text/json"):
        yield Probe(f"hook content type {content_type}", "POST", "/hooks/azure-devops", "hook",
                    _bytes(_event()), content_type=content_type, status=415)
    odd_fields: list[tuple[str, Any]] = [("eventType", ["workitem.updated"]), ("publisherId", {"tfs": 1}),
                                         ("eventType", 5)]
    for name, odd in odd_fields:
        yield Probe(f"hook {name} {odd!r}", "POST", "/hooks/azure-devops", "hook",
                    _bytes({**_event(), name: odd}))
    for event_id in ("", 5, None, "x" * 201, ["e"], {"id": "e"}):
        yield Probe(f"hook event id {event_id!r:.20}", "POST", "/hooks/azure-devops", "hook",
                    _bytes(_event(event_id=event_id)))
    for blob in (b"", b"{", b"\xff\xfe", b"[]", b"null", b'"x"', b"1"):
        yield Probe(f"intake raw {blob!r}", "POST", "/api/v1/intake/reports", "key", blob)
        yield Probe(f"hook raw {blob!r}", "POST", "/hooks/azure-devops", "hook", blob)
    for header in ("X-Report-Bridge-Org-Name", "X-Report-Bridge-Project-Name", "X-Request-Id"):
        yield Probe(f"nul in header {header}", "GET", f"{BASE}/reports", "ui", headers=((header, "a\x00b"),))
    for header in ("X-Report-Bridge-Org-Name", "X-Report-Bridge-Project-Name"):  # names are percent-encoded
        for escaped in ("a%00b", "%FF", "%ED%A0%80"):
            yield Probe(f"{escaped} in header {header}", "GET", f"{BASE}/reports", "ui",
                        headers=((header, escaped),))
    for key in ("", "a b", "é", "x" * 201, "\x7f"):
        yield Probe(f"idempotency key {key!r:.12}", "POST", "/api/v1/intake/reports", "key", _intake(),
                    headers=(("Idempotency-Key", key),))


def _jwt_probes() -> Iterator[tuple[str, str]]:
    """Tokens PyJWT refuses with errors other than DecodeError, plus malformed segments."""
    payload = _b64({"nameid": "u", "tid": "t", "exp": 2**40})
    headers: list[dict[str, Any]] = [
        {"alg": "HS256", "crit": ["x"]}, {"alg": "HS256", "kid": 5}, {"alg": "HS256", "kid": None},
        {"alg": "HS256", "b64": False, "crit": ["b64"]}, {"alg": "HS256", "crit": "b64"},
        {"alg": ["HS256"]}, {"alg": None}, {"alg": "none"}, {"alg": "HS256", "jku": 1},
    ]
    for header in headers:
        yield f"header {header}", f"{_b64(header)}.{payload}.c2ln"
    yield "header list", f"{_b64([1])}.{payload}.c2ln"
    yield "header bytes", "AAAA.AAAA.AAAA"
    for depth in (MAX_JSON_DEPTH + 1, 1_000, 1_500):
        yield f"header depth {depth}", f"{_cursor(_nested(depth))}.{payload}.c2ln"
        yield f"payload depth {depth}", f"{_b64({'alg': 'HS256'})}.{_cursor(_nested(depth))}.c2ln"
    yield "payload exp huge", f"{_b64({'alg': 'HS256'})}.{_b64({'exp': 10**400})}.c2ln"
    yield "empty segments", ".."


def _send(client: FlaskClient, probe: Probe, auth: dict[str, dict[str, str]]) -> Any:
    headers = {**auth[probe.auth], **dict(probe.headers)}
    if probe.content_type is not None:
        headers["Content-Type"] = probe.content_type
    return client.open(probe.path, method=probe.method, data=probe.body, headers=headers)


@pytest.fixture
def hook_app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(webhook_secret=secrets.token_urlsafe(24))
    with get_storage(app).transaction() as tx:
        from backend.auth.organizations import bind_organization

        bind_organization(tx, TENANT_A.org_id, TENANT_A.org_name, TENANT_A.tenant_id)
        service.ensure_project(tx, TENANT_A.org_id, TENANT_A.project_id)
    return app


def _auth(app: Flask, key: str, ui: dict[str, str]) -> dict[str, dict[str, str]]:
    secret = get_state(app).settings.webhook_secret
    basic = base64.b64encode(f"azure-devops:{secret}".encode()).decode()
    return {"ui": ui, "key": {"Authorization": f"Bearer {key}"}, "hook": {"Authorization": f"Basic {basic}"}}


def test_every_hostile_input_is_a_clear_4xx(
    hook_app: Flask, make_token: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    from backend.auth import intake_keys
    from backend.auth.organizations import ORG_ID_HEADER

    with get_storage(hook_app).transaction() as tx:
        _, key = intake_keys.create_key(tx, org_id=TENANT_A.org_id, project_id=TENANT_A.project_id, name="t")
    tenant: Tenant = TENANT_A
    client = hook_app.test_client()
    ui = {"Authorization": f"Bearer {make_token(tenant)}", ORG_ID_HEADER: tenant.org_id}
    auth = _auth(hook_app, key, ui)
    wrong: list[str] = []
    probes = list(_probes())
    for probe in probes:
        response = _send(client, probe, auth)
        body = response.get_json(silent=True) or {}
        shape = set(body.get("error", {}))
        if response.status_code != probe.status or shape != {"code", "message", "details"}:
            wrong.append(f"{probe.name}: {response.status_code} {response.get_data()[:200]!r}")
    tokens = list(_jwt_probes())
    for name, token in tokens:
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}",
                                                      ORG_ID_HEADER: tenant.org_id})
        error = (response.get_json(silent=True) or {}).get("error", {})
        if response.status_code != 401 or "code" not in error:
            wrong.append(f"token {name}: {response.status_code} {response.get_data()[:200]!r}")
    with capsys.disabled():
        print(f"\n[hostile inputs] {len(probes) + len(tokens)} tried, {len(wrong)} wrong")
    assert not wrong, "\n".join(wrong)
    with get_storage(hook_app).snapshot() as tx:  # and none of them stored anything
        row = tx.query_one("SELECT COUNT(*) AS n FROM reports")
        events = tx.query_one("SELECT COUNT(*) AS n FROM hook_events")
    assert row is not None and events is not None and (row["n"], events["n"]) == (0, 0)


def test_parameter_errors_name_the_parameter(
    client: FlaskClient, ui_headers: Callable[..., dict[str, str]]
) -> None:
    response = client.get(f"{BASE}/reports?limit=²", headers=ui_headers())
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["details"]["fields"] == {"limit": "must be an integer from 1 to 100"}
    assert "'limit'" in error["message"] and "body" not in error["message"]
    wid = client.get(f"{BASE}/work-items/{2**63}/impact", headers=ui_headers()).get_json()["error"]
    assert "'wid'" in wid["message"] and set(wid["details"]["fields"]) == {"wid"}
    pid = client.get("/api/v1/projects/%20bad/reports", headers=ui_headers()).get_json()["error"]
    assert "'pid'" in pid["message"]


def test_a_hook_sent_as_json_with_a_charset_is_accepted(hook_app: Flask) -> None:
    client = hook_app.test_client()
    auth = _auth(hook_app, "unused", {})["hook"]
    response = client.post("/hooks/azure-devops", data=_bytes(_event()),
                           headers={**auth, "Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 202 and response.get_json()["status"] == "ignored"
