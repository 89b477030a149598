"""SQLite vs PostgreSQL behind the production server: intake POST and list-reports throughput over HTTP.

The part of `bench/storage_engines.py` that measures what an operator runs: each engine's database
behind `report-bridge serve`'s gunicorn configuration (sync workers, the default count of 2 x cores + 1,
the audit writer on), driven by one load generator (wrk when installed, with a Lua script that reads
the credentials from the environment, never argv; else threads of httpx clients) with more connections
than workers, so a worker waiting on PostgreSQL leaves the CPU to another. Engines take turns round by
round (A B B A: the first engine of a round is the last of the next), one route at a time, and the
median round is printed with the PostgreSQL/SQLite ratio.

`database_cpu` then runs the same comparison with the throwaway PostgreSQL server on a CPU of its own and
the app servers and wrk on the others: the shape of a deployment, whose database runs on its own server,
so what is compared is the throughput an app instance's CPUs give with each engine (SQLite, embedded,
works on the app's CPUs).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.api_throughput import Result, free_port, run_threads, wait_ready

# wrk's Lua: the credentials and the body come from the environment, so no secret is on a command line
# or on disk; every intake has its own customer and one of 50 titles (so 50 groups take the reports).
WRK_SCRIPT = """
wrk.method = os.getenv("BENCH_METHOD")
for name, value in string.gmatch(os.getenv("BENCH_HEADERS"), "([^\\n:]+): ([^\\n]+)") do
  wrk.headers[name] = value
end
if wrk.method == "POST" then wrk.headers["Content-Type"] = "application/json" end
local sent = 0
request = function()
  if wrk.method ~= "POST" then return wrk.format() end
  sent = sent + 1
  local body = string.format('{"title": "Problem %d", "customerId": "c-%d-%d"}',
                             math.random(0, 49), math.random(1, 1000000000), sent)
  return wrk.format(nil, nil, nil, body)
end
"""


def descendants(root: int) -> list[int]:
    """Return `root` and every process below it (from /proc; Linux)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process has exited
            continue
        parent = int(text[text.rindex(")") + 2:].split()[1])
        parents.setdefault(parent, []).append(int(stat.parent.name))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending += parents.get(pid, [])
    return found


@contextmanager
def database_cpu(postmaster: int) -> Iterator[set[int]]:
    """Pin the PostgreSQL server (its postmaster, every process it started, and so every one it starts
    later) to the last CPU and this process (and so the servers and wrk it starts) to the others; yield
    the app's CPUs; undo both at the end."""
    every = os.sched_getaffinity(0)
    database, app = {max(every)}, every - {max(every)}
    _pin(descendants(postmaster), database)
    os.sched_setaffinity(0, app)  # this thread: the processes it starts inherit it
    try:
        yield app
    finally:
        os.sched_setaffinity(0, every)
        _pin(descendants(postmaster), every)


def _pin(pids: list[int], cpus: set[int]) -> None:
    for pid in pids:
        try:
            os.sched_setaffinity(pid, cpus)
        except ProcessLookupError:  # a backend that has ended meanwhile
            pass


@dataclass(frozen=True)
class Target:
    """One engine's server: where it listens and the credentials its routes take."""

    engine: str
    base: str
    intake: dict[str, str]
    ui: dict[str, str]


def serve_child(database: str, bind: str, workers: int) -> None:
    """Run one engine's server (in the child process; the secret arrives through the environment)."""
    from backend import create_app
    from backend.config import Settings
    from backend.serve import ReportBridgeServer, gunicorn_options
    from backend.storage import is_postgres_target

    postgres = is_postgres_target(database)
    settings = Settings(
        extension_secret=os.environ["BENCH_SECRET"],
        database=Path("unused.db") if postgres else Path(database),
        database_url=database if postgres else None,
        # The limiter still counts every intake (its statement is part of the cost), but never refuses.
        intake_rate_limit=1_000_000_000,
    )
    options = {**gunicorn_options(settings, bind=bind, workers=workers), "accesslog": None,
               "loglevel": "warning"}
    ReportBridgeServer(lambda: create_app(settings), options).run()


