"""SQLite vs PostgreSQL side by side: intake POST and list-reports figures, and statements per request.

One process, one run: the same app code on each engine (a SQLite file, and a database on a throwaway
PostgreSQL server, or on REPORT_BRIDGE_TEST_DATABASE_URL's), requests driven in process through
Flask's test client, so the figures compare the engines' cost per request rather than HTTP servers.
Engines take turns every BATCH requests (in the order A B B A), so a host whose speed drifts from one
second to the next slows both alike; the spread of the batches' paired ratios is printed beside the
ratio, and `/me` (no database work) shows what that resolution is. Printed:
requests/s, p50/p99 per engine and the PostgreSQL/SQLite throughput ratio (aim >= 0.8); list p50 at
1,000 and at `--big` rows on PostgreSQL (aim: big <= 2x); database statements and round trips per
request for each route, counted (not timed) on the request's own thread, beside the time of one round
trip, so what PostgreSQL's socket costs a route can be told from what its server work does. Last, the
same two databases served by gunicorn and driven over HTTP (bench/served_engines.py): the throughput an
operator's instance gets, where a worker waiting on PostgreSQL leaves the CPU to another.

    python bench/storage_engines.py [--requests 400] [--rounds 3] [--big 1000000]
                                    [--served-duration 10] [--served-rounds 3] [--workers N]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend import create_app  # noqa: E402
from backend.audit.request_hook import audit_writer  # noqa: E402
from backend.auth import intake_keys  # noqa: E402
from backend.auth.organizations import ORG_ID_HEADER, ORG_NAME_HEADER, bind_organization  # noqa: E402
from backend.config import Settings  # noqa: E402
from backend.devtools.tokens import mint_app_token  # noqa: E402
from backend.reports import service  # noqa: E402
from backend.serve import default_workers  # noqa: E402
from backend.storage import Storage, open_storage  # noqa: E402
from bench import engine_floor, served_engines  # noqa: E402
from bench.counting import CountingStorage, Counts  # noqa: E402

ORG, TENANT, USER = "bench-org", "bench-tenant", "bench-user"
SMALL = 1_000
# Requests per engine between turns: a few tens of ms, shorter than this VM's swings in speed. With turns
# of a whole round (300 requests a route, engine after engine), `/me`, which does no database work,
# measured 0.62-1.13 PostgreSQL/SQLite across runs.
BATCH = 20


@dataclass
class Engine:
    """One engine's app, client and credentials."""

    name: str
    storage: CountingStorage
    app: Flask
    client: FlaskClient
    key: str
    ui: dict[str, str]
    target: str
    samples: dict[str, list[float]] = field(default_factory=dict)
    batches: dict[str, list[float]] = field(default_factory=dict)  # each batch's total time, in order


def build(name: str, target: Path | str, secret: str) -> Engine:
    storage = CountingStorage(open_storage(target))
    storage.upgrade()
    # The limiter still counts every intake (its statement is part of the cost), but never refuses:
    # a round sends more than a minute's default limit from one key.
    settings = Settings(extension_secret=secret, database=Path("unused.db"), audit_sync=False,
                        intake_rate_limit=1_000_000_000)
    app = create_app(settings, storage=storage)
    with storage.transaction() as tx:
        bind_organization(tx, ORG, "bench", TENANT)
        for project in ("p-intake", "p-small", "p-big"):
            service.ensure_project(tx, ORG, project)
        _, key = intake_keys.create_key(tx, org_id=ORG, project_id="p-intake", name="bench")
    token = mint_app_token(secret, user_id=USER, tenant_id=TENANT, audience=None)
    ui = {"Authorization": f"Bearer {token}", ORG_ID_HEADER: ORG, ORG_NAME_HEADER: "bench"}
    seed(storage, "p-small", SMALL)
    return Engine(name, storage, app, app.test_client(), key, ui, str(target))


