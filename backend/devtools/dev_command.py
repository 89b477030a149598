"""`report-bridge dev`: the whole product on this machine, on 127.0.0.1, with demo data.

Starts the backend (`report-bridge serve`, gunicorn) on 8000, the local Azure DevOps host page on 8001
and the extension's static origin on 8002 as child processes, with a development extension key made
up at start and handed over only through the children's environment. Ctrl-C stops them all.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click
import httpx

from backend.devtools.ado_emulator import in_dev as ado_emulator_dev
from backend.devtools.devhost.app import REPO_ROOT, HostIdentity
from backend.storage import StorageError, open_storage

DEFAULT_DATABASE = Path("var/dev.db")
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Child:
    """One process `dev` runs, and the URL that answers once it is ready."""

    name: str
    argv: list[str]
    ready_url: str
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Ports:
    """Where each process listens on 127.0.0.1."""

    backend: int
    host: int
    static: int
    emulator: int = ado_emulator_dev.DEV_ADO_PORT

    def url(self, port: int) -> str:
        """Return the http URL of a local port."""
        return f"http://127.0.0.1:{port}"


def children(ports: Ports, database: Path) -> list[Child]:
    """List the processes to run; each gets the shared environment plus its own."""
    python = sys.executable
    backend_url, static_origin = ports.url(ports.backend), ports.url(ports.static)
    devserve = [python, "-m", "backend.devtools.devhost.serve"]
    links = ["--backend-url", backend_url, "--static-origin", static_origin]
    return [
        Child(
            "backend",
            [
                python,
                "-m",
                "backend.cli",
                "--database",
                str(database),
                "serve",
                "--bind",
                f"127.0.0.1:{ports.backend}",
                "--workers",
                "2",
            ],
            f"{backend_url}/healthz",
        ),
        Child("host", [*devserve, "host", "--port", str(ports.host), *links], f"{ports.url(ports.host)}/"),
        Child(
            "static",
            [*devserve, "static", "--port", str(ports.static), *links],
            f"{static_origin}/dist/config.json",
        ),
        # The local Azure DevOps emulator (8003) and `report-bridge worker` (issue 5).
        *[
            Child(name, argv, ready)
            for name, argv, ready in ado_emulator_dev.children(
                database,
                org_id=HostIdentity.org_id,
                org_name=HostIdentity.org_name,
                project_id=HostIdentity.project_id,
                project_name=HostIdentity.project_name,
                port=ports.emulator,
            )
        ],
    ]


def shared_environment(secret: str, ports: Ports, database: Path) -> dict[str, str]:
    """Return the variables every child gets: development settings and the development key."""
    return {
        **os.environ,
        "REPORT_BRIDGE_ENVIRONMENT": "development",
        "REPORT_BRIDGE_EXTENSION_SECRET": secret,
        "REPORT_BRIDGE_DATABASE": str(database),
        "REPORT_BRIDGE_CORS_ORIGINS": ports.url(ports.static),
        "PYTHONUNBUFFERED": "1",
        **ado_emulator_dev.environment(
            HostIdentity.org_name, port=ports.emulator
        ),  # development PAT and hook secret
    }


def check_free(ports: Ports) -> None:
    """Fail with one line when a port is taken, before starting anything."""
    named = (
        ("backend", ports.backend),
        ("host", ports.host),
        ("static", ports.static),
        ("emulator", ports.emulator),
    )
    for name, port in named:
        with socket.socket() as sock:
            # Like the servers themselves: a previous run's TIME_WAIT sockets must not count as "in use".
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                raise click.ClickException(
                    f"port {port} ({name}) is in use; pick another with --{name}-port"
                ) from None


def seed(database: Path, identity: HostIdentity) -> None:
    """Create the database and put the demo reports in the host's project (idempotent)."""
    database.parent.mkdir(parents=True, exist_ok=True)
    storage = open_storage(database)
    try:
        storage.upgrade()
        identity.seed_demo_data(storage)
    finally:
        storage.close()


@contextmanager
def running(kids: list[Child], env: dict[str, str]) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start every child in its own process group; stop them all on the way out."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for kid in kids:
            procs.append(
                subprocess.Popen(kid.argv, env={**env, **kid.env}, cwd=REPO_ROOT, start_new_session=True)
            )
        yield procs
    finally:
        stop(procs)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Ask each child to stop (SIGTERM to its group), then kill what is left after a grace period."""
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_ready(kids: list[Child], procs: list[subprocess.Popen[bytes]]) -> None:
    """Poll each child's ready URL; fail with one line if a child exits or never answers."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    with httpx.Client(timeout=2.0) as client:
        for kid, proc in zip(kids, procs, strict=True):
            while kid.ready_url:
                if proc.poll() is not None:
                    raise click.ClickException(
                        f"{kid.name} exited with status {proc.returncode} while starting"
                    )
                try:
                    if client.get(kid.ready_url).status_code < 500:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise click.ClickException(
                        f"{kid.name} did not answer {kid.ready_url} within {READY_TIMEOUT_SECONDS:.0f} s"
                    )
                time.sleep(0.2)


def supervise(kids: list[Child], procs: list[subprocess.Popen[bytes]]) -> None:
    """Wait until Ctrl-C (or SIGTERM), or until a child dies."""
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        while True:
            for kid, proc in zip(kids, procs, strict=True):
                if proc.poll() is not None:
                    raise click.ClickException(f"{kid.name} stopped unexpectedly (status {proc.returncode})")
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo("\nstopping…", err=True)


@click.command()
@click.option("--backend-port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--host-port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option("--static-port", type=click.IntRange(1, 65535), default=8002, show_default=True)
@click.option(
    "--emulator-port", type=click.IntRange(1, 65535), default=ado_emulator_dev.DEV_ADO_PORT, show_default=True
)
@click.option(
    "--database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_DATABASE,
    show_default=True,
    help="SQLite file for the development backend.",
)
def dev(backend_port: int, host_port: int, static_port: int, emulator_port: int, database: Path) -> None:
    """Run the backend, the local Azure DevOps host and the extension origin with demo data."""
    if not (REPO_ROOT / "extension" / "dist").is_dir():
        raise click.ClickException(
            "extension/dist is missing: run `npm ci && npm run build` in extension/ "
            "(scripts/dev run does this)"
        )
    ports = Ports(backend=backend_port, host=host_port, static=static_port, emulator=emulator_port)
    check_free(ports)
    database = database if database.is_absolute() else REPO_ROOT / database
    secret = secrets.token_urlsafe(48)  # the development extension key: lives only in this run's processes
    try:
        seed(database, HostIdentity())
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None
    kids = children(ports, database)
    env = shared_environment(secret, ports, database)
    with running(kids, env) as procs:
        wait_ready(kids, procs)
        ado_emulator_dev.prepare(
            env,
            backend_url=ports.url(ports.backend),
            database=database,
            org_id=HostIdentity.org_id,
            project_id=HostIdentity.project_id,
        )
        click.echo(
            f"\nReport Bridge is running. Open {ports.url(ports.host)}/ "
            f"(backend {ports.url(ports.backend)}, extension origin {ports.url(ports.static)}). "
            "Ctrl-C stops everything.\n"
        )
        supervise(kids, procs)
