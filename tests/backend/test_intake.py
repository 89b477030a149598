"""Intake API: keys, validation, idempotency, grouping and revocation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from backend import errors
from backend.auth import intake_keys
from backend.storage import Storage

from .conftest import TENANT_A


def post(client: FlaskClient, key: str, body: Any, **headers: str) -> Any:
    return client.post(
        "/api/v1/intake/reports", json=body, headers={"Authorization": f"Bearer {key}", **headers}
    )


def test_intake_creates_a_report_and_reads_it_back(client: FlaskClient, make_key: Callable[..., str]) -> None:
    key = make_key()
    body = {
        "title": "Export drops rows",
        "description": "Rows with é vanish",
        "customerId": "c-42",
        "customerName": "Contoso",
        "source": "portal",
        "externalId": "TKT-1",
        "severity": "high",
        "link": "https://support.example.com/TKT-1",
    }
    response = post(client, key, body)
    assert response.status_code == 201
    report = response.get_json()
    assert report["id"].startswith("r_") and report["groupId"].startswith("g_")
    assert report["projectId"] == TENANT_A.project_id
    assert (report["status"], report["workItem"], report["bugPending"]) == ("new", None, False)
    assert (report["customersAffected"], report["reportCount"]) == (1, 1)
    assert {k: report[k] for k in body} == body
    assert report["createdAt"].endswith("Z") and len(report["createdAt"]) == 20
    again = client.get(f"/api/v1/intake/reports/{report['id']}", headers={"Authorization": f"Bearer {key}"})
    assert again.status_code == 200
    assert again.get_json() == report


def test_validation_reports_every_field(client: FlaskClient, make_key: Callable[..., str]) -> None:
    response = post(
        client, make_key(), {"title": "  ", "severity": "urgent", "link": "ftp://x", "colour": "red"}
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert error["details"]["fields"] == {
        "customerId": "is required",
        "title": "must not be blank",
        "severity": "must be one of: low, medium, high, critical",
        "link": "must be an http(s) URL",
        "colour": "is not a known field",
    }


def test_non_json_and_non_object_bodies_are_refused(
    client: FlaskClient, make_key: Callable[..., str]
) -> None:
    key = make_key()
    response = client.post(
        "/api/v1/intake/reports", data="title=x", headers={"Authorization": f"Bearer {key}"}
    )
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "bad_request")
    response = post(client, key, ["not", "an", "object"])
    assert response.get_json()["error"]["details"]["fields"] == {"body": "must be a JSON object"}


def test_key_is_checked_before_the_body(client: FlaskClient) -> None:
    response = client.post("/api/v1/intake/reports", json={})
    assert (response.status_code, response.get_json()["error"]["code"]) == (401, "key_missing")
    response = post(client, "rbk_aaaaaaaaaaaa_" + "x" * 43, {})
    assert (response.status_code, response.get_json()["error"]["code"]) == (401, "key_invalid")


def test_an_app_token_is_not_an_intake_key(client: FlaskClient, make_token: Callable[..., str]) -> None:
    response = post(client, make_token(), {"title": "x", "customerId": "c"})
    assert (response.status_code, response.get_json()["error"]["code"]) == (401, "key_invalid")


def test_wrong_secret_for_a_real_key_id_is_refused(client: FlaskClient, make_key: Callable[..., str]) -> None:
    key = make_key()
    forged = key[: key.rindex("_") + 1] + "A" * 43
    response = post(client, forged, {"title": "x", "customerId": "c"})
    assert (response.status_code, response.get_json()["error"]["code"]) == (401, "key_invalid")


def test_idempotency_key_replays_the_first_answer(
    client: FlaskClient, make_key: Callable[..., str], storage: Storage
) -> None:
    key = make_key()
    body = {"title": "Login loops", "customerId": "c-1"}
    first = post(client, key, body, **{"Idempotency-Key": "ticket-77"})
    second = post(client, key, body, **{"Idempotency-Key": "ticket-77"})
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    with storage.snapshot() as tx:
        assert tx.query_one("SELECT COUNT(*) AS n FROM reports") == {"n": 1}
    changed = post(client, key, {**body, "customerId": "c-2"}, **{"Idempotency-Key": "ticket-77"})
    assert (changed.status_code, changed.get_json()["error"]["code"]) == (409, "idempotency_key_reused")
    fresh = post(client, key, body, **{"Idempotency-Key": "ticket-78"})
    assert fresh.get_json()["id"] != first.get_json()["id"]


def test_idempotency_keys_are_per_api_key(client: FlaskClient, make_key: Callable[..., str]) -> None:
    body = {"title": "Same", "customerId": "c-1"}
    first = post(client, make_key(), body, **{"Idempotency-Key": "k1"})
    second = post(client, make_key(), body, **{"Idempotency-Key": "k1"})
    assert first.get_json()["id"] != second.get_json()["id"]


def test_invalid_idempotency_key_is_refused(client: FlaskClient, make_key: Callable[..., str]) -> None:
    response = post(client, make_key(), {"title": "x", "customerId": "c"}, **{"Idempotency-Key": "x" * 201})
    assert response.get_json()["error"]["details"]["fields"] == {
        "Idempotency-Key": "must be 1-200 visible ASCII characters"
    }


def test_same_problem_joins_one_group_and_counts_customers(
    client: FlaskClient, make_key: Callable[..., str]
) -> None:
    key = make_key()
    first = post(client, key, {"title": "Checkout FAILS!", "source": "Web", "customerId": "c-1"}).get_json()
    second = post(client, key, {"title": "checkout   fails", "source": "web", "customerId": "c-2"}).get_json()
    third = post(client, key, {"title": "Checkout fails.", "source": "web", "customerId": "c-1"}).get_json()
    other_source = post(
        client, key, {"title": "Checkout fails", "source": "email", "customerId": "c-3"}
    ).get_json()
    assert first["groupId"] == second["groupId"] == third["groupId"] != other_source["groupId"]
    assert (third["customersAffected"], third["reportCount"]) == (2, 3)


def test_explicit_group_key_wins_over_the_title(client: FlaskClient, make_key: Callable[..., str]) -> None:
    key = make_key()
    first = post(client, key, {"title": "Crash A", "customerId": "c-1", "groupKey": "crash-123"}).get_json()
    second = post(
        client, key, {"title": "Totally different", "customerId": "c-2", "groupKey": "crash-123"}
    ).get_json()
    assert first["groupId"] == second["groupId"]
    assert second["customersAffected"] == 2


def test_revoked_key_fails_at_once(
    client: FlaskClient, make_key: Callable[..., str], storage: Storage
) -> None:
    key = make_key()
    assert post(client, key, {"title": "x", "customerId": "c"}).status_code == 201
    with storage.transaction() as tx:
        assert intake_keys.revoke_key(tx, key.split("_")[1])
    for _ in range(2):  # on PostgreSQL the first finds it in intake's statement, the next in the key's row
        response = post(client, key, {"title": "x", "customerId": "c"})
        assert (response.status_code, response.get_json()["error"]["code"]) == (401, "key_invalid")
        assert "revoked" in response.get_json()["error"]["message"]
    read = client.get("/api/v1/intake/reports/r_x", headers={"Authorization": f"Bearer {key}"})
    assert read.status_code == 401


def test_a_remembered_key_still_needs_its_secret(
    client: FlaskClient, make_key: Callable[..., str], storage: Storage
) -> None:
    """Intake remembers a key's row (backend.auth.intake_keys.KnownKeys): the secret is checked on every
    call all the same, whether the row is remembered or read."""
    key = make_key()
    forged = key[:-1] + ("B" if key[-1] == "A" else "A")
    known = intake_keys.KnownKeys()
    assert known.verify(storage, key).id == key.split("_")[1]
    with pytest.raises(errors.KeyInvalid):
        known.verify(storage, forged)  # remembered
    with pytest.raises(errors.KeyInvalid):
        intake_keys.KnownKeys().verify(storage, forged)  # read
    assert post(client, key, {"title": "x", "customerId": "c"}).status_code == 201
    assert post(client, forged, {"title": "x", "customerId": "c"}).status_code == 401


def test_only_a_salted_hash_is_stored(make_key: Callable[..., str], storage: Storage) -> None:
    first, second = make_key(), make_key()
    with storage.snapshot() as tx:
        rows = tx.query("SELECT * FROM intake_keys")
    stored = repr(rows)
    for key in (first, second):
        assert key.split("_", 2)[2] not in stored
    assert rows[0]["salt"] != rows[1]["salt"]


def test_oversized_body_is_413_json(client: FlaskClient, make_key: Callable[..., str]) -> None:
    response = post(client, make_key(), {"title": "x", "customerId": "c", "description": "y" * 70_000})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_concurrent_retries_create_one_report(
    live_server: str, make_key: Callable[..., str], storage: Storage
) -> None:
    import concurrent.futures

    import httpx

    key = make_key()
    body = {"title": "Race", "customerId": "c-1"}

    def send(_: int) -> tuple[int, str]:
        response = httpx.post(
            f"{live_server}/api/v1/intake/reports",
            json=body,
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "same-ticket"},
        )
        return response.status_code, response.json()["id"]

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, range(16)))
    assert {status for status, _ in answers} == {201}
    assert len({report_id for _, report_id in answers}) == 1
    with storage.snapshot() as tx:
        assert tx.query_one("SELECT COUNT(*) AS n FROM reports") == {"n": 1}
