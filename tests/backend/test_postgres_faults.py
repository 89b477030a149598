"""PostgreSQL specifics: migrations under the advisory lock, passwordless Entra auth, a database
that is down or refuses us (503 storage_unavailable, one CLI line). PostgreSQL only by nature.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from azure.core.credentials import AccessToken
from click.testing import CliRunner
from flask import Flask
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from backend import create_app
from backend.app_state import get_storage
from backend.audit.request_hook import audit_writer
from backend.cli import cli
from backend.config import Settings
from backend.database import POSTGRES_SCOPE, EntraPassword, open_database
from backend.storage import Storage, iter_migrations, open_storage

from .conftest import TENANT_A


@pytest.fixture
def pg_url(postgres_database_factory: Callable[[], str]) -> str:
    return postgres_database_factory()


@dataclass
class Role:
    """A login role owning the test database, reached over TCP with a password (SCRAM)."""

    admin_url: str
    name: str = field(default_factory=lambda: f"rb_role_{secrets.token_hex(4)}")

    def url(self, **extra: str) -> str:
        parts = conninfo_to_dict(self.admin_url)
        return make_conninfo(self.admin_url, user=self.name, dbname=str(parts["dbname"]), **extra)

    def sql(self, statement: str, *, elsewhere: bool = True) -> None:
        """Run a statement as the superuser, by default from another database than the test's."""
        url = make_conninfo(self.admin_url, dbname="postgres") if elsewhere else self.admin_url
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(statement.replace("{role}", self.name).encode())

    def set_password(self, password: str) -> None:
        self.sql(f"ALTER ROLE {{role}} PASSWORD '{password}'")

    def disconnect(self) -> None:
        self.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'")


@pytest.fixture
def role(pg_url: str) -> Iterator[Role]:
    made = Role(pg_url)
    dbname = conninfo_to_dict(pg_url)["dbname"]
    made.sql("CREATE ROLE {role} LOGIN")
    made.sql(f'ALTER DATABASE "{dbname}" OWNER TO {{role}}')
    yield made
    made.disconnect()
    made.sql(f'ALTER DATABASE "{dbname}" OWNER TO postgres')
    made.sql("DROP OWNED BY {role}", elsewhere=False)
    made.sql("DROP ROLE {role}")


def test_instances_starting_at_once_migrate_exactly_once(pg_url: str) -> None:
    storages = [open_storage(pg_url, pool_size=1) for _ in range(4)]
    start = threading.Barrier(len(storages))
    applied: list[list[str]] = []

    def boot(storage: Storage) -> None:
        start.wait()
        applied.append(storage.upgrade())

    threads = [threading.Thread(target=boot, args=(s,)) for s in storages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    versions = [version for version, _, _ in iter_migrations("postgresql")]
    assert sorted(applied, key=len) == [[], [], [], versions]
    assert storages[0].applied_versions() == versions
    for storage in storages:
        storage.close()


@dataclass
class StubCredential:
    """Stands in for azure-identity: hands out the current token and records the scopes asked for."""

    token: str
    expires_on: int
    scopes: list[tuple[str, ...]] = field(default_factory=list)

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, self.expires_on)


def test_entra_tokens_are_the_password_and_a_connection_after_rotation_uses_the_new_one(role: Role) -> None:
    now = [1_900_000_000.0]
    credential = StubCredential(secrets.token_urlsafe(32), int(now[0]) + 3600)
    role.set_password(credential.token)
    # The throwaway server has no TLS: the URL says so explicitly, which with_tls_default respects.
    storage = open_database(
        Path("unused-sqlite-path.db"),
        role.url(sslmode="disable"),
        password=EntraPassword(credential, clock=lambda: now[0]),
    )
    try:
        assert storage.upgrade()
        assert credential.scopes == [(POSTGRES_SCOPE,)]
        # The token rotates: the role's password changes and the clock nears the old token's expiry.
        credential.token, credential.expires_on = secrets.token_urlsafe(32), int(now[0]) + 7200
        role.set_password(credential.token)
        now[0] += 3600 - 60
        storage.close()  # the next connection is a new one
        with storage.transaction() as tx:
            assert tx.query_one("SELECT current_user AS who") == {"who": role.name}
        assert len(credential.scopes) == 2
    finally:
        storage.close()
    with pytest.raises(psycopg.OperationalError):  # the old token is no longer a password
        psycopg.connect(role.url(sslmode="disable"), password="not-" + credential.token).close()