def seed(storage: Storage, project: str, rows: int) -> None:
    """Put `rows` reports of one group into a project (one INSERT ... SELECT on PostgreSQL)."""
    with storage.transaction() as tx:
        group = service.create_report(tx, org_id=ORG, project_id=project, key_id=None,
                                      data={"title": "Seeded", "customerId": "c-0"})
        group_id = tx.query_one("SELECT group_id FROM reports WHERE id = :id", {"id": group})
        assert group_id is not None
        if storage.dialect == "postgresql":
            tx.execute(
                "INSERT INTO reports (id, org_id, project_id, group_id, status, title, customer_id, "
                "created_at, updated_at) SELECT 'r_' || :project || '_' || n, :org, :project, :group, 'new', "
                "'Seeded ' || n, 'c-' || (n % 500), "
                "to_char(timestamp '2026-01-01' + n * interval '1 second', "
                "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
                "'2026-01-01T00:00:00.000000Z' "
                "FROM generate_series(1, :rows) AS n",
                {"org": ORG, "project": project, "group": group_id["group_id"], "rows": rows - 1},
            )
        else:
            tx.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows) "
                "INSERT INTO reports (id, org_id, project_id, group_id, status, title, customer_id, "
                "created_at, updated_at) SELECT 'r_' || :project || '_' || i, :org, :project, :group, 'new', "
                "'Seeded ' || i, 'c-' || (i % 500), "
                "strftime('%Y-%m-%dT%H:%M:%S.000000Z', '2026-01-01', '+' || i || ' seconds'), "
                "'2026-01-01T00:00:00.000000Z' FROM n",
                {"org": ORG, "project": project, "group": group_id["group_id"], "rows": rows - 1},
            )
    if storage.dialect == "postgresql":
        # VACUUM too, not only ANALYZE: a bulk load's first vacuum (autovacuum's, a minute later) scans
        # the whole table, and it fell in the served rounds that followed (list 0.63-0.73 of SQLite with
        # it, 0.79-0.81 without). A table of 1,000,000 rows in service has had that vacuum long before.
        with storage.single_write() as tx:
            tx.execute("VACUUM (ANALYZE) reports")


def timed(engine: Engine, route: str, call: Callable[[int], Any], numbers: range) -> None:
    latencies = engine.samples.setdefault(route, [])
    began = len(latencies)
    for n in numbers:
        start = time.perf_counter()
        response = call(n)
        latencies.append(time.perf_counter() - start)
        assert response.status_code in (200, 201), (route, response.status_code, response.get_json())
    engine.batches.setdefault(route, []).append(sum(latencies[began:]))


def take_turns(engines: list[Engine], run: str, count: int) -> None:
    """Send `count` requests per route to each engine, BATCH at a time, the engines in turn (A B B A)."""
    order = [(engine, routes(engine, run)) for engine in engines]
    for turn, first in enumerate(range(0, count, BATCH)):
        numbers = range(first, min(first + BATCH, count))
        for route in order[0][1]:
            for engine, call in order if turn % 2 == 0 else reversed(order):
                timed(engine, route, call[route], numbers)


def routes(engine: Engine, run: str) -> dict[str, Callable[[int], Any]]:
    client = engine.client
    key_headers = {"Authorization": f"Bearer {engine.key}"}
    return {
        "intake POST": lambda n: client.post(
            "/api/v1/intake/reports", headers={**key_headers, "Idempotency-Key": f"{run}-{n}"},
            json={"title": f"Problem {n % 50}", "customerId": f"c-{n}"},
        ),
        "list 1k": lambda n: client.get("/api/v1/projects/p-small/reports?limit=25", headers=engine.ui),
        "me": lambda n: client.get("/api/v1/me", headers=engine.ui),
    }


def round_trips(engine: Engine) -> dict[str, tuple[int, int]]:
    """Return (statements, transactions) of one warm request per route."""
    figures = {}
    for route, call in routes(engine, "count-" + secrets.token_hex(3)).items():
        call(0)  # warm: token cache, organization binding cache
        engine.storage.counts = Counts()
        call(1)
        figures[route] = (engine.storage.counts.statements, engine.storage.counts.transactions)
    return figures


