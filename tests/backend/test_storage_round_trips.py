"""Storage: what saves PostgreSQL round trips and planning keeps each engine's meaning.

A single read is one statement outside an explicit transaction; a PreparedSQL first statement travels
in one pipeline with BEGIN and still rolls back with its transaction; PreparedSQL is planned once per
connection. Each holds on both engines where it means something on both.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.reports import queries
from backend.storage import ConstraintViolation, PreparedSQL, Storage, StorageError, open_storage

INSERT_ORG = PreparedSQL(
    "INSERT INTO organizations (id, name, created_at, updated_at) VALUES (:id, :name, 't', 't')"
)


@pytest.fixture
def storage(tmp_path: Path, database_url: str | None) -> Iterator[Storage]:
    """A migrated database on each engine: a SQLite file, or an empty PostgreSQL database."""
    opened = open_storage(database_url or tmp_path / "db.sqlite")
    opened.upgrade()
    yield opened
    opened.close()


def org_names(storage: Storage) -> list[str]:
    with storage.snapshot() as tx:
        return [row["name"] for row in tx.query("SELECT name FROM organizations ORDER BY id")]


def test_a_single_read_answers_one_query_and_refuses_a_second_or_a_write(storage: Storage) -> None:
    with storage.transaction() as tx:
        tx.execute(INSERT_ORG, {"id": "o1", "name": "first"})
    with storage.single_read() as tx:
        assert tx.query("SELECT name FROM organizations") == [{"name": "first"}]
        with pytest.raises(StorageError, match="one statement"):
            tx.query_one("SELECT 1 AS one")
    for write in ("execute", "insert"):
        with storage.single_read() as tx, pytest.raises(StorageError, match="does not write"):
            getattr(tx, write)(INSERT_ORG, {"id": "o2", "name": "second"})
    assert org_names(storage) == ["first"]


def test_a_single_read_inside_a_transaction_is_refused(storage: Storage) -> None:
    with storage.transaction(), pytest.raises(StorageError, match="nested"), storage.single_read():
        pass


def test_a_prepared_first_statement_that_fails_rolls_its_transaction_back(storage: Storage) -> None:
    """On PostgreSQL the failing statement and its BEGIN went in one pipeline; the next ones see a
    clean connection, and nothing of the failed transaction is kept."""
    with storage.transaction() as tx:
        tx.execute(INSERT_ORG, {"id": "o1", "name": "first"})
    for _ in range(8):  # past psycopg's prepare threshold, so the failing run is a prepared one too
        with pytest.raises(ConstraintViolation), storage.transaction() as tx:
            tx.execute(INSERT_ORG, {"id": "o1", "name": "again"})
            tx.execute(INSERT_ORG, {"id": "o9", "name": "never"})
    with storage.transaction() as tx:
        tx.execute(INSERT_ORG, {"id": "o2", "name": "second"})
    assert org_names(storage) == ["first", "second"]


def test_a_list_query_is_planned_once_per_connection(storage: Storage, engine: str) -> None:
    """PreparedSQL lists run on a generic plan: PostgreSQL's default re-planned them on every call."""
    if engine != "postgresql":
        pytest.skip("SQLite keeps its compiled statements in sqlite3's own cache; there is no plan mode")
    sql, params = queries.list_query("org", "project", q="x", status="new", limit=25, cursor=None)
    assert isinstance(sql, PreparedSQL)
    with storage.snapshot() as tx:
        for _ in range(8):
            tx.query(sql, params)
        [plans] = tx.query(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE :list",
            {"list": "SELECT r.id%LIMIT $%"},
        )
    assert plans["generic_plans"] >= 1
    assert plans["custom_plans"] == 0
