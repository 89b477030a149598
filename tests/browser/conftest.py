"""Browser tests: the real extension bundles and SDK in Chromium, inside the local Azure DevOps host.

Ladder: session `browser` (Playwright) → per-test `stack` (real backend on SQLite with demo data,
static origin, devhost; three ephemeral 127.0.0.1 ports) → `page` on the host page.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from backend import create_app
from backend.azdo import build_connector
from backend.config import Settings
from backend.devtools.ado_emulator.app import create_emulator
from backend.devtools.ado_emulator.server import EmulatorServer
from backend.devtools.ado_emulator.state import EmulatorState
from backend.devtools.devhost.app import HostIdentity, create_devhost_app
from backend.devtools.devhost.static_origin import create_static_app
from backend.outbox.handlers import HandlerContext
from backend.outbox.worker import OutboxWorker
from backend.storage import open_storage

from .support import IDENTITY, REPO, Stack, page_in_context

EXTENSION = REPO / "extension"
DIST = EXTENSION / "dist"
MANIFESTS = REPO / "manifest" / "contributions"  # the build takes page titles from them
# Chromium's sandbox cannot start as root (containers, CI); elsewhere keep it.
CHROMIUM_ARGS = ["--disable-gpu", "--disable-dev-shm-usage", *(["--no-sandbox"] if os.geteuid() == 0 else [])]


def find_chromium() -> str | None:
    """Pick a Chromium: REPORT_BRIDGE_CHROMIUM, else Playwright's own (None), else Debian's."""
    explicit = os.environ.get("REPORT_BRIDGE_CHROMIUM")
    if explicit:
        return explicit
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache" / "ms-playwright"))
    if any(cache.glob("chromium*")):
        return None
    for candidate in ("/usr/bin/chromium", "/usr/lib/chromium/chromium"):
        if Path(candidate).exists():
            return candidate
    pytest.fail(
        "No Chromium: apt-get install chromium, `playwright install chromium` or set REPORT_BRIDGE_CHROMIUM"
    )


def _stale(dist: Path, sources: list[Path]) -> bool:
    """True when any source is newer than the oldest bundle (or nothing is built)."""
    bundles = list(dist.glob("*/*.js"))
    if not bundles:
        return True
    built = min(p.stat().st_mtime for p in bundles)
    files = [p for root in sources for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file()]
    return any(p.stat().st_mtime > built for p in files)


@pytest.fixture(scope="session")
def extension_dist() -> Path:
    """Build the extension once when dist/ is missing or older than its sources."""
    sources = [EXTENSION / "src", EXTENSION / "package-lock.json", EXTENSION / "build.mjs", MANIFESTS]
    if _stale(DIST, [s for s in sources if s.exists()]) or not (EXTENSION / "node_modules").is_dir():
        npm = shutil.which("npm")
        assert npm, "npm is needed to build the extension"
        if not (EXTENSION / "node_modules").is_dir():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=EXTENSION, check=True)
        subprocess.run([npm, "run", "--silent", "build"], cwd=EXTENSION, check=True)
    return DIST


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class LateApp:
    """A WSGI app whose Flask app is set after the server has its port (the apps point at each other)."""

    def __init__(self) -> None:
        self.app: Flask | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self.app is not None
        return self.app(environ, start_response)


def _serve(app: LateApp) -> tuple[BaseWSGIServer, str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


StackFactory = Callable[..., Stack]


def _azure_devops(emulators: list[EmulatorServer], identity: HostIdentity) -> dict[str, Any]:
    """Start the local Azure DevOps emulator for the host's organization; return the settings that use it."""
    pat = secrets.token_urlsafe(24)
    state = EmulatorState(organization=identity.org_name, organization_id=identity.org_id, pat=pat)
    state.add_project(identity.project_name, identity.project_id)
    emulator = EmulatorServer(create_emulator(state)).start()
    emulators.append(emulator)
    org_url = f"{emulator.url}/{identity.org_name}"
    return {"azdo_org_urls": (org_url,), "azdo_auth_mode": "pat", "azdo_pat": pat}


@pytest.fixture
def make_stack(tmp_path: Path, extension_dist: Path) -> Iterator[StackFactory]:
    """Start backend + static origin + devhost (+ the Azure DevOps emulator when `azure_devops`).

    `host_secret` lets the host sign with another key; `project_name` names the host's project otherwise.
    """
    servers: list[BaseWSGIServer] = []
    emulators: list[EmulatorServer] = []

    def start(
        host_secret: str | None = None, azure_devops: bool = False, project_name: str | None = None
    ) -> Stack:
        identity = replace(IDENTITY, project_name=project_name) if project_name else IDENTITY
        secret = os.urandom(32).hex()
        slots = [LateApp(), LateApp(), LateApp()]
        started = [_serve(slot) for slot in slots]
        servers.extend(server for server, _ in started)
        (backend_url, static_origin, host_url) = (url for _, url in started)
        database = tmp_path / f"backend-{len(servers)}.db"
        settings = Settings(
            extension_secret=secret,
            environment="development",
            database=database,
            cors_origins=(static_origin,),
            **(_azure_devops(emulators, identity) if azure_devops else {}),
        )
        storage = open_storage(database)
        storage.upgrade()
        IDENTITY.seed_demo_data(storage)  # under its usual name: the host's name reaches it with a call
        slots[0].app = create_app(settings, storage=storage)
        slots[1].app = create_static_app(settings, backend_url=backend_url, dist_dir=extension_dist)
        host_settings = Settings(
            extension_secret=host_secret or secret, environment="development", database=database
        )
        slots[2].app = create_devhost_app(host_settings, static_origin=static_origin, identity=identity)
        backend = slots[0]

        def restart_backend(**changes: Any) -> None:
            """Swap in a backend built from changed settings, on the same port and database."""
            backend.app = create_app(replace(settings, **changes), storage=storage)

        def run_outbox() -> int:
            """Run the outbox worker over the due rows, against the emulator when there is one."""
            ctx = HandlerContext(storage, build_connector(settings), settings.azdo_hub_id)
            return OutboxWorker(ctx).run_once()

        return Stack(backend_url, host_url, static_origin, secret, database, restart_backend, run_outbox)

    yield start
    for emulator in emulators:
        emulator.stop()
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def stack(make_stack: StackFactory) -> Stack:
    return make_stack()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with page_in_context(browser) as page:
        yield page
