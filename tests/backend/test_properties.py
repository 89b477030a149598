"""Property tests (hypothesis): arbitrary tokens, intake bodies, hook bodies and cursors never get a 5xx.

Each property drives the real app through Flask's test client with inputs hypothesis builds from
arbitrary JSON (strings with NUL and lone surrogates, huge integers, deep nesting) and raw bytes. A
fixed seed keeps CI deterministic; REPORT_BRIDGE_FUZZ_EXAMPLES bounds the budget.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from backend.app_state import get_state, get_storage
from backend.auth import intake_keys
from backend.auth.organizations import ORG_ID_HEADER, bind_organization
from backend.reports import queries, service

from .conftest import TENANT_A

EXAMPLES = int(os.environ.get("REPORT_BRIDGE_FUZZ_EXAMPLES", "12")) * 10
FUZZ = settings(max_examples=EXAMPLES, database=None, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SEED = int(os.environ.get("REPORT_BRIDGE_FUZZ_SEED", "20261202"))
BASE = f"/api/v1/projects/{TENANT_A.project_id}"

texts = st.text(st.characters(codec=None), max_size=20)  # any code point: NUL and lone surrogates too
numbers = st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False, allow_infinity=False)
scalars = st.none() | st.booleans() | numbers | texts
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(texts, inner, max_size=4), max_leaves=20)
deep = st.integers(min_value=1, max_value=4000).map(lambda depth: "[" * depth + "]" * depth)


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8", "surrogatepass")  # json escapes surrogates as \ud800


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _assert_clean_error(response: Any, allowed: set[int]) -> None:
    assert response.status_code in allowed, (response.status_code, response.get_data()[:300])
    if response.status_code >= 400:
        assert set(response.get_json()["error"]) == {"code", "message", "details"}


@pytest.fixture
def fuzz_app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(webhook_secret=secrets.token_urlsafe(24), intake_rate_limit=0)
    with get_storage(app).transaction() as tx:
        bind_organization(tx, TENANT_A.org_id, TENANT_A.org_name, TENANT_A.tenant_id)
        service.ensure_project(tx, TENANT_A.org_id, TENANT_A.project_id)
    return app


@seed(SEED)
@FUZZ
@given(header=json_values | st.binary(max_size=40), payload=json_values | st.binary(max_size=40),
       signature=st.binary(max_size=40))
def test_an_arbitrary_unsigned_token_is_a_401(
    fuzz_app: Flask, header: Any, payload: Any, signature: bytes
) -> None:
    segments = [raw if isinstance(raw, bytes) else _dumps(raw) for raw in (header, payload)]
    token = ".".join(_b64(raw) for raw in (*segments, signature))
    response = fuzz_app.test_client().get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token}", ORG_ID_HEADER: TENANT_A.org_id}
    )
    _assert_clean_error(response, {401})


@seed(SEED)
@FUZZ
@given(claims=st.dictionaries(st.sampled_from(["nameid", "tid", "exp", "nbf", "iss", "aud", "iat"]) | texts,
                              json_values, max_size=7),
       extra_header=st.dictionaries(st.sampled_from(["kid", "crit", "typ", "b64", "cty"]) | texts,
                                    json_values, max_size=3))
def test_a_validly_signed_token_with_arbitrary_claims_is_never_a_5xx(
    fuzz_app: Flask, claims: dict[str, Any], extra_header: dict[str, Any]
) -> None:
    """Signed with the real key, so the claim checks behind the signature are what is exercised."""
    secret = get_state(fuzz_app).settings.extension_secret
    header = {**extra_header, "alg": "HS256"}
    signing_input = f"{_b64(_dumps(header))}.{_b64(_dumps(claims))}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{_b64(signature)}"
    response = fuzz_app.test_client().get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token}", ORG_ID_HEADER: TENANT_A.org_id}
    )
    _assert_clean_error(response, {200, 401, 403})
    if response.status_code == 200:  # then PyJWT agrees the token is valid
        jwt.decode(token, secret, algorithms=["HS256"], options={"verify_aud": False})


intake_fields = st.fixed_dictionaries(
    {"title": json_values, "customerId": json_values},
    optional={name: json_values for name in ("description", "customerName", "source", "externalId",
                                              "severity", "link", "groupKey", "unknown")},
)


@seed(SEED)
@FUZZ
@given(body=intake_fields | json_values | deep,
       content_type=st.sampled_from(["application/json", "text/plain"]))
def test_an_arbitrary_intake_body_is_stored_whole_or_refused(
    fuzz_app: Flask, body: Any, content_type: str
) -> None:
    with get_storage(fuzz_app).transaction() as tx:
        _, key = intake_keys.create_key(tx, org_id=TENANT_A.org_id, project_id=TENANT_A.project_id, name="p")
    client = fuzz_app.test_client()
    raw = body.encode() if isinstance(body, str) and body.startswith("[") else _dumps(body)
    response = client.post("/api/v1/intake/reports", data=raw,
                           headers={"Authorization": f"Bearer {key}", "Content-Type": content_type})
    _assert_clean_error(response, {200, 201, 400})
    if response.status_code == 201:
        report = response.get_json()
        assert (report["title"], report["customerId"]) == (body["title"], body["customerId"])
        again = client.get(f"/api/v1/intake/reports/{report['id']}",
                           headers={"Authorization": f"Bearer {key}"})
        assert again.get_json() == report


def _event(resource: Any, containers: Any, event_type: Any, event_id: Any) -> dict[str, Any]:
    return {"id": event_id, "eventType": event_type, "publisherId": "tfs", "resource": resource,
            "resourceContainers": containers}


hook_bodies = st.builds(
    _event,
    resource=json_values | st.fixed_dictionaries({"workItemId": json_values, "id": json_values}),
    containers=json_values | st.fixed_dictionaries({
        "collection": st.fixed_dictionaries({"id": json_values | st.just(TENANT_A.org_id)}),
        "project": st.fixed_dictionaries({"id": json_values | st.just(TENANT_A.project_id)}),
    }),
    event_type=st.sampled_from(["workitem.updated", "workitem.deleted", "workitem.restored"]) | json_values,
    event_id=texts | json_values,
)


@seed(SEED)
@FUZZ
@given(body=hook_bodies | json_values | deep)
def test_an_arbitrary_hook_body_is_never_a_5xx(fuzz_app: Flask, body: Any) -> None:
    secret = get_state(fuzz_app).settings.webhook_secret
    basic = base64.b64encode(f"azure-devops:{secret}".encode()).decode()
    raw = body.encode() if isinstance(body, str) and body.startswith("[") else _dumps(body)
    response = fuzz_app.test_client().post(
        "/hooks/azure-devops", data=raw, headers={"Authorization": f"Basic {basic}",
                                                  "Content-Type": "application/json"}
    )
    _assert_clean_error(response, {200, 202, 400, 403})


@seed(SEED)
@FUZZ
@given(cursor=st.text(st.characters(codec="utf-8"), max_size=40)  # a URL carries UTF-8 only
       | json_values.map(lambda value: _b64(_dumps(value))) | deep.map(lambda raw: _b64(raw.encode())))
def test_an_arbitrary_cursor_is_a_page_or_a_400(
    fuzz_app: Flask, ui_headers: Callable[..., dict[str, str]], cursor: str
) -> None:
    client: FlaskClient = fuzz_app.test_client()
    response = client.get(f"{BASE}/reports", query_string={"cursor": cursor}, headers=ui_headers())
    _assert_clean_error(response, {200, 400})
    if response.status_code == 400:
        assert "cursor" in response.get_json()["error"]["details"]["fields"]


def test_a_cursor_from_a_page_decodes_to_its_position() -> None:
    cursor = queries.encode_cursor("2026-11-27T10:00:00.000000Z", "r_1")
    assert queries.decode_cursor(cursor) == ("2026-11-27T10:00:00.000000Z", "r_1")
