"""Storage: what saves PostgreSQL round trips and planning keeps each engine's meaning.

A single read is one statement outside an explicit transaction; a PreparedSQL first statement travels
in one pipeline with BEGIN and still rolls back with its transaction; PreparedSQL is planned once per
connection. Each holds on both engines where it means something on both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.auth.organizations import bind_organization
from backend.reports import groups, queries, service
from backend.reports.queries import pack_cursor
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
    sql, params = queries.list_query("org", "project", q=None, status=None, limit=25, cursor=None)
    assert isinstance(sql, PreparedSQL)
    with storage.snapshot() as tx:
        for _ in range(8):
            tx.query(sql, params)
        [plans] = tx.query(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE :list",
            {"list": "SELECT r.id%LIMIT 26"},
        )
    assert plans["generic_plans"] >= 1
    assert plans["custom_plans"] == 0


def test_list_pages_on_their_generic_plans_read_an_index_in_order(storage: Storage, engine: str) -> None:
    """A generic plan sees no parameter values: with a `$n` LIMIT it guessed a tenth of a project's rows
    and, at a million, chose a parallel scan (10 ms a page instead of 0.1). Every prepared list page, in
    every order, first or later, on a database where one project is much larger: the planner expects a
    page of rows, reads them in index order, and neither sorts nor gathers. Filtered and searched pages
    are not prepared: what their values match is what picks their plan."""
    if engine != "postgresql":
        pytest.skip("only PostgreSQL plans prepared statements generically")
    with storage.transaction() as tx:
        bind_organization(tx, "org", "org", None)
        for project, count in (("big", 1500), ("small", 20)):
            service.ensure_project(tx, "org", project)
            for n in range(count):
                data = {"title": f"Problem {n % 300}", "customerId": f"c-{n}", "description": "text"}
                service.create_report(tx, org_id="org", project_id=project, key_id=None, data=data)
        tx.execute("ANALYZE")
    later = queries.encode_cursor("2026-01-01T00:00:00.000000Z", "r_x")
    pages = [queries.list_query("org", "small", q=None, status=None, limit=25, cursor=cursor)
             for cursor in (None, later)]
    for sort in groups.SORTS:
        values = [0 if column.endswith(("_count", "_rank")) else "z" for column in groups.SORTS[sort]]
        for cursor in (None, pack_cursor([sort, *values])):
            pages.append(groups.list_query("org", "small", q=None, status=None, sort=sort, limit=25,
                                           cursor=cursor))
    for filtered in (queries.list_query("org", "small", q="problem", status=None, limit=25, cursor=None),
                     queries.list_query("org", "small", q=None, status="new", limit=25, cursor=None),
                     groups.list_query("org", "small", q="x", status="new", sort="newest", limit=25,
                                       cursor=None)):
        assert not isinstance(filtered[0], PreparedSQL)
    for sql, params in pages:
        assert isinstance(sql, PreparedSQL)
        plan = generic_plan(storage, sql, params)
        assert plan["Node Type"] == "Limit" and plan["Plan Rows"] <= 26, (sql, plan)
        assert not {"Sort", "Incremental Sort", "Gather", "Gather Merge"} & node_types(plan), (sql, plan)


def generic_plan(storage: Storage, sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The plan psycopg's prepared statement runs on, once prepared (past its threshold of 5 runs)."""
    with storage.snapshot() as tx:
        for _ in range(8):
            tx.query(sql, params)
        [prepared] = tx.query(
            "SELECT name, parameter_types::text[] AS types FROM pg_prepared_statements "
            "WHERE generic_plans > 0 ORDER BY prepare_time DESC LIMIT 1"
        )
        # psycopg numbers each parameter name once, in the order of first use.
        names = list(dict.fromkeys(name for name in re.findall(r":([a-z_]\w*)", sql) if name in params))
        arguments = ", ".join(f"CAST(:v{n} AS {kind})" for n, kind in enumerate(prepared["types"]))
        bound = {f"v{n}": params[name] for n, name in enumerate(names)}
        [row] = tx.query(f'EXPLAIN (FORMAT JSON) EXECUTE "{prepared["name"]}"({arguments})', bound)
    document = row["QUERY PLAN"]  # psycopg loads json, but not every version types EXPLAIN's answer so
    plan: dict[str, Any] = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
    return plan


def node_types(plan: dict[str, Any]) -> set[str]:
    return {plan["Node Type"]}.union(*(node_types(child) for child in plan.get("Plans", [])))


def test_a_single_write_commits_one_statement_and_refuses_a_second(storage: Storage) -> None:
    """On PostgreSQL it runs in autocommit (intake's statement); on SQLite in a transaction of its own."""
    with storage.single_write() as tx:
        tx.execute(INSERT_ORG, {"id": "o1", "name": "first"})
        with pytest.raises(StorageError, match="one statement"):
            tx.execute(INSERT_ORG, {"id": "o2", "name": "second"})
    with pytest.raises(ConstraintViolation), storage.single_write() as tx:
        tx.execute(INSERT_ORG, {"id": "o1", "name": "again"})
    with storage.transaction(), pytest.raises(StorageError, match="nested"), storage.single_write():
        pass
    assert org_names(storage) == ["first"]


def test_prepared_sql_binds_each_name_once_and_leaves_literals_and_operators_alone(storage: Storage) -> None:
    """PreparedSQL's placeholders become $1, $2 on PostgreSQL (one number per name, whatever its
    length: intake's statement is past psycopg's 4,096-character parse cache); literals that look like
    placeholders, `::` and `%` pass through unchanged."""
    padding = " AND 1 = 1" * 500  # well past 4,096 characters
    sql = PreparedSQL(
        "SELECT ':not_a_name ?' AS literal, CAST(:x AS text) || :y AS joined, :x = :x AS same, "
        f"7 % 4 AS remainder WHERE :y <> ''{padding}"
    )
    assert len(sql) > 4096
    with storage.snapshot() as tx:
        row = tx.query_one(sql, {"x": "a", "y": "b"})
    assert row is not None and bool(row.pop("same"))  # SQLite answers 1, PostgreSQL true
    assert row == {"literal": ":not_a_name ?", "joined": "ab", "remainder": 3}
