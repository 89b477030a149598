"""Storage: migrations from an empty database, SQLite settings, transactions, and indexed list queries."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from backend.config import Settings
from backend.reports import queries
from backend.storage import (
    ConstraintViolation,
    StorageBusy,
    StorageError,
    Tx,
    format_time,
    iter_migrations,
    open_storage,
    utcnow,
)
from backend.storage.sqlite import SQLiteStorage

from .conftest import write_lock_held

TABLES = {
    "organizations",
    "projects",
    "report_groups",
    "group_customers",
    "reports",
    "intake_keys",
    "idempotency_keys",
    "audit_log",
    "outbox",
    "work_items",
    "schema_migrations",
}


def test_migrations_apply_in_order_on_an_empty_database(tmp_path: Path) -> None:
    storage = open_storage(tmp_path / "fresh" / "db.sqlite")
    expected = [version for version, _, _ in iter_migrations()]
    assert expected[0] == "0001" and expected == sorted(expected)
    assert storage.upgrade() == expected
    assert storage.upgrade() == []
    assert storage.applied_versions() == expected
    with storage.snapshot() as tx:
        names = {row["name"] for row in tx.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert TABLES <= names
    storage.close()


def test_second_process_sees_the_schema_without_reapplying(tmp_path: Path) -> None:
    first, second = open_storage(tmp_path / "db.sqlite"), open_storage(tmp_path / "db.sqlite")
    assert first.upgrade()
    assert second.upgrade() == []
    first.close()
    second.close()


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    storage = open_storage(tmp_path / "db.sqlite")
    storage.upgrade()
    with storage.snapshot() as tx:
        assert tx.query_one("PRAGMA journal_mode") == {"journal_mode": "wal"}
        assert tx.query_one("PRAGMA foreign_keys") == {"foreign_keys": 1}
        assert tx.query_one("PRAGMA busy_timeout") == {"timeout": 5000}
    with pytest.raises(ConstraintViolation), storage.transaction() as tx:
        tx.execute("INSERT INTO projects (org_id, id, created_at) VALUES ('no-such-org', 'p', 'now')")
    storage.close()


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    storage = open_storage(tmp_path / "db.sqlite")
    storage.upgrade()

    def write(tx: Tx) -> None:
        tx.execute("INSERT INTO organizations (id, name, created_at, updated_at) VALUES ('o', 'n', 't', 't')")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError), storage.transaction() as tx:
        write(tx)
    with storage.snapshot() as tx:
        assert tx.query("SELECT * FROM organizations") == []
    with storage.transaction() as tx, pytest.raises(StorageError), storage.transaction():
        pass  # nesting is refused rather than silently committing the outer transaction
    storage.close()


def test_unwritable_location_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StorageError, match="cannot open database"):
        SQLiteStorage(blocker / "db.sqlite").upgrade()


@pytest.mark.parametrize(
    ("options", "index"),
    [
        ({"q": None, "status": None, "cursor": None}, "reports_list"),
        ({"q": None, "status": "new", "cursor": None}, "reports_by_status"),
        (
            {
                "q": None,
                "status": None,
                "cursor": queries.encode_cursor("2026-01-01T00:00:00.000000Z", "r_1"),
            },
            "reports_list",
        ),
        ({"q": "login", "status": None, "cursor": None}, "reports_list"),
    ],
)
def test_list_queries_use_an_index_and_no_sort(
    tmp_path: Path, options: dict[str, str | None], index: str
) -> None:
    storage = open_storage(tmp_path / "db.sqlite")
    storage.upgrade()
    sql, params = queries.list_query("org", "project", limit=25, **options)
    with storage.snapshot() as tx:
        plan = " | ".join(row["detail"] for row in tx.query("EXPLAIN QUERY PLAN " + sql, params))
    assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    storage.close()


def _write_many(database: str, worker: int, count: int) -> None:
    storage = open_storage(Path(database))
    for n in range(count):
        with storage.transaction() as tx:
            tx.execute(
                "INSERT INTO organizations (id, name, created_at, updated_at) VALUES (:id, '', 't', 't')",
                {"id": f"org-{worker}-{n}"},
            )
    storage.close()


def test_concurrent_writer_processes_all_commit(tmp_path: Path) -> None:
    import multiprocessing

    database = tmp_path / "db.sqlite"
    storage = open_storage(database)
    storage.upgrade()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(str(database), w, 100)) for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
    assert [process.exitcode for process in workers] == [0, 0, 0, 0]
    with storage.snapshot() as tx:
        assert tx.query_one("SELECT COUNT(*) AS n FROM organizations") == {"n": 400}
    storage.close()


def test_a_writer_that_will_not_wait_is_told_the_database_is_busy(tmp_path: Path) -> None:
    storage = open_storage(tmp_path / "busy.db")
    storage.upgrade()
    with write_lock_held(storage), pytest.raises(StorageBusy), storage.transaction(wait=False):
        pass
    with storage.transaction(wait=False) as tx:  # free again: no wait needed
        assert tx.query_one("SELECT 1 AS one") == {"one": 1}


def test_utcnow_has_the_stored_form_and_the_current_time() -> None:
    before = datetime.now(UTC)
    stamped = utcnow()
    after = datetime.now(UTC)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", stamped)
    assert format_time(before) <= stamped <= format_time(after)


def test_sqlite_errors_inside_a_transaction_are_storage_errors(tmp_path: Path) -> None:
    """Callers (and the HTTP error handler: 503) only ever see StorageError, never sqlite3's errors."""
    storage = open_storage(tmp_path / "db.sqlite")
    storage.upgrade()
    with pytest.raises(StorageError, match="no such table") as raised, storage.snapshot() as tx:
        tx.query("SELECT * FROM no_such_table")
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
    with sqlite3.connect(tmp_path / "db.sqlite") as other:  # another process breaks the schema
        other.execute("DROP TABLE audit_log")
    for call in ("execute", "insert", "query", "query_one"):
        with pytest.raises(StorageError), storage.transaction() as tx:
            getattr(tx, call)("INSERT INTO audit_log (at) VALUES ('now')")
    with storage.snapshot() as tx:  # and the connection is still usable afterwards
        assert tx.query_one("SELECT COUNT(*) AS n FROM organizations") == {"n": 0}
    storage.close()


def test_a_broken_database_is_a_503_not_a_500(
    client: FlaskClient, make_key: Callable[..., str], settings: Settings
) -> None:
    key = make_key()
    with sqlite3.connect(settings.database) as other:
        other.execute("DROP TABLE reports")
    response = client.get("/api/v1/intake/reports/r_1", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
