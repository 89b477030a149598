"""How close PostgreSQL can come to SQLite in process: each route's time split into database and app.

Part of `bench/storage_engines.py`. For each route and engine, one more pass of requests measures the
request's time and, on its own thread, the time inside the storage calls (bench/counting.py); the rest
is the app's own work, the same code on both engines. On PostgreSQL the server's execution of the
request's statements is read from pg_stat_statements (the bench's throwaway server loads it, tracking
only during this pass), so what PostgreSQL's SQL costs on the server can be told from what its driver
and round trips cost. From these it prints the best PostgreSQL/SQLite ratio these statements allow on
this machine: SQLite's request time over the app's own work plus PostgreSQL's server execution plus
one round trip, as if the driver and every other round trip were free.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

from bench.counting import CountingStorage, Counts

PRELOAD = "-c shared_preload_libraries=pg_stat_statements"  # tracking: ALTER SYSTEM (a -c would win)


@dataclass(frozen=True)
class Split:
    """One route on one engine, per request, in ms."""

    request: float
    storage: float
    server: float | None = None  # PostgreSQL's execution of the statements, when pg_stat_statements is on

    @property
    def app(self) -> float:
        return self.request - self.storage


def enable_statistics(admin: str, conninfo: str) -> bool:
    """Create pg_stat_statements in the bench database, not tracking until `tracking`; False when the
    server has not loaded it."""
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("SELECT pg_stat_statements_reset()")
    except psycopg.Error:
        return False
    _track(admin, "none")
    return True


def _track(admin: str, level: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"ALTER SYSTEM SET pg_stat_statements.track = '{level}'".encode())
        conn.execute("SELECT pg_reload_conf()")
    time.sleep(0.2)  # idle backends take the reloaded setting; each applies it from its next command


@contextmanager
def tracking(admin: str, conninfo: str) -> Iterator[Callable[[], float]]:
    """Track statements while inside; yield a function that returns the execution ms summed so far."""
    _track(admin, "top")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")

        def executed() -> float:
            row = conn.execute(
                "SELECT COALESCE(SUM(total_exec_time), 0) FROM pg_stat_statements "
                "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND query NOT LIKE '%pg_stat_statements%'"
            ).fetchone()
            return float(row[0]) if row else 0.0

        try:
            yield executed
        finally:
            _track(admin, "none")


def split(storage: CountingStorage, call: Callable[[int], Any], count: int,
          executed: Callable[[], float] | None = None) -> Split:
    """Run `count` requests; return their time per request, in storage and (PostgreSQL) on the server."""
    call(0)  # warm
    storage.counts = Counts()
    server_before = executed() if executed else 0.0
    start = time.perf_counter()
    for n in range(1, count + 1):
        call(n)
    elapsed = time.perf_counter() - start
    server = (executed() - server_before) / count if executed else None
    return Split(elapsed * 1000 / count, storage.counts.seconds * 1000 / count, server)


def report(route: str, sqlite: Split, postgres: Split, trip_ms: float) -> None:
    """Print one route's split on both engines and the best ratio its statements allow."""
    print(f"  {route:<12} sqlite {sqlite.request:.2f} ms, {sqlite.storage:.2f} in storage; postgresql "
          f"{postgres.request:.2f} ms, {postgres.storage:.2f} in storage"
          + (f" ({postgres.server:.2f} executing on the server)" if postgres.server is not None else "")
          + f"; the app's own work {sqlite.app:.2f} and {postgres.app:.2f} ms")
    if postgres.server is None:
        return
    app = min(sqlite.app, postgres.app)
    floor = app + postgres.server + trip_ms
    print(f"  {'':<12} best ratio with these statements here: {sqlite.request:.2f} / ({app:.2f} app + "
          f"{postgres.server:.2f} server + {trip_ms:.2f} one round trip) = {sqlite.request / floor:.2f}")


def run(engines: list[tuple[CountingStorage, dict[str, Callable[[int], Any]], str]], admin: str | None,
        trip_ms: float, count: int) -> None:
    """Print the split of intake and list on (SQLite, PostgreSQL): (storage, routes, target) each; with
    `admin` (the throwaway server's superuser URL) PostgreSQL's server execution too."""
    print("\nper request: the time inside storage calls (request thread), the rest (the app's own work)"
          " and PostgreSQL's server execution:")
    for route in ("intake POST", "list 1k"):
        splits = []
        for storage, calls, target in engines:
            if storage.dialect == "postgresql" and admin is not None:
                with tracking(admin, target) as executed:
                    splits.append(split(storage, calls[route], count, executed))
            else:
                splits.append(split(storage, calls[route], count))
        report(route, splits[0], splits[1], trip_ms)
