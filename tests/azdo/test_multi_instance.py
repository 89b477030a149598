"""Several backend instances and outbox workers over one PostgreSQL database (issue 12).

Two `report-bridge serve` instances (gunicorn, 2 workers each) and three `report-bridge worker`
processes share one database and one local Azure DevOps emulator that answers some calls with 429
and 503. 2,000 intake reports over 200 groups go to both instances at random, auto-create on. The
end state must be exactly one bug per group, every report stored once, every outbox row done with
its work sent once, no 5xx. The second run SIGKILLs one worker and one whole gunicorn instance
halfway: clients retry on the other instance with the same Idempotency-Key (as a load balancer's
client would), and the killed worker's leased row is taken by another worker after the lease.

No wall-clock assertions: every wait is a generous deadline on a condition.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from backend.auth import intake_keys
from backend.auth.organizations import bind_organization
from backend.devtools.ado_emulator.server import EmulatorServer
from backend.devtools.ado_emulator.state import EmulatorState
from backend.reports import service
from backend.storage import Storage, open_storage

from .support import ORG, ORG_ID, PROJECT_ID, PROJECT_NAME

REPORTS, GROUPS = 2000, 200
LEASE_S = 5
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Processes:
    """Child processes, each in its own session so a whole gunicorn instance can be killed at once."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.children = env, logs, list[subprocess.Popen[bytes]]()

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("wb") as log:  # the child keeps its own copy of the handle
            child = subprocess.Popen(
                [str(BIN / "report-bridge"), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.children.append(child)
        return child

    def kill(self, child: subprocess.Popen[bytes]) -> None:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(30)

    def stop_all(self) -> None:
        for child in self.children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait(30)


def wait_until(check: Callable[[], bool], what: str, timeout_s: float = 600.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def pg_storage(postgres_database_factory: Callable[[], str]) -> Iterator[tuple[str, Storage]]:
    url = postgres_database_factory()
    storage = open_storage(url)
    storage.upgrade()
    yield url, storage
    storage.close()


@pytest.mark.slow
@pytest.mark.timeout(1500)
@pytest.mark.parametrize("chaos", [False, True], ids=["steady", "sigkill-halfway"])
def test_two_instances_and_three_workers_over_one_database(
    pg_storage: tuple[str, Storage], emulator: EmulatorServer, emulator_state: EmulatorState, pat: str,
    control: httpx.Client, tmp_path: Path, chaos: bool,
) -> None:
    url, storage = pg_storage
    with storage.transaction() as tx:
        bind_organization(tx, ORG_ID, ORG, None)
        service.ensure_project(tx, ORG_ID, PROJECT_ID, PROJECT_NAME)
        service.set_auto_create_bug(tx, ORG_ID, PROJECT_ID, True)
        _, key = intake_keys.create_key(tx, org_id=ORG_ID, project_id=PROJECT_ID, name="load")
    env = {
        **os.environ, "REPORT_BRIDGE_DATABASE_URL": url, "REPORT_BRIDGE_DATABASE_POOL_SIZE": "2",
        # The invariants under test, not the per-key intake rate limit (tests/backend/test_intake_limits.py):
        # 2,000 reports from one key in about a minute would be refused past the default 600 per minute.
        "REPORT_BRIDGE_INTAKE_RATE_LIMIT": "0",
        "REPORT_BRIDGE_EXTENSION_SECRET": secrets.token_urlsafe(32),
        "REPORT_BRIDGE_AZDO_ORG_URLS": f"{emulator.url}/{ORG}", "REPORT_BRIDGE_AZDO_AUTH_MODE": "pat",
        "REPORT_BRIDGE_AZDO_PAT": pat, "REPORT_BRIDGE_LOG_LEVEL": "WARNING",
    }
    procs = Processes(env, tmp_path)
    instances: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for index in range(2):
            port = free_port()
            child = procs.start(f"serve-{index}", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2")
            instances.append((f"http://127.0.0.1:{port}", child))
        workers = [
            procs.start(f"worker-{i}", "worker", "--poll", "0.2", "--lease", str(LEASE_S)) for i in range(3)
        ]
        for base, _ in instances:
            wait_until(lambda base=base: healthy(base), f"{base} to be ready", 120)  # type: ignore[misc]
        with injecting_faults(control, emulator_state) as faults:
            statuses = post_reports(key, instances, procs, workers if chaos else None)
        assert {"429", "503"} <= set(faults[:-1])  # both kinds were queued and served
        assert not [s for s in statuses if s >= 500], Counter(statuses)
        assert Counter(statuses) == Counter({201: REPORTS})
        wait_until(lambda: outbox_settled(storage), "every outbox row to be done")
        check_end_state(storage, emulator_state)
        assert all(w.poll() is None for w in workers[1 if chaos else 0:]), "a surviving worker died"
    finally:
        procs.stop_all()


@contextmanager
def injecting_faults(control: httpx.Client, state: EmulatorState) -> Iterator[list[str]]:
    """While the block runs, keep one 429 or 503 (Retry-After 1 s) queued for the next REST call.

    A new fault is queued only once the last one was served, so a call is refused at most once in a
    row and the client's own retry gets through, as with Azure DevOps' occasional throttling.
    """
    stop, queued = threading.Event(), list[str]()

    def inject() -> None:
        for n in itertools.count():
            if stop.wait(0.25):
                return
            with state.lock:
                if state.faults:
                    continue
            kind = "429" if n % 2 == 0 else "503"
            control.post("faults", json={"kind": kind, "retryAfter": 1}).raise_for_status()
            queued.append(kind)

    injector = threading.Thread(target=inject)
    injector.start()
    try:
        yield queued
    finally:
        stop.set()
        injector.join(30)


def post_reports(
    key: str, instances: list[tuple[str, subprocess.Popen[bytes]]], procs: Processes,
    workers: list[subprocess.Popen[bytes]] | None,
) -> list[int]:
    """Post every report to a random live instance; return each report's final status."""
    rng = random.Random(12)
    plan = [(f"ticket-{n}", n % GROUPS, rng.random()) for n in range(REPORTS)]
    dead: set[str] = set()
    sent = iter(range(REPORTS))
    lock = threading.Lock()

    def send(item: tuple[str, int, float]) -> int:
        ticket, group, pick = item
        with lock:
            if workers is not None and next(sent) == REPORTS // 2:  # halfway: the chaos
                procs.kill(workers[0])
                procs.kill(instances[0][1])
                dead.add(instances[0][0])
        body = {"title": f"Problem {group}", "customerId": f"c-{ticket}", "groupKey": f"grp-{group}"}
        headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": ticket}
        for attempt in range(20):
            live = [base for base, _ in instances if base not in dead]
            base = live[int(pick * len(live)) % len(live)] if attempt == 0 else rng.choice(live)
            try:
                response = httpx.post(f"{base}/api/v1/intake/reports", json=body, headers=headers, timeout=60)
            except httpx.TransportError:
                time.sleep(0.2)  # the instance died under us: a client's retry, with the same key
                continue
            return response.status_code
        raise AssertionError(f"{ticket} was never answered")

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(send, plan))


def outbox_settled(storage: Storage) -> bool:
    with storage.snapshot() as tx:
        row = tx.query_one("SELECT count(*) AS n FROM outbox WHERE status <> 'done'")
    return row is not None and row["n"] == 0


def check_end_state(storage: Storage, emulator_state: EmulatorState) -> None:
    with storage.snapshot() as tx:
        groups = tx.query("SELECT id, work_item_id, report_count FROM report_groups")
        reports = tx.query_one("SELECT count(*) AS n FROM reports")
        kinds = {r["kind"]: r["n"] for r in tx.query("SELECT kind, count(*) AS n FROM outbox GROUP BY kind")}
    assert len(groups) == GROUPS
    assert reports == {"n": REPORTS}
    assert sum(g["report_count"] for g in groups) == REPORTS
    linked = {g["work_item_id"] for g in groups}
    assert None not in linked and len(linked) == GROUPS  # one bug per group, each its own
    with emulator_state.lock:
        items = emulator_state.work_items.items()
        bugs = [i for i, item in items if item["fields"]["System.WorkItemType"] == "Bug"]
        comments = [c["text"] for items in emulator_state.comments.values() for c in items]
    assert sorted(bugs) == sorted(linked)  # no bug created twice, even by a worker killed mid-row
    assert kinds["create_bug"] == GROUPS
    markers = Counter(text.split("<small>")[-1] for text in comments)
    assert len(comments) == kinds.get("add_comment", 0)  # every comment row sent exactly once
    assert max(markers.values(), default=1) == 1
