"""Durability: gunicorn killed with SIGKILL (master and workers) mid-stream loses no acknowledged report.

A bounded stream of intake reports goes to `report-bridge serve` from several client threads. Once a
third is acknowledged, the master and every worker get SIGKILL at once; a new server starts on the
same database and the clients carry on, retrying what got no answer. Every report carries an
externalId, and every other one an Idempotency-Key, so a retry of a report whose answer was lost is
answered with the stored report, never a second one. At the end: every acknowledged report is in the
database (0 lost), there is exactly one report per externalId (0 duplicated), and a retry with the
same Idempotency-Key, or the same externalId without one, returns the same report.

The storage is a `StorageTarget` (the server's environment, and how the test reads the database back),
so another engine can be added as a second target.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from backend.auth import intake_keys
from backend.auth.organizations import bind_organization
from backend.reports import service
from backend.storage import Storage, open_storage

from .test_serve import free_port

REPORTS = 240
CLIENTS = 4
SOURCE = "durability"


@dataclass(frozen=True)
class StorageTarget:
    """Where the server keeps its data: its environment variables, and how the test opens it."""

    name: str
    env: dict[str, str]
    open: Callable[[], Storage]


@pytest.fixture(params=["sqlite"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> StorageTarget:
    database = tmp_path / "durable.db"
    return StorageTarget("sqlite", {"REPORT_BRIDGE_DATABASE": str(database)}, lambda: open_storage(database))


class Server:
    """`report-bridge serve` with two workers; `kill()` SIGKILLs the master and its workers together."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        executable = shutil.which("report-bridge", path=str(Path(sys.executable).parent))
        assert executable is not None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [executable, "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "2"],
            env=env, stdout=self._log, stderr=self._log,
        )
        deadline = time.monotonic() + 60
        while not self._ready():
            assert self.process.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.1)

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def workers(self) -> list[int]:
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    children.append(int(entry.name))
        return children

    def kill(self) -> int:
        """SIGKILL master and workers at once (no graceful anything); return how many processes died."""
        victims = [self.process.pid, *self.workers()]
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        return len(victims)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self._log.close()


@dataclass
class Stream:
    """What the clients saw: report index -> acknowledged report id, plus transport failures."""

    acknowledged: dict[int, str]
    retries: int = 0


def _body(index: int) -> dict[str, str]:
    return {"title": f"Durability report {index}", "customerId": f"c-{index % 7}", "source": SOURCE,
            "externalId": f"ext-{index}"}


def _headers(key: str, index: int) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}"}
    if index % 2 == 0:
        headers["Idempotency-Key"] = f"idem-{index}"
    return headers


def _send_all(indices: list[int], key: str, current: Callable[[], str], stream: Stream,
              lock: threading.Lock, deadline: float) -> None:
    with httpx.Client(timeout=10) as client:
        for index in indices:
            while time.monotonic() < deadline:
                try:
                    answer = client.post(f"{current()}/api/v1/intake/reports", json=_body(index),
                                         headers=_headers(key, index))
                except httpx.TransportError:  # killed mid-request: the outcome is unknown, so retry
                    with lock:
                        stream.retries += 1
                    time.sleep(0.05)
                    continue
                assert answer.status_code in (200, 201), answer.text
                with lock:
                    stream.acknowledged[index] = answer.json()["id"]
                break


@pytest.fixture
def intake_key(target: StorageTarget) -> Iterator[str]:
    storage = target.open()
    storage.upgrade()
    with storage.transaction() as tx:
        bind_organization(tx, "org-durable", "durable", None)
        service.ensure_project(tx, "org-durable", "proj-durable")
        _, key = intake_keys.create_key(
            tx, org_id="org-durable", project_id="proj-durable", name="durability"
        )
    storage.close()
    yield key


@pytest.mark.slow
def test_no_acknowledged_report_is_lost_through_a_sigkill(
    target: StorageTarget, intake_key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**os.environ, **target.env, "REPORT_BRIDGE_EXTENSION_SECRET": secrets.token_urlsafe(32),
           "REPORT_BRIDGE_INTAKE_RATE_LIMIT": "0"}
    log = tmp_path / "serve.log"
    server = Server(env, log)
    servers = [server]
    stream, lock = Stream(acknowledged={}), threading.Lock()
    deadline = time.monotonic() + 240
    threads = [
        threading.Thread(target=_send_all, args=(list(range(n, REPORTS, CLIENTS)), intake_key,
                                                  lambda: servers[-1].url, stream, lock, deadline))
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    try:
        while len(stream.acknowledged) < REPORTS // 3:
            assert time.monotonic() < deadline and any(t.is_alive() for t in threads)
            time.sleep(0.01)
        acknowledged_before_kill = len(stream.acknowledged)
        killed = server.kill()
        servers.append(Server(env, log))
        for thread in threads:
            thread.join(timeout=max(1.0, deadline - time.monotonic()))
        assert len(stream.acknowledged) == REPORTS, "the stream did not finish in time"

        storage = target.open()
        with storage.snapshot() as tx:
            rows = tx.query("SELECT id, external_id FROM reports WHERE source = :source", {"source": SOURCE})
        storage.close()
        stored = {row["id"]: row["external_id"] for row in rows}
        lost = [index for index, rid in stream.acknowledged.items() if stored.get(rid) != f"ext-{index}"]
        duplicated = len(rows) - len(set(stored.values()))

        # Retries after the fact: the same Idempotency-Key, or the same externalId without a key.
        with httpx.Client(timeout=10, base_url=servers[-1].url) as client:
            for index in (0, 1, REPORTS // 2, REPORTS // 2 + 1, REPORTS - 1):
                again = client.post("/api/v1/intake/reports", json=_body(index),
                                    headers=_headers(intake_key, index))
                assert again.status_code in (200, 201) and again.json()["id"] == stream.acknowledged[index]
    finally:
        for running in servers:
            running.stop()
    with capsys.disabled():
        print(f"\n[durability {target.name}] {REPORTS} reports, {acknowledged_before_kill} acknowledged "
              f"before SIGKILL of {killed} processes, {len(stream.acknowledged)} acknowledged in all, "
              f"{stream.retries} retried, {len(lost)} lost, {duplicated} duplicated")
    assert (lost, duplicated, len(rows)) == ([], 0, REPORTS)
