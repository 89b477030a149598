"""Measure API throughput: the app and a bare Flask endpoint side by side in one gunicorn configuration.

Seeds 1,000 and 100,000 reports into two projects directly through storage, serves both apps from
one gunicorn master (the bare app mounted at /bare), drives every endpoint with one load generator
(wrk when installed, else a threaded Python client), and prints requests/s, p50/p99 and the ratios
against the targets: /api/v1/me >= 0.85 x bare throughput; list p50 at 100k <= 2 x p50 at 1k.

The bare endpoint is sent the same request as /api/v1/me (Authorization and organization headers
included, which it ignores), so the ratio compares only what the servers do with it: gunicorn parses
about 0.1 KB of headers more for a UI call whoever answers it. The ratio against a bare endpoint sent no
headers is printed too.

    python bench/api_throughput.py [--duration 10] [--rounds 5] [--connections 2xCPUs] [--workers CPUs]
                                   [--client wrk|python]
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from backend.config import Settings
from backend.devtools.tokens import mint_app_token
from backend.reports import service
from backend.storage import Storage, format_time, open_storage

ORG, TENANT = "bench-org", "bench-tenant"
PROJECTS = {"p-1k": 1_000, "p-100k": 100_000}
ME_TARGET, LIST_TARGET = 0.85, 2.0


@dataclass(frozen=True)
class Result:
    """One endpoint's figures."""

    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def seed(storage: Storage) -> None:
    """Insert the reports through the service layer, in large transactions (about 5% distinct groups)."""
    from backend.auth.organizations import bind_organization

    start = datetime.now(UTC) - timedelta(days=30)
    with storage.transaction() as tx:
        bind_organization(tx, ORG, "bench", TENANT)
        for project in PROJECTS:
            service.ensure_project(tx, ORG, project, project)
    for project, count in PROJECTS.items():
        for batch in range(0, count, 10_000):
            with storage.transaction() as tx:
                for n in range(batch, min(count, batch + 10_000)):
                    data = {
                        "title": f"Problem {n % (count // 20 or 1)}",
                        "customerId": f"c-{n % 997}",
                        "source": "bench",
                        "severity": "medium",
                    }
                    when = format_time(start + timedelta(seconds=n * 2_000_000 // count))
                    service.create_report(
                        tx, org_id=ORG, project_id=project, data=data, key_id=None, now=when
                    )


def serve(settings: Settings, bind: str, workers: int) -> None:
    """Run gunicorn with the app at / and a bare Flask app at /bare (called in the child process)."""
    from flask import Flask
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from backend import create_app
    from backend.serve import ReportBridgeServer, gunicorn_options

    def build() -> Any:
        bare = Flask("bare")
        bare.add_url_rule("/", "bare", lambda: {"status": "ok"})
        return DispatcherMiddleware(create_app(settings), {"/bare": bare})

    options = {
        **gunicorn_options(settings, bind=bind, workers=workers),
        "accesslog": None,
        "loglevel": "warning",
    }
    ReportBridgeServer(build, options).run()


def run_wrk(url: str, headers: dict[str, str], duration: int, connections: int) -> Result:
    """Drive one URL with wrk and parse its summary."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    percentiles = {
        m[0]: _ms(m[1], m[2]) for m in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"Socket errors: .*?(\d+) timeout", output))
    return Result(url, rate, percentiles["50"], percentiles["99"], errors)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_python(url: str, headers: dict[str, str], duration: int, connections: int) -> Result:
    """Drive one URL with threads of httpx clients (when wrk is not installed)."""
    def send(client: httpx.Client, number: int) -> bool:
        return client.get(url).status_code == 200

    return run_threads(url, headers, duration, connections, send)


def run_threads(
    name: str, headers: dict[str, str], duration: int, connections: int,
    send: Callable[[httpx.Client, int], bool],
) -> Result:
    """Run `send(client, number)` (True when answered well) in a loop on `connections` threads."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def worker(number: int) -> None:
        with httpx.Client(headers=headers, timeout=10) as client:
            while time.monotonic() < stop:
                began = time.perf_counter()
                ok = send(client, number)
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    latencies.append(elapsed)
                    errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cuts = statistics.quantiles(latencies, n=100)
    return Result(name, len(latencies) / duration, cuts[49], cuts[98], errors[0])


def free_port() -> int:
    """Return a free 127.0.0.1 port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    """Wait until the server answers /readyz."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server exited during start-up")
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("the server did not become ready in 60 s")


def main() -> None:
    """Seed, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--client", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python"
    )
    parser.add_argument("--serve", nargs=2, metavar=("DATABASE", "BIND"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:  # child process: the secret arrives through the environment, never argv
        # The production shape: CORS on for a publisher, audit through the writer thread.
        settings = Settings(
            extension_secret=os.environ["BENCH_SECRET"],
            database=Path(args.serve[0]),
            extension_publisher="bench",
        )
        serve(settings, args.serve[1], args.workers)
        return
    measure(args)


def measure(args: argparse.Namespace) -> None:
    """Run the parent side of the bench."""
    secret = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="rb-bench-") as folder:
        database = Path(folder) / "bench.db"
        storage = open_storage(database)
        storage.upgrade()
        began = time.perf_counter()
        seed(storage)
        storage.close()
        print(f"seeded {sum(PROJECTS.values()):,} reports in {time.perf_counter() - began:.1f} s")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "BENCH_SECRET": secret}
        command = [
            sys.executable,
            __file__,
            "--workers",
            str(args.workers),
            "--serve",
            str(database),
            f"127.0.0.1:{port}",
        ]
        process = subprocess.Popen(command, env=env)
        try:
            wait_ready(base, process)
            results, me_ratios = drive(base, secret, args)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    report(results, me_ratios, args)


def drive(
    base: str, secret: str, args: argparse.Namespace
) -> tuple[dict[str, Result], dict[str, list[float]]]:
    """Measure the endpoints round-robin, so background load hits them alike.

    Returns each endpoint's median round and, per bare variant, the /me-to-bare throughput ratio of every
    round: they run back to back within a round, so a ratio is not skewed by load that came and went
    between rounds.
    """
    token = mint_app_token(secret, user_id="bench-user", tenant_id=TENANT)
    ui = {
        "Authorization": f"Bearer {token}",
        "X-Report-Bridge-Org-Id": ORG,
        "X-Report-Bridge-Org-Name": "bench",
    }
    targets = {
        "bare Flask endpoint": (f"{base}/bare/", ui),  # the same request: only the server's work differs
        "bare, no headers": (f"{base}/bare/", {}),
        "/api/v1/me": (f"{base}/api/v1/me", ui),
        "reports list, 1,000": (f"{base}/api/v1/projects/p-1k/reports", ui),
        "reports list, 100,000": (f"{base}/api/v1/projects/p-100k/reports", ui),
    }
    run = run_wrk if args.client == "wrk" else run_python
    rounds: dict[str, list[Result]] = {name: [] for name in targets}
    for url, headers in targets.values():
        run(url, headers, 2, args.connections)  # warm-up: workers import, connect, fill page cache
    for _ in range(args.rounds):
        for name, (url, headers) in targets.items():
            rounds[name].append(replace(run(url, headers, args.duration, args.connections), name=name))
    medians = {
        name: sorted(results, key=lambda r: r.requests_per_second)[len(results) // 2]
        for name, results in rounds.items()
    }
    me = rounds["/api/v1/me"]
    ratios = {
        bare: [m.requests_per_second / b.requests_per_second for m, b in zip(me, rounds[bare], strict=True)]
        for bare in ("bare Flask endpoint", "bare, no headers")
    }
    return medians, ratios


def report(
    results: dict[str, Result], me_ratios: dict[str, list[float]], args: argparse.Namespace
) -> None:
    """Print the figures and the two ratios against their targets."""
    print(
        f"client={args.client} workers={args.workers} connections={args.connections} "
        f"duration={args.duration}s x {args.rounds} rounds (median) cpus={os.cpu_count()} "
        f"load={os.getloadavg()[0]:.1f}"
    )
    print(f"{'endpoint':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for result in results.values():
        print(
            f"{result.name:<24}{result.requests_per_second:>10.0f}{result.p50_ms:>10.2f}"
            f"{result.p99_ms:>10.2f}{result.errors:>8}"
        )
    for bare, ratios in me_ratios.items():
        rounds = ", ".join(f"{r:.2f}" for r in ratios)
        print(f"/api/v1/me / {bare}: median {statistics.median(ratios):.2f} (rounds {rounds})")
    me_ratio = statistics.median(me_ratios["bare Flask endpoint"])
    list_ratio = results["reports list, 100,000"].p50_ms / results["reports list, 1,000"].p50_ms
    print(
        f"/api/v1/me throughput / bare = {me_ratio:.2f}, median of the rounds (target >= {ME_TARGET}) "
        f"{'PASS' if me_ratio >= ME_TARGET else 'FAIL'}"
    )
    print(
        f"list p50 100k / 1k = {list_ratio:.2f} (target <= {LIST_TARGET}) "
        f"{'PASS' if list_ratio <= LIST_TARGET else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
