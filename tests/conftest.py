"""Fixtures every suite shares: the storage engine each backend test runs on.

The backend and Azure DevOps suites run on both engines through one parametrized fixture
(`engine`, used by their `settings` fixtures): SQLite (a file in the test's tmp_path) and PostgreSQL
(a fresh database per test on one throwaway server per session, see tests/pg_server.py). Set
REPORT_BRIDGE_TEST_DATABASE_URL (a superuser-ish libpq URL that may CREATE DATABASE) to use an
existing server instead.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests import tfx_cli
from tests.pg_server import ThrowawayServer

ENGINES = ("sqlite", "postgresql")
TEST_DATABASE_URL = "REPORT_BRIDGE_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A URL on a PostgreSQL server the tests may create databases on."""
    existing = os.environ.get(TEST_DATABASE_URL, "").strip()
    if existing:
        yield existing
        return
    server = ThrowawayServer.start()
    try:
        yield server.url()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_database_factory(postgres_admin_url: str) -> Iterator[Callable[[], str]]:
    """Create empty databases (unique names, dropped at the end of the session); return their URLs."""
    counter = itertools.count()
    created: list[str] = []
    prefix = f"rb_test_{os.getpid()}_"

    def create() -> str:
        name = f"{prefix}{next(counter)}"
        with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 STRATEGY FILE_COPY')
        created.append(name)
        return make_conninfo(postgres_admin_url, dbname=name)

    yield create
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        for name in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The storage engine of this run of the test."""
    value: str = request.param
    return value


@pytest.fixture
def database_url(engine: str, request: pytest.FixtureRequest) -> str | None:
    """None for SQLite (settings use the tmp_path file), else a fresh PostgreSQL database's URL."""
    if engine == "sqlite":
        return None
    factory: Callable[[], str] = request.getfixturevalue("postgres_database_factory")
    return factory()


def postgres_dbname(url: str) -> str:
    """Return the database name of a libpq URL."""
    return str(conninfo_to_dict(url)["dbname"])


@pytest.fixture(scope="session")
def tfx_cli_modules() -> Path:
    """tests/publish/tfx_cli's node_modules, with the pinned tfx-cli 0.23.1 installed (tests/tfx_cli.py)."""
    return tfx_cli.install()
