"""A `report-bridge serve` process on SQLite for the wire tests, and what they check its answers with."""

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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

PROJECT = "22222222-2222-2222-2222-222222222222"
PUBLISHER = "reportbridge"
ORIGIN = f"https://{PUBLISHER}.gallerycdn.vsassets.io"  # the publisher's CDN: an allowed CORS origin
SECRET_QUERY = "s3cr3t-" + secrets.token_hex(8)  # must never reach the log (query strings are not logged)
WIRE_TIMEOUT = 60  # seconds: generous, past the worker timeout (30 s), so a hang shows as a timeout


@dataclass
class Served:
    port: int
    log: Path
    key: str  # an intake key for PROJECT
    hook_secret: str  # the service hooks' Basic password

    def send(self, raw: bytes, *, pause_after: bool = False) -> bytes:
        """Write `raw`, then read the answer until the server closes (or, with pause_after, stop sending
        and wait: the client that stops mid-request)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=WIRE_TIMEOUT) as client:
            client.sendall(raw)
            if not pause_after:
                client.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := client.recv(65536):
                answer += chunk
            return answer

    def drip(self, raw: bytes) -> bytes:
        """Send `raw` one byte a second (a client that never stops, never finishes); return the answer."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=WIRE_TIMEOUT) as client:
            client.settimeout(1)
            for byte in raw:
                try:
                    client.send(bytes([byte]))
                    if answer := client.recv(65536):
                        return answer + self._rest(client)
                except TimeoutError:
                    continue
                except OSError:
                    break  # the server closed on us: what it said is still to be read
            client.settimeout(WIRE_TIMEOUT)
            return self._rest(client)

    @staticmethod
    def _rest(client: socket.socket) -> bytes:
        client.settimeout(WIRE_TIMEOUT)
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
        return answer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Run `report-bridge serve` with two sync workers on SQLite, and an intake key for one project, until
    the generator is closed (each test module's `served` fixture yields from it)."""
    tmp = tmp_path_factory.mktemp("wire")
    executable = shutil.which("report-bridge", path=str(Path(sys.executable).parent))
    assert executable is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORT_BRIDGE_")}
    hook_secret = secrets.token_urlsafe(24)
    env.update(REPORT_BRIDGE_EXTENSION_SECRET=secrets.token_urlsafe(32),
               REPORT_BRIDGE_EXTENSION_PUBLISHER=PUBLISHER, REPORT_BRIDGE_DATABASE=str(tmp / "rb.db"),
               REPORT_BRIDGE_WEBHOOK_SECRET=hook_secret,  # /hooks answers 503 without one
               HOME=str(tmp))  # gunicorn's control socket goes under HOME
    created = subprocess.run(
        [executable, "keys", "create", "--org", "11111111-1111-1111-1111-111111111111", "--tenant", "t-1",
         "--project", PROJECT, "--name", "wire"], env=env, capture_output=True, text=True, check=True)
    key = created.stdout.split()[0]
    port, log_path = _free_port(), tmp / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([executable, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
                                   env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
            yield Served(port, log_path, key, hook_secret)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def answer_of(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def shape_problem(raw: bytes, status: int, code: str) -> str | None:
    """Return what is wrong with an answer that should be the one JSON error shape, or None."""
    if not raw.startswith(b"HTTP/1."):
        return f"no HTTP answer: {raw[:80]!r}"
    got, headers, body = answer_of(raw)
    try:
        error = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return f"{got} {headers.get('content-type')} {body[:120]!r}"
    if (got, headers.get("content-type"), set(error), error["code"]) != (
            status, "application/json", {"code", "message", "details"}, code):
        return f"{got} {headers.get('content-type')} {body[:160]!r}"
    return None


def log_problems(log: Path) -> list[str]:
    """Every line of the server's log must be one JSON object; none may carry a traceback or our secret."""
    text = log.read_text(errors="replace")
    problems = [f"not JSON: {line[:160]}" for line in text.splitlines() if not is_json(line)]
    if "Traceback" in text:
        problems.append("a traceback")
    if SECRET_QUERY in text:
        problems.append("the query string of a refused request")
    return problems


def is_json(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def access_lines(log: Path) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in log.read_text().splitlines() if is_json(line)]
    return [line for line in lines if line.get("logger") == "gunicorn.access"]
