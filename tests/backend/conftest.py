"""Fixtures for the backend: settings -> app -> client, token and key makers, a live HTTP server."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server

from backend import create_app
from backend.app_state import get_storage
from backend.audit.request_hook import audit_writer
from backend.auth import intake_keys
from backend.auth.organizations import ORG_ID_HEADER, ORG_NAME_HEADER
from backend.config import Settings
from backend.devtools.tokens import mint_app_token
from backend.reports import service
from backend.storage import Storage

from .races import pg, pg_url  # noqa: F401 (fixtures of the PostgreSQL race tests)

AUDIENCE = "560de67c-a2e8-408a-86ae-be7ea6bd0b7a"


@dataclass(frozen=True)
class Tenant:
    """One organization bound to one tenant, with a user."""

    org_id: str
    org_name: str
    tenant_id: str
    user_id: str
    project_id: str


TENANT_A = Tenant("org-a-1111", "contoso", "tid-aaaa", "user-a", "proj-a")
TENANT_B = Tenant("org-b-2222", "fabrikam", "tid-bbbb", "user-b", "proj-b")


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    """Settings with a fresh database (on each engine: see tests/conftest.py) and keys for this run."""
    return Settings(
        extension_secret=secrets.token_urlsafe(32),
        extension_previous_secrets=(secrets.token_urlsafe(32),),
        extension_audiences=(AUDIENCE,),
        extension_publisher="reportbridge",
        database=tmp_path / "report-bridge.db",
        database_url=database_url,
    )


@pytest.fixture
def make_app(settings: Settings) -> Iterator[Callable[..., Flask]]:
    """Build apps with settings overrides; close their storage afterwards."""
    built: list[Flask] = []

    def make(azdo_transport: httpx.BaseTransport | None = None, **overrides: Any) -> Flask:
        app = create_app(replace(settings, **overrides), azdo_transport=azdo_transport)
        built.append(app)
        return app

    yield make
    for app in built:
        writer = audit_writer(app)
        if writer is not None:
            writer.close()
        get_storage(app).close()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The app under test."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def storage(app: Flask) -> Storage:
    """The app's storage."""
    return get_storage(app)


@pytest.fixture
def make_token(settings: Settings) -> Callable[..., str]:
    """Mint a valid app token for a tenant (current key and audience unless told otherwise)."""

    def make(tenant: Tenant = TENANT_A, *, secret: str | None = None, audience: str | None = AUDIENCE) -> str:
        return mint_app_token(
            secret or settings.extension_secret,
            user_id=tenant.user_id,
            tenant_id=tenant.tenant_id,
            audience=audience,
        )

    return make


@pytest.fixture
def ui_headers(make_token: Callable[..., str]) -> Callable[..., dict[str, str]]:
    """Return the headers the extension UI sends for a tenant."""

    def make(tenant: Tenant = TENANT_A, token: str | None = None) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token or make_token(tenant)}",
            ORG_ID_HEADER: tenant.org_id,
            ORG_NAME_HEADER: tenant.org_name,
        }

    return make


@pytest.fixture
def make_key(storage: Storage) -> Callable[..., str]:
    """Create an intake key for a tenant's project and return the full key string."""

    def make(tenant: Tenant = TENANT_A, project_id: str | None = None) -> str:
        from backend.auth.organizations import bind_organization

        with storage.transaction() as tx:
            # As `report-bridge keys create --tenant` does: the operator binds the organization.
            bind_organization(tx, tenant.org_id, tenant.org_name, tenant.tenant_id, verified=True)
            service.ensure_project(tx, tenant.org_id, project_id or tenant.project_id)
            _, secret = intake_keys.create_key(
                tx, org_id=tenant.org_id, project_id=project_id or tenant.project_id, name="test"
            )
        return secret

    return make


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the app over real HTTP on an ephemeral 127.0.0.1 port; yield its base URL."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def submit(client: FlaskClient, make_key: Callable[..., str]) -> Callable[..., dict[str, Any]]:
    key = make_key()

    def send(title: str = "Checkout fails", customer: str = "c-1", **fields: Any) -> dict[str, Any]:
        response = client.post(
            "/api/v1/intake/reports",
            json={"title": title, "customerId": customer, **fields},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 201, response.get_json()
        result: dict[str, Any] = response.get_json()
        return result

    return send


@contextmanager
def write_lock_held(storage: Storage) -> Iterator[None]:
    """Hold the database's write lock in another thread (another writer) until the block ends."""
    holding, release = threading.Event(), threading.Event()

    def other_writer() -> None:
        with storage.transaction():
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=other_writer)
    holder.start()
    try:
        assert holding.wait(10)
        yield
    finally:
        release.set()
        holder.join()


@pytest.fixture
def runner() -> CliRunner:
    """Run `report-bridge` in process, with none of this machine's settings (each test names its own)."""
    return CliRunner(
        env={
            "REPORT_BRIDGE_EXTENSION_SECRET": None, "REPORT_BRIDGE_DATABASE": None,
            "REPORT_BRIDGE_DATABASE_URL": None,
        }
    )
