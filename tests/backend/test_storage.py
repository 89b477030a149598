"""Storage: migrations from an empty database, SQLite settings, transactions, and indexed list queries."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from backend.reports import queries
from backend.storage import (
    ConstraintViolation,
    Storage,
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


@pytest.fixture
def target(tmp_path: Path, database_url: str | None) -> Path | str:
    """Where a test's database lives, on each engine: a SQLite file, or an empty PostgreSQL database."""
    return database_url or tmp_path / "fresh" / "db.sqlite"


TABLE_NAMES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "postgresql": "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'",
}


def test_migrations_apply_in_order_on_an_empty_database(target: Path | str, engine: str) -> None:
    storage = open_storage(target)
    expected = [version for version, _, _ in iter_migrations(engine)]
    assert expected[0] == "0001" and expected == sorted(expected)
    assert expected == [version for version, _, _ in iter_migrations()]  # one sequence for both
    assert storage.upgrade() == expected
    assert storage.upgrade() == []
    assert storage.applied_versions() == expected
    with storage.snapshot() as tx:
        names = {row["name"] for row in tx.query(TABLE_NAMES[engine])}
    assert TABLES <= names
    storage.close()


def test_a_dialect_file_replaces_the_portable_one_under_the_same_name() -> None:
    portable = {version: (name, sql) for version, name, sql in iter_migrations("sqlite")}
    postgres = {version: (name, sql) for version, name, sql in iter_migrations("postgresql")}
    assert portable.keys() == postgres.keys()
    assert postgres["0001"][0] == portable["0001"][0] == "0001_initial.sql"
    assert ") WITHOUT ROWID;" in portable["0001"][1] and ") WITHOUT ROWID;" not in postgres["0001"][1]
    assert postgres["0100"] == portable["0100"]  # portable: the same file on both


def test_second_process_sees_the_schema_without_reapplying(target: Path | str) -> None:
    first, second = open_storage(target), open_storage(target)
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


def test_transaction_rolls_back_on_error(target: Path | str) -> None:
    storage = open_storage(target)
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
    storage = open_storage(database)  # a SQLite path or a PostgreSQL connection string
    for n in range(count):
        with storage.transaction() as tx:
            tx.execute(
                "INSERT INTO organizations (id, name, created_at, updated_at) VALUES (:id, '', 't', 't')",
                {"id": f"org-{worker}-{n}"},
            )
    storage.close()


def test_concurrent_writer_processes_all_commit(target: Path | str) -> None:
    import multiprocessing

    database = target
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
    client: FlaskClient, make_key: Callable[..., str], storage: Storage
) -> None:
    key = make_key()
    with storage.transaction() as tx:  # another process breaks the schema underneath the app
        tx.execute("DROP TABLE reports CASCADE" if storage.dialect == "postgresql" else "DROP TABLE reports")
    response = client.get("/api/v1/intake/reports/r_1", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "storage_unavailable"


def test_a_sqlite_url_names_a_sqlite_file(tmp_path: Path) -> None:
    storage = open_storage(f"sqlite:///{tmp_path}/by-url.db")
    assert storage.dialect == "sqlite" and storage.upgrade()
    storage.close()
    assert (tmp_path / "by-url.db").exists()
    with pytest.raises(StorageError, match="needs a path"):
        open_storage("sqlite:")