def test_entra_connections_default_to_verified_tls() -> None:
    from backend.database import with_tls_default

    assert conninfo_to_dict(with_tls_default("postgresql://h/db"))["sslmode"] == "verify-full"
    assert conninfo_to_dict(with_tls_default("host=h dbname=db sslmode=require"))["sslmode"] == "require"


@pytest.mark.parametrize("fault", ["password-refused", "connections-refused"])
def test_a_database_that_refuses_us_answers_503_storage_unavailable_then_recovers(
    role: Role, settings: Settings, make_key: Callable[..., str], fault: str, engine: str
) -> None:
    if engine != "postgresql":
        pytest.skip("the fault is made by PostgreSQL's role and database settings")
    password = secrets.token_urlsafe(24)
    role.set_password(password)
    app: Flask = create_app(
        replace(settings, database_url=role.url(password=password, sslmode="disable"), database_timeout_s=1)
    )
    key_storage = get_storage(app)
    try:
        from backend.auth import intake_keys
        from backend.auth.organizations import bind_organization
        from backend.reports import service

        with key_storage.transaction() as tx:
            bind_organization(tx, TENANT_A.org_id, TENANT_A.org_name, None)
            service.ensure_project(tx, TENANT_A.org_id, TENANT_A.project_id)
            _, key = intake_keys.create_key(
                tx, org_id=TENANT_A.org_id, project_id=TENANT_A.project_id, name="t"
            )
        client = app.test_client()
        headers = {"Authorization": f"Bearer {key}"}
        body = {"title": "Down", "customerId": "c-1"}
        assert client.post("/api/v1/intake/reports", json=body, headers=headers).status_code == 201
        dbname = conninfo_to_dict(role.admin_url)["dbname"]
        if fault == "password-refused":
            role.set_password(secrets.token_urlsafe(24))
        else:
            role.sql(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS false', elsewhere=True)
        role.disconnect()
        for _ in range(2):  # a pooled connection that broke, then a new one that is refused
            response = client.post("/api/v1/intake/reports", json=body, headers=headers)
            assert response.status_code == 503
            assert response.get_json()["error"]["code"] == "storage_unavailable"
        role.set_password(password)
        role.sql(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS true', elsewhere=True)
        assert client.post("/api/v1/intake/reports", json=body, headers=headers).status_code == 201
        with key_storage.snapshot() as tx:  # the two acknowledged reports, and only those
            assert tx.query_one("SELECT count(*) AS n FROM reports") == {"n": 2}
    finally:
        writer = audit_writer(app)
        if writer is not None:
            writer.close()
        key_storage.close()


def test_cli_on_a_database_that_is_down_prints_one_line(postgres_admin_url: str) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens here once the socket closes
    runner = CliRunner(env={"REPORT_BRIDGE_DATABASE_TIMEOUT": "1"})
    result = runner.invoke(cli, ["--database-url", f"postgresql://rb@127.0.0.1:{port}/rb", "db", "status"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the database is unavailable")
    assert "after 1.00 sec" in result.stderr  # REPORT_BRIDGE_DATABASE_TIMEOUT
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_cli_db_status_and_upgrade_on_postgresql(pg_url: str) -> None:
    runner = CliRunner()
    latest = [version for version, _, _ in iter_migrations("postgresql")][-1]
    status = runner.invoke(cli, ["--database-url", pg_url, "db", "status"])
    assert status.exit_code == 0 and status.stdout.startswith("schema version none")
    assert "pending 0001" in status.stdout
    upgrade = runner.invoke(cli, ["--database-url", pg_url, "db", "upgrade"])
    assert upgrade.exit_code == 0 and upgrade.stdout.startswith("applied 0001")
    status = runner.invoke(cli, ["--database-url", pg_url, "db", "status"])
    assert f"schema version {latest}" in status.stdout and "no pending migrations" in status.stdout
    assert "postgresql" in status.stdout
