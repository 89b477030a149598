"""The audit writer: multi-row inserts, when a batch commits, busy databases, idle flushes, fork."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from backend.app_state import get_storage
from backend.audit.request_hook import audit_writer
from backend.audit.rows import record_many
from backend.audit.writer import AuditWriter
from backend.logs import JsonFormatter, request_id_for
from backend.storage import Storage, utcnow

from .conftest import write_lock_held

Headers = Callable[..., dict[str, str]]


@pytest.mark.parametrize("count", [1, 79, 80, 81, 161])
def test_record_many_keeps_every_row_in_order(storage: Storage, count: int) -> None:
    row = {"actor": "user", "method": "GET", "route": "/x", "status_code": 200, "outcome": "ok"}
    entries = [{**row, "request_id": f"r{n}"} for n in range(count)]
    with storage.transaction() as tx:
        record_many(tx, entries)
    with storage.snapshot() as tx:
        rows = tx.query("SELECT request_id, target FROM audit_log ORDER BY id")
    assert [row["request_id"] for row in rows] == [f"r{n}" for n in range(count)]
    assert {row["target"] for row in rows} == {"{}"}


def test_many_calls_through_the_writer_are_all_committed(
    app: Flask, client: FlaskClient, ui_headers: Headers
) -> None:
    headers = ui_headers()
    for n in range(600):  # more than one MAX_BATCH and many insert chunks
        client.get("/api/v1/me", headers={**headers, "X-Request-Id": f"call-{n}"})
    writer = audit_writer(app)
    assert writer is not None
    writer.flush()
    with get_storage(app).snapshot() as tx:
        rows = tx.query("SELECT request_id FROM audit_log ORDER BY id")
    assert [row["request_id"] for row in rows] == [f"call-{n}" for n in range(600)]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_writes_its_own_rows(app: Flask, client: FlaskClient, ui_headers: Headers) -> None:
    client.get("/api/v1/me", headers={**ui_headers(), "X-Request-Id": "parent"})
    with warnings.catch_warnings():  # Python 3.12+ warns when forking with threads, as gunicorn never does
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # child: the inherited writer must start its own thread and commit its own row
        code = 1
        try:
            client.get("/api/v1/me", headers={**ui_headers(), "X-Request-Id": "child"})
            writer = audit_writer(app)
            assert writer is not None
            writer.close()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    writer = audit_writer(app)
    assert writer is not None
    writer.flush()
    with get_storage(app).snapshot() as tx:
        ids = sorted(row["request_id"] for row in tx.query("SELECT request_id FROM audit_log"))
    assert ids == ["child", "parent"]


def test_log_lines_carry_the_request_id(app: Flask) -> None:
    record = logging.LogRecord("backend.test", logging.INFO, __file__, 1, "hello", None, None)
    with app.test_request_context("/api/v1/me"):
        expected = request_id_for(request.environ)  # what the WSGI layer does before Flask runs
        line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == expected and len(expected) == 32
    assert "request_id" not in json.loads(JsonFormatter().format(record))


def audit_row(request_id: str) -> tuple[object, ...]:
    """An audit row in column order, as the API builds them."""
    return (utcnow(), request_id, "org", "user", "u", "t", None, "GET", "/api/v1/me", "{}", 200, "ok")


def committed(storage: Storage) -> list[str]:
    with storage.snapshot() as tx:
        return [row["request_id"] for row in tx.query("SELECT request_id FROM audit_log ORDER BY id")]


def test_a_response_commits_the_queue_only_once_a_batch_is_due(storage: Storage) -> None:
    writer = AuditWriter(storage, batch_rows=3, batch_window=3600, idle_flush=3600)
    try:
        for n in range(2):
            writer.submit(audit_row(f"r{n}"))
            writer.commit_if_due()
        assert committed(storage) == []  # neither full nor old: stays queued
        writer.submit(audit_row("r2"))
        writer.commit_if_due()  # a full batch: committed on this thread, at once
        assert committed(storage) == ["r0", "r1", "r2"]
    finally:
        writer.close()


def test_a_busy_database_leaves_the_rows_queued_instead_of_waiting(storage: Storage, engine: str) -> None:
    if engine == "postgresql":
        pytest.skip("PostgreSQL has no database-wide write lock to be busy on: see the test below")
    writer = AuditWriter(storage, batch_rows=1, batch_window=3600, idle_flush=3600)
    with write_lock_held(storage):
        writer.submit(audit_row("while-busy"))
        writer.commit_if_due()  # returns at once: the lock is taken
    assert committed(storage) == []
    writer.submit(audit_row("after"))
    writer.commit_if_due()
    assert committed(storage) == ["while-busy", "after"]
    writer.close()


def test_on_postgresql_audit_rows_go_in_while_another_writer_is_open(storage: Storage, engine: str) -> None:
    if engine != "postgresql":
        pytest.skip("SQLite has one writer at a time: see the test above")
    writer = AuditWriter(storage, batch_rows=1, batch_window=3600, idle_flush=3600)
    with write_lock_held(storage):  # another write transaction is open meanwhile
        writer.submit(audit_row("while-another-writes"))
        writer.commit_if_due()
        assert committed(storage) == ["while-another-writes"]
    writer.close()


def test_an_idle_worker_s_rows_are_committed_by_the_background_thread(storage: Storage) -> None:
    writer = AuditWriter(storage, batch_rows=1000, batch_window=3600, idle_flush=0.05)
    try:
        writer.submit(audit_row("idle"))  # no response will come to commit it
        deadline = time.monotonic() + 30
        while not committed(storage) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert committed(storage) == ["idle"]
    finally:
        writer.close()


def test_closing_an_idle_writer_does_not_wait_for_its_flush_interval(storage: Storage) -> None:
    writer = AuditWriter(storage, batch_rows=1000, batch_window=3600, idle_flush=3600)
    before = set(threading.enumerate())
    writer.submit(audit_row("queued"))
    (thread,) = set(threading.enumerate()) - before
    writer.close()  # the thread sleeps on an Event that close() sets, so it ends instead of sleeping on
    assert not thread.is_alive()
    assert committed(storage) == ["queued"]
