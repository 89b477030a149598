"""Racing two writers on PostgreSQL: side A writes in a transaction and holds its commit until side B
is seen waiting for one of A's locks (pg_stat_activity: no sleeps, no timing), then A commits. B runs
in a transaction of its own (race) or opens what it needs itself (race_against: intake's statement).

The fixtures give a fresh database with one organization and project (ORG, PROJECT).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from backend.auth.organizations import bind_organization
from backend.reports import service
from backend.storage import Storage, Tx, open_storage

ORG, PROJECT = "org-race", "proj-race"


@pytest.fixture
def pg_url(postgres_database_factory: Callable[[], str]) -> str:
    return postgres_database_factory()


@pytest.fixture
def pg(pg_url: str) -> Iterator[Storage]:
    storage = open_storage(pg_url, pool_size=4)
    storage.upgrade()
    with storage.transaction() as tx:
        bind_organization(tx, ORG, "race", None)
        service.ensure_project(tx, ORG, PROJECT)
    yield storage
    storage.close()


def wait_for_lock_waiters(url: str, count: int = 1, timeout_s: float = 60.0) -> None:
    """Return once `count` sessions on this database wait for a lock (B is inside the race)."""
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(url, autocommit=True) as admin:
        while time.monotonic() < deadline:
            row = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            ).fetchone()
            if row is not None and row[0] >= count:
                return
            time.sleep(0.02)
    raise AssertionError("side B never waited for side A's lock")


Side = Callable[[Tx], Any]


def race(storage: Storage, url: str, side_a: Side, side_b: Side) -> tuple[Any, Any]:
    """Run A up to its commit, B (in a transaction) until it blocks on A, then commit A; return both."""

    def in_a_transaction() -> Any:
        with storage.transaction() as tx:
            return side_b(tx)

    return race_against(storage, url, side_a, in_a_transaction)


def race_against(storage: Storage, url: str, side_a: Side, side_b: Callable[[], Any]) -> tuple[Any, Any]:
    """Run A up to its commit, B (which opens what it needs) until it blocks on A, then commit A."""
    results: dict[str, Any] = {}
    a_wrote, a_may_commit = threading.Event(), threading.Event()

    def run_a() -> None:
        with storage.transaction() as tx:
            results["a"] = side_a(tx)
            a_wrote.set()
            assert a_may_commit.wait(60)

    def run_b() -> None:
        try:
            results["b"] = side_b()
        except Exception as exc:  # the caller checks which error B got, if any
            results["b"] = exc

    a = threading.Thread(target=run_a)
    a.start()
    assert a_wrote.wait(60)
    b = threading.Thread(target=run_b)
    b.start()
    try:
        wait_for_lock_waiters(url)
    finally:
        a_may_commit.set()
        a.join(60)
        b.join(60)
    return results["a"], results["b"]
