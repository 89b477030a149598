"""Fixtures for the Azure DevOps integration: the local emulator on a real port, clients, a fake clock."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask

from backend import create_app
from backend.app_state import get_storage
from backend.audit.request_hook import audit_writer
from backend.auth import intake_keys
from backend.auth.organizations import bind_organization
from backend.azdo import build_connector
from backend.azdo.auth import AzureDevOpsAuth
from backend.azdo.client import AzureDevOpsClient
from backend.azdo.retry import GateRegistry, RetryPolicy
from backend.config import Settings
from backend.devtools.ado_emulator.app import create_emulator
from backend.devtools.ado_emulator.server import EmulatorServer
from backend.devtools.ado_emulator.state import EmulatorState
from backend.outbox.handlers import HandlerContext
from backend.outbox.worker import OutboxWorker
from backend.reports import service

from .hook_wire import link_a_bug
from .support import ORG, ORG_ID, PROJECT_ID, PROJECT_NAME, TENANT_ID, ClientFactory, FakeClock


@pytest.fixture
def pat() -> str:
    return secrets.token_urlsafe(24)


@pytest.fixture
def bearer() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture
def emulator_state(pat: str, bearer: str) -> EmulatorState:
    state = EmulatorState(organization=ORG, organization_id=ORG_ID, pat=pat, bearer_tokens={bearer})
    state.add_project(PROJECT_NAME, PROJECT_ID)
    return state


@pytest.fixture
def emulator(emulator_state: EmulatorState) -> Iterator[EmulatorServer]:
    server = EmulatorServer(create_emulator(emulator_state)).start()
    yield server
    server.stop()


@pytest.fixture
def control(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    """An HTTP client for the emulator's /_emulator control endpoints."""
    with httpx.Client(base_url=emulator.url + "/_emulator/", timeout=10) as http:
        yield http


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(emulator: EmulatorServer, clock: FakeClock, pat: str) -> Iterator[ClientFactory]:
    """Build clients against the emulator; requests seen on the wire are kept in `.sent`."""
    made: list[AzureDevOpsClient] = []

    def build(
        auth: httpx.Auth | None = None, *, timeout: float = 10.0, sent: list[httpx.Request] | None = None
    ) -> AzureDevOpsClient:
        hooks = {"request": [sent.append]} if sent is not None else {}
        http = httpx.Client(
            base_url=f"{emulator.url}/{ORG}/",
            auth=auth or AzureDevOpsAuth(pat=pat),
            timeout=timeout,
            event_hooks=hooks,
        )
        gates = GateRegistry(clock=clock.time, sleep=clock.sleep)
        client = AzureDevOpsClient(http, gate=gates.gate(ORG), policy=RetryPolicy(), rng=random.Random(7))
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


@pytest.fixture
def emulator_url(emulator: EmulatorServer) -> str:
    return emulator.url


# -- the backend wired to the emulator ----------------------------------------------------------


@pytest.fixture
def hook_secret() -> str:
    return secrets.token_urlsafe(24)


@pytest.fixture
def old_hook_secret() -> str:
    return secrets.token_urlsafe(24)


@pytest.fixture
def backend_settings(
    tmp_path: Path, emulator: EmulatorServer, pat: str, hook_secret: str, old_hook_secret: str,
    database_url: str | None,
) -> Settings:
    return Settings(
        extension_secret=secrets.token_urlsafe(32),
        database=tmp_path / "report-bridge.db",
        database_url=database_url,
        azdo_org_urls=(f"{emulator.url}/{ORG}",),
        azdo_auth_mode="pat",
        azdo_pat=pat,
        webhook_username="azure-devops",
        webhook_secret=hook_secret,
        webhook_previous_secrets=(old_hook_secret,),
    )


@pytest.fixture
def backend_app(backend_settings: Settings) -> Iterator[Flask]:
    app = create_app(backend_settings)
    yield app
    writer = audit_writer(app)
    if writer is not None:  # commit its last rows while the database is still there
        writer.close()
    get_storage(app).close()


@pytest.fixture
def backend_url(backend_app: Flask) -> Iterator[str]:
    """Serve the backend over real HTTP (the emulator delivers service hooks to it)."""
    server = EmulatorServer(backend_app).start()  # the same thread runner serves any WSGI app
    yield server.url
    server.stop()


@pytest.fixture
def intake_key(backend_app: Flask) -> str:
    """Bind the organization, register the project with auto-create on, and return an intake key."""
    with get_storage(backend_app).transaction() as tx:
        bind_organization(tx, ORG_ID, ORG, TENANT_ID, verified=True)  # as `keys create --tenant` does
        service.ensure_project(tx, ORG_ID, PROJECT_ID, PROJECT_NAME)
        _, secret = intake_keys.create_key(tx, org_id=ORG_ID, project_id=PROJECT_ID, name="support portal")
    return secret


@pytest.fixture
def worker(backend_app: Flask, backend_settings: Settings, clock: FakeClock) -> OutboxWorker:
    """An outbox worker on the backend's database whose waits advance the fake clock."""
    connector = build_connector(
        backend_settings, clock=clock.time, sleep=clock.sleep, timeout=httpx.Timeout(2.0, connect=1.0)
    )
    ctx = HandlerContext(get_storage(backend_app), connector, backend_settings.azdo_hub_id)
    return OutboxWorker(ctx, clock=clock.time, rng=random.Random(3))


@pytest.fixture
def linked(backend_app: Flask, backend_url: str, intake_key: str, worker: OutboxWorker) -> dict[str, Any]:
    """A report whose group got its bug (state New) through the outbox."""
    return link_a_bug(backend_app, backend_url, intake_key, worker)
