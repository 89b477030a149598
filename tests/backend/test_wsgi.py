"""Plain gunicorn on backend.wsgi:app: serves with a good environment, one line and exit 3 with a bad one."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The process environment without any REPORT_BRIDGE_* setting of the outer shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORT_BRIDGE_")}
    return {**env, "HOME": str(tmp_path), **extra}  # gunicorn's control socket goes under HOME


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_bad_environment_prints_one_line_and_exits_3(tmp_path: Path) -> None:
    done = subprocess.run(
        [GUNICORN, "--bind", f"127.0.0.1:{free_port()}", "--workers", "1", "backend.wsgi:app"],
        env=clean_env(tmp_path, REPORT_BRIDGE_DATABASE=str(tmp_path / "rb.db")),
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 3
    ours = [line for line in done.stderr.splitlines() if line.startswith("report-bridge:")]
    assert len(ours) == 1 and "REPORT_BRIDGE_EXTENSION_SECRET is required" in ours[0]
    assert "Traceback" not in done.stderr


def test_good_environment_serves(tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(
        tmp_path,
        REPORT_BRIDGE_EXTENSION_SECRET=secrets.token_urlsafe(32),
        REPORT_BRIDGE_DATABASE=str(tmp_path / "rb.db"),
    )
    server = subprocess.Popen(
        [GUNICORN, "--bind", f"127.0.0.1:{port}", "--workers", "1", "backend.wsgi:app"],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn never answered"
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/readyz")
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer.status_code == 200
    finally:
        server.terminate()
        server.communicate(timeout=30)
