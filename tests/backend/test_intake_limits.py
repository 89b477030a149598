"""Intake: externalId de-duplication per (project, source) and the per-key rate limit in the database."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from backend import ratelimit
from backend.auth import intake_keys
from backend.auth.intake_keys import KnownKeys
from backend.reports import intake_postgres
from backend.storage import Storage, iter_migrations, open_storage


def post(client: FlaskClient, key: str, body: dict[str, Any], **headers: str) -> Any:
    auth = {"Authorization": f"Bearer {key}"}
    return client.post("/api/v1/intake/reports", json=body, headers={**auth, **headers})


def count_reports(storage: Storage) -> int:
    with storage.snapshot() as tx:
        row = tx.query_one("SELECT COUNT(*) AS n FROM reports")
    assert row is not None
    return int(row["n"])


def test_an_external_id_sent_twice_from_one_source_is_one_report(
    client: FlaskClient, make_key: Callable[..., str], storage: Storage
) -> None:
    key = make_key()
    body = {"title": "Export drops rows", "customerId": "c-1", "source": "zendesk", "externalId": "TKT-9"}
    first = post(client, key, body)
    assert first.status_code == 201
    again = post(client, key, {**body, "title": "Export drops rows (resent)"})
    assert again.status_code == 200 and again.get_json() == first.get_json()
    # Another source, or no externalId, is another report.
    assert post(client, key, {**body, "source": "portal"}).status_code == 201
    assert post(client, key, {"title": "No id", "customerId": "c-1"}).status_code == 201
    assert post(client, key, {"title": "No id", "customerId": "c-1"}).status_code == 201
    assert count_reports(storage) == 4


def test_an_idempotent_retry_of_a_deduplicated_report_replays_the_same_answer(
    client: FlaskClient, make_key: Callable[..., str]
) -> None:
    key = make_key()
    body = {"title": "Crash", "customerId": "c-1", "externalId": "E-1"}
    created = post(client, key, body).get_json()
    deduped = post(client, key, {**body, "customerId": "c-2"}, **{"Idempotency-Key": "k-1"})
    replayed = post(client, key, {**body, "customerId": "c-2"}, **{"Idempotency-Key": "k-1"})
    assert (deduped.status_code, replayed.status_code) == (200, 200)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert deduped.get_json()["id"] == replayed.get_json()["id"] == created["id"]


def test_the_migration_keeps_earlier_duplicates_and_clears_the_later_ids(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite"
    with sqlite3.connect(database) as db:  # a database at the version before 0250, with duplicates
        db.execute("CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, name TEXT NOT NULL, "
                   "applied_at TEXT NOT NULL)")
        for version, name, sql in iter_migrations():
            if version >= "0250":
                break
            db.executescript(sql)
            db.execute("INSERT INTO schema_migrations VALUES (?, ?, 'then')", (version, name))
        db.execute("INSERT INTO organizations VALUES ('o', '', NULL, 't', 't')")
        db.execute("INSERT INTO projects (org_id, id, created_at) VALUES ('o', 'p', 't')")
        db.execute("INSERT INTO report_groups (id, org_id, project_id, group_key, title, "
                   "first_reported_at, last_reported_at, created_at, updated_at) "
                   "VALUES ('g', 'o', 'p', 'k', 't', 't', 't', 't', 't')")
        for report_id, at in (("r_2", "2026-01-02"), ("r_1", "2026-01-01"), ("r_3", "2026-01-03")):
            db.execute("INSERT INTO reports (id, org_id, project_id, group_id, status, title, customer_id, "
                       "source, external_id, created_at, updated_at) "
                       "VALUES (?, 'o', 'p', 'g', 'new', 't', 'c', 's', 'X', ?, ?)", (report_id, at, at))
    storage = open_storage(database)
    assert "0250" in storage.upgrade()
    with storage.snapshot() as tx:
        rows = tx.query("SELECT id, external_id FROM reports ORDER BY id")
    assert rows == [{"id": "r_1", "external_id": "X"}, {"id": "r_2", "external_id": None},
                    {"id": "r_3", "external_id": None}]
    storage.close()


def test_intake_is_rate_limited_per_key_across_app_instances(
    make_app: Callable[..., Flask], make_key: Callable[..., str]
) -> None:
    """Two apps on one database stand for two workers or instances: they share one count per key."""
    first, second = make_app(intake_rate_limit=3).test_client(), make_app(intake_rate_limit=3).test_client()
    key, other_key = make_key(), make_key()
    answers = [post(client, key, {"title": f"r{i}", "customerId": "c"}).status_code
               for i, client in enumerate([first, second, first])]
    assert answers == [201, 201, 201]
    limited = post(second, key, {"title": "r4", "customerId": "c"})
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= ratelimit.WINDOW_SECONDS
    error = limited.get_json()["error"]
    assert error["code"] == "rate_limited"
    assert error["details"] == {"retryAfterSeconds": int(limited.headers["Retry-After"])}
    assert post(first, other_key, {"title": "r5", "customerId": "c"}).status_code == 201  # per key


def test_the_window_resets_and_old_windows_are_deleted(storage: Storage) -> None:
    from backend import errors

    start = 1_800_000_000.0  # a window boundary (divisible by 60)
    with storage.transaction() as tx:
        for _ in range(2):
            ratelimit.count_request(tx, "k1", 2, now=start + 1)
    with storage.transaction() as tx:
        try:
            ratelimit.count_request(tx, "k1", 2, now=start + 50)
        except errors.RateLimited as exc:
            assert exc.retry_after == 10
        else:
            raise AssertionError("the third request in the window was not limited")
    with storage.transaction() as tx:
        ratelimit.count_request(tx, "k1", 2, now=start + 61)  # the next window
        rows = tx.query("SELECT window_start, requests FROM intake_rate_counts WHERE key_id = 'k1'")
    assert rows == [{"window_start": int(start) + 60, "requests": 1}]


def test_the_default_limit_is_documented() -> None:
    from backend.config import DEFAULT_INTAKE_RATE_LIMIT

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    [row] = [line for line in readme.splitlines() if line.startswith("| `REPORT_BRIDGE_INTAKE_RATE_LIMIT`")]
    assert row.split(" | ")[1] == f"`{DEFAULT_INTAKE_RATE_LIMIT}`"


def test_admitting_a_request_in_a_new_window_forgets_the_old_ones(
    storage: Storage, make_key: Callable[..., str]
) -> None:
    """The route's path (intake's one statement on PostgreSQL, three steps on SQLite) keeps the table
    small too."""
    key, start = make_key(), 1_800_000_000.0
    for moment in (start + 1, start + 2, start + 61):
        key_id = count_as_the_route_does(storage, key, moment)
    with storage.snapshot() as tx:
        rows = tx.query("SELECT window_start, requests FROM intake_rate_counts WHERE key_id = :key",
                        {"key": key_id})
    assert rows == [{"window_start": int(start) + 60, "requests": 1}]


def count_as_the_route_does(storage: Storage, key: str, moment: float) -> str:
    """Count one intake request at `moment` the way the route does on this engine; return the key id."""
    if storage.dialect == "postgresql":
        verified = KnownKeys().verify(storage, key)
        body = {"title": "t", "customerId": "c"}
        intake_postgres.store(storage, verified, body, None, 5, lambda tx: "unused", now=moment)
        return verified.id
    with storage.transaction() as tx:
        key_id = intake_keys.verify_key(tx, key).id
        ratelimit.count_request(tx, key_id, 5, now=moment)
    return key_id


def test_an_instance_of_the_previous_version_still_counts_during_a_rolling_upgrade(storage: Storage) -> None:
    """0350 counts in a new table and leaves 0251's in place, so the previous version's statement (one
    row per key and window) still works on an upgraded database while its instances are replaced."""
    previous_count = (
        "INSERT INTO intake_rate_limits (key_id, window_start, requests) VALUES (:key, :window, 1) "
        "ON CONFLICT (key_id, window_start) DO UPDATE SET requests = intake_rate_limits.requests + 1 "
        "RETURNING requests"
    )
    for expected in (1, 2):
        with storage.transaction() as tx:
            assert tx.query_one(previous_count, {"key": "k-old", "window": 1_800_000_000}) == {
                "requests": expected}
