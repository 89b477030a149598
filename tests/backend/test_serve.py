"""`report-bridge serve`: gunicorn serving the real app over HTTP, with a JSON access log."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from backend.devtools.tokens import mint_app_token
from backend.storage import open_storage


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.slow
def test_serve_runs_gunicorn_with_json_access_log(tmp_path: Path) -> None:
    executable = shutil.which("report-bridge", path=str(Path(sys.executable).parent))
    assert executable is not None
    secret = secrets.token_urlsafe(32)
    port = free_port()
    env = {
        **os.environ,
        "REPORT_BRIDGE_EXTENSION_SECRET": secret,
        "REPORT_BRIDGE_DATABASE": str(tmp_path / "rb.db"),
        "REPORT_BRIDGE_EXTENSION_PUBLISHER": "reportbridge",
    }
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [executable, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
            token = mint_app_token(secret, user_id="u-1", tenant_id="t-1")
            response = httpx.get(
                f"{base}/api/v1/me?probe=1",
                headers={
                    "Authorization": f"Bearer {token}",
                    "X-Report-Bridge-Org-Id": "org-1",
                    "X-Report-Bridge-Org-Name": "contoso",
                },
            )
            assert response.status_code == 200
            assert response.json()["organization"] == {"id": "org-1", "name": "contoso"}
            request_id = response.headers["X-Request-Id"]
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    lines = log_path.read_text().splitlines()
    access = [json.loads(line) for line in lines if line.startswith("{") and '"gunicorn.access"' in line]
    me = [entry for entry in access if entry["path"] == "/api/v1/me"]
    assert me and me[0]["status"] == 200 and me[0]["request_id"] == request_id
    assert token not in log_path.read_text() and "probe=1" not in log_path.read_text()
    # The workers' audit writers commit what they hold when gunicorn shuts them down.
    storage = open_storage(tmp_path / "rb.db")
    with storage.snapshot() as tx:
        rows = tx.query("SELECT route, outcome, request_id FROM audit_log")
    storage.close()
    assert {"route": "/api/v1/me", "outcome": "ok", "request_id": request_id} in rows


@pytest.mark.slow
@pytest.mark.parametrize("option", ["--database", "--database-url"])
def test_serve_options_reach_the_workers(tmp_path: Path, option: str) -> None:
    """`--database FILE serve` (or `--database-url sqlite:///FILE`) migrates FILE and its workers serve
    FILE, not REPORT_BRIDGE_DATABASE."""
    executable = shutil.which("report-bridge", path=str(Path(sys.executable).parent))
    assert executable is not None
    secret = secrets.token_urlsafe(32)
    port = free_port()
    chosen, from_env = tmp_path / "chosen.db", tmp_path / "from-env.db"
    env = {**os.environ, "REPORT_BRIDGE_EXTENSION_SECRET": secret, "REPORT_BRIDGE_DATABASE": str(from_env)}
    env.pop("REPORT_BRIDGE_WORKERS", None)
    log_path = tmp_path / "serve.log"
    bind = f"127.0.0.1:{port}"
    database = str(chosen) if option == "--database" else f"sqlite:///{chosen}"
    command = [executable, option, database, "serve", "--bind", bind, "--workers", "1"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
            token = mint_app_token(secret, user_id="u-1", tenant_id="t-1")
            headers = {
                "Authorization": f"Bearer {token}",
                "X-Report-Bridge-Org-Id": "org-9",
                "X-Report-Bridge-Org-Name": "fabrikam",
            }
            assert httpx.get(f"{base}/api/v1/me", headers=headers).status_code == 200
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    # The first token binds its organization: the row lands in the database the worker serves.
    storage = open_storage(chosen)
    with storage.snapshot() as tx:
        organizations = [row["id"] for row in tx.query("SELECT id FROM organizations")]
    storage.close()
    assert organizations == ["org-9"]
    assert not from_env.exists(), "the workers opened the environment's database"
    # One worker, as --workers said: gunicorn logs each worker it boots.
    assert log_path.read_text().count("Booting worker") == 1


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity is a Linux call")
def test_default_workers_count_the_cpus_this_process_may_use() -> None:
    """Under taskset or a container's cpuset, the CPUs the process cannot run on start no workers."""
    from backend.config import Settings
    from backend.serve import default_workers, gunicorn_options

    every = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {min(every)})  # this thread; gunicorn's master asks the same way
        one_cpu = default_workers()
        options = gunicorn_options(Settings(extension_secret="x" * 32), bind="127.0.0.1:0", workers=None)
    finally:
        os.sched_setaffinity(0, every)
    assert one_cpu == 3
    assert options["workers"] == 3
    assert default_workers() == 2 * len(every) + 1
