"""Outbox throughput with 1, 2 and 4 `report-bridge worker` processes over one PostgreSQL database.

For each worker count: a fresh database on a throwaway PostgreSQL server (or on
REPORT_BRIDGE_TEST_DATABASE_URL's), the local Azure DevOps emulator in its own process, the workers
started and connected first, then `--rows` report groups with auto-create on committed in one
transaction (one create_bug row each: a WIQL query, a create and a link per row). Printed: rows/s
from that commit until every row is done, and the speed-up over one worker. The emulator is one
process too, so on a small machine it bounds the figure as well.

    python bench/outbox_workers.py [--rows 300] [--counts 1,2,4]
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
from psycopg.conninfo import make_conninfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.auth.organizations import bind_organization  # noqa: E402
from backend.reports import service  # noqa: E402
from backend.storage import Storage, open_storage  # noqa: E402

ORG, ORG_ID, PROJECT_NAME = "bench", "bench-org-id", "Bench"
PROJECT_ID = "11111111-2222-3333-4444-555555555555"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(check: Callable[[], bool], timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise SystemExit("timed out")


def run_once(admin: str, workers: int, rows: int) -> float:
    """Return rows/s for one worker count."""
    dbname = f"rb_outbox_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"'.encode())
    url = make_conninfo(admin, dbname=dbname)
    storage = open_storage(url)
    storage.upgrade()
    pat, port = secrets.token_urlsafe(24), free_port()
    env = {
        **os.environ, "REPORT_BRIDGE_AZDO_PAT": pat, "REPORT_BRIDGE_DATABASE_URL": url,
        "REPORT_BRIDGE_EXTENSION_SECRET": secrets.token_urlsafe(32), "REPORT_BRIDGE_AZDO_AUTH_MODE": "pat",
        "REPORT_BRIDGE_AZDO_ORG_URLS": f"http://127.0.0.1:{port}/{ORG}", "REPORT_BRIDGE_LOG_LEVEL": "ERROR",
        "REPORT_BRIDGE_DATABASE_POOL_SIZE": "2",
    }
    children = [subprocess.Popen(
        [sys.executable, "-m", "backend.devtools.ado_emulator", "--port", str(port),
         "--organization", ORG, "--project", f"{PROJECT_ID}={PROJECT_NAME}"],
        env=env, stderr=subprocess.DEVNULL, start_new_session=True,
    )]
    try:
        wait_until(lambda: _answers(f"http://127.0.0.1:{port}/_emulator/stats"))
        with storage.transaction() as tx:
            bind_organization(tx, ORG_ID, ORG, None)
            service.ensure_project(tx, ORG_ID, PROJECT_ID, PROJECT_NAME)
            service.set_auto_create_bug(tx, ORG_ID, PROJECT_ID, True)
        for _ in range(workers):
            children.append(subprocess.Popen(
                [str(BIN / "report-bridge"), "worker", "--poll", "0.1"], env=env,
                stderr=subprocess.DEVNULL, start_new_session=True,
            ))
        wait_until(lambda: _connected(admin, dbname) >= workers)  # every worker polls the database
        with storage.transaction() as tx:
            for n in range(rows):
                service.create_report(tx, org_id=ORG_ID, project_id=PROJECT_ID, key_id=None,
                                      data={"title": f"Problem {n}", "customerId": "c-1"})
        start = time.perf_counter()
        wait_until(lambda: _pending(storage) == 0, 900)
        elapsed = time.perf_counter() - start
    finally:
        for child in reversed(children):  # the workers first: they finish against a live emulator
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait(30)
        storage.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'.encode())
    return rows / elapsed


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _connected(admin: str, dbname: str) -> int:
    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(DISTINCT pid) FROM pg_stat_activity WHERE datname = %s AND application_name = "
            "'report-bridge'", (dbname,)
        ).fetchone()
    return int(row[0]) if row else 0


def _pending(storage: Storage) -> int:
    with storage.snapshot() as tx:
        row = tx.query_one("SELECT count(*) AS n FROM outbox WHERE status <> 'done'")
    return int(row["n"]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--counts", default="1,2,4")
    args = parser.parse_args()
    from tests.conftest import TEST_DATABASE_URL
    from tests.pg_server import ThrowawayServer

    server = None if os.environ.get(TEST_DATABASE_URL) else ThrowawayServer.start()
    admin = os.environ.get(TEST_DATABASE_URL) or (server.url() if server else "")
    try:
        rates = {}
        for count in (int(c) for c in args.counts.split(",")):
            rates[count] = run_once(admin, count, args.rows)
            base = rates[min(rates)]
            print(f"{count} worker(s): {rates[count]:7.1f} rows/s  ({rates[count] / base:.2f} x one worker)",
                  flush=True)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