def round_trip_times(storage: Storage, count: int) -> list[float]:
    """Time one statement that asks the server nothing: the cost of a round trip through the pool."""
    samples = []
    with storage.snapshot() as tx:
        tx.query_one("SELECT 1")  # the first statement carries BEGIN
        for _ in range(count):
            start = time.perf_counter()
            tx.query_one("SELECT 1")
            samples.append(time.perf_counter() - start)
    return samples


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per route per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--big", type=int, default=1_000_000, help="rows for the PostgreSQL list figure")
    parser.add_argument("--served-duration", type=int, default=10, help="seconds per served round; 0 skips")
    parser.add_argument("--served-rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=default_workers(), help="gunicorn workers (served)")
    parser.add_argument("--connections", type=int, help="load generator connections (default 2 x workers)")
    args = parser.parse_args()

    import os

    import psycopg
    from psycopg.conninfo import make_conninfo

    from tests.conftest import TEST_DATABASE_URL  # the same throwaway server the tests use
    from tests.pg_server import ThrowawayServer

    external = os.environ.get(TEST_DATABASE_URL)
    server = None if external else ThrowawayServer.start(settings=engine_floor.PRELOAD)
    admin = external or (server.url() if server else "")
    dbname = f"rb_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"'.encode())
    database = make_conninfo(admin, dbname=dbname)
    secret = secrets.token_urlsafe(32)
    # Our own server only: statement tracking is switched on and off with ALTER SYSTEM.
    tracking_admin = admin if server is not None and engine_floor.enable_statistics(admin, database) else None
    try:
        with tempfile.TemporaryDirectory() as folder:
            engines = [
                build("sqlite", Path(folder) / "bench.db", secret),
                build("postgresql", database, secret),
            ]
            trip: list[float] = []
            for round_no in range(args.rounds):
                take_turns(engines, f"r{round_no}", args.requests)
                trip += round_trip_times(engines[1].storage, args.requests)
            report(engines)
            counts = {engine.name: round_trips(engine) for engine in engines}
            trip_ms = statistics.median(trip) * 1000
            print(f"\nstatements per request, counted on the request thread; PostgreSQL round trips ="
                  f" statements + one COMMIT per transaction (BEGIN travels with the first statement;"
                  f" a single read or write has neither);"
                  f" one round trip (SELECT 1 inside a transaction) p50 {trip_ms:.2f} ms:")
            for route in counts["postgresql"]:
                parts = []
                for name in ("sqlite", "postgresql"):
                    statements, transactions = counts[name][route]
                    parts.append(f"{name} {statements} statements in {transactions} transaction(s)")
                trips = sum(counts["postgresql"][route])
                p50 = percentile(engines[1].samples[route], 0.5)
                print(f"  {route:<12} {'; '.join(parts)}; PostgreSQL round trips {trips}"
                      f" = {trips * trip_ms:.2f} of its p50 {p50:.2f} ms")
            engine_floor.run([(e.storage, routes(e, "floor"), e.target) for e in engines],
                             tracking_admin, trip_ms, args.requests)
            big(engines[1], args.big, args.requests)
            if args.served_duration > 0:
                serve_both(engines, secret, args, args.workers)
                if server is not None and len(os.sched_getaffinity(0)) > 1:
                    with served_engines.database_cpu(server.postmaster()) as app:
                        shape = f", PostgreSQL on a CPU of its own, the app and wrk on the other {len(app)}"
                        serve_both(engines, secret, args, default_workers(), shape)  # for the app's CPUs
    finally:
        for engine in locals().get("engines", []):
            writer = audit_writer(engine.app)
            if writer is not None:
                writer.close()
            engine.storage.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'.encode())
        if server is not None:
            server.stop()


def serve_both(
    engines: list[Engine], secret: str, args: argparse.Namespace, workers: int, shape: str = ""
) -> None:
    """Serve each engine's database with gunicorn at once and drive both in turns (bench/served_engines)."""
    with served_engines.served(engines[0].target, secret, workers) as first, \
            served_engines.served(engines[1].target, secret, workers) as second:
        targets = [served_engines.Target(e.name, base, {"Authorization": f"Bearer {e.key}"}, e.ui)
                   for e, base in zip(engines, [first, second], strict=True)]
        served_engines.drive(targets, args.served_duration, args.served_rounds,
                             args.connections or 2 * workers, shape)


def report(engines: list[Engine]) -> None:
    print(f"{'route':<12} {'engine':<11} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    rates: dict[tuple[str, str], float] = {}
    for route in engines[0].samples:
        for engine in engines:
            values = engine.samples[route]
            rate = len(values) / sum(values)
            rates[(route, engine.name)] = rate
            print(f"{route:<12} {engine.name:<11} {rate:>8.0f} {percentile(values, 0.5):>8.2f} "
                  f"{percentile(values, 0.99):>8.2f}")
        ratio = rates[(route, "postgresql")] / rates[(route, "sqlite")]
        paired = sorted(a / b for a, b in zip(engines[0].batches[route], engines[1].batches[route],
                                              strict=True))
        quartiles = f"{paired[len(paired) // 4]:.2f}-{paired[3 * len(paired) // 4]:.2f}"
        print(f"{route:<12} PostgreSQL/SQLite throughput ratio {ratio:.2f} (aim >= 0.8; the middle half of"
              f" {len(paired)} paired batches {quartiles})")


def big(engine: Engine, rows: int, count: int) -> None:
    start = time.perf_counter()
    seed(engine.storage, "p-big", rows)
    print(f"\nseeded {rows:,} rows on PostgreSQL in {time.perf_counter() - start:.0f} s")
    small: list[float] = []
    large: list[float] = []
    for _ in range(count):
        for project, into in (("p-small", small), ("p-big", large)):
            began = time.perf_counter()
            response = engine.client.get(f"/api/v1/projects/{project}/reports?limit=25", headers=engine.ui)
            into.append(time.perf_counter() - began)
            assert response.status_code == 200
    ratio = statistics.median(large) / statistics.median(small)
    print(f"list p50 at {SMALL:,} rows {percentile(small, 0.5):.2f} ms, at {rows:,} rows "
          f"{percentile(large, 0.5):.2f} ms: ratio {ratio:.2f} (aim <= 2)")


if __name__ == "__main__":
    main()