@contextmanager
def served(database: str, secret: str, workers: int) -> Iterator[str]:
    """Start one engine's server; yield its base URL; stop it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "bench.served_engines", database, f"127.0.0.1:{port}", str(workers)]
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(command, env={**os.environ, "BENCH_SECRET": secret}, cwd=root)
    try:
        wait_ready(base, process)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def run_wrk(url: str, method: str, headers: dict[str, str], duration: int, connections: int) -> Result:
    """Drive one route with wrk (the request built by WRK_SCRIPT) and parse its summary."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        env = {**os.environ, "BENCH_METHOD": method,
               "BENCH_HEADERS": "\n".join(f"{name}: {value}" for name, value in headers.items())}
        command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
                   "-s", script.name, url]
        output = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    cuts = {m[0]: float(m[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m[2]]
            for m in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)}
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    return Result(url, rate, cuts["50"], cuts["99"], errors)


def run_python(url: str, method: str, headers: dict[str, str], duration: int, connections: int) -> Result:
    """Drive one route with threads of httpx clients (when wrk is not installed)."""
    sent = itertools.count()

    def send(client: httpx.Client, number: int) -> bool:
        if method != "POST":
            return client.get(url).status_code == 200
        n = next(sent)
        body = {"title": f"Problem {n % 50}", "customerId": f"c-{number}-{n}"}
        return client.post(url, json=body).status_code in (200, 201)

    return run_threads(url, headers, duration, connections, send)


ROUTES = ("intake POST", "list 1k")


def request_of(route: str, target: Target) -> tuple[str, str, dict[str, str]]:
    """The URL, method and headers of one route on one engine's server."""
    if route == "intake POST":
        return f"{target.base}/api/v1/intake/reports", "POST", target.intake
    return f"{target.base}/api/v1/projects/p-small/reports?limit=25", "GET", target.ui


def drive(targets: list[Target], duration: int, rounds: int, connections: int, shape: str = "") -> None:
    """Measure each route on each engine in turns; print the median rounds and the ratios."""
    run = run_wrk if shutil.which("wrk") else run_python
    results: dict[tuple[str, str], list[Result]] = {}
    for target in targets:  # warm-up: every worker imports, connects and fills its caches
        for route in ROUTES:
            run(*request_of(route, target), 2, connections)
    for round_no in range(rounds):
        for route in ROUTES:  # engines in the order A B B A, so a drift in the host's speed is shared
            for target in targets if round_no % 2 == 0 else targets[::-1]:
                result = run(*request_of(route, target), duration, connections)
                results.setdefault((route, target.engine), []).append(result)
    client = "wrk" if run is run_wrk else "python threads"
    print(f"\nserved{shape} (gunicorn sync workers, {client} with {connections} connections, {duration} s x "
          f"{rounds} rounds, median round; load {os.getloadavg()[0]:.1f}):")
    print(f"{'route':<12} {'engine':<11} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for route in ROUTES:
        rates = {}
        for target in targets:
            rounds_run = sorted(results[(route, target.engine)], key=lambda r: r.requests_per_second)
            median = rounds_run[len(rounds_run) // 2]
            rates[target.engine] = median.requests_per_second
            errors = sum(r.errors for r in rounds_run)
            print(f"{route:<12} {target.engine:<11} {median.requests_per_second:>8.0f} {median.p50_ms:>8.2f} "
                  f"{median.p99_ms:>8.2f} {errors:>7}")
        print(f"{route:<12} served PostgreSQL/SQLite throughput ratio "
              f"{rates['postgresql'] / rates['sqlite']:.2f} (aim >= 0.8)")


if __name__ == "__main__":
    serve_child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
