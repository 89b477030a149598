"""PostgreSQL implementation of the Storage protocol: psycopg 3 over one psycopg_pool pool per process.

Values are bound client-side (psycopg.ClientCursor, psycopg's own quoting), as the portable SQL
relies on untyped parameters such as `:org IS NULL`; a `PreparedSQL` statement, whose parameters all
have types, is bound server-side, prepared, and run on a generic plan (each connection sets
plan_cache_mode), so it is planned once per connection. Round trips are what an instance waits on: a
transaction's BEGIN travels in one message with its first statement, one that runs no statement costs
none, and a single read has no BEGIN or COMMIT at all (the statements: backend.storage.postgres_tx).
The pool is created on first use in each process, so a gunicorn worker never inherits its master's
connections (sockets and pool threads do not survive a fork). Writers run concurrently under READ
COMMITTED; every invariant several instances share is a unique key, a conditional UPDATE or a
`FOR UPDATE SKIP LOCKED` claim in the SQL itself. Snapshots are REPEATABLE READ READ ONLY.

Migrations run under a session advisory lock, so N instances starting at once migrate exactly once:
the others wait for the lock, then find every version applied.

With an Entra password source (`REPORT_BRIDGE_DATABASE_AUTH=entra`) each new connection's password
is asked of it when the connection is opened, so a rotated token is used from the next connection on.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg_pool
from psycopg.rows import dict_row

from backend.storage import OneStatement, Row, StorageError, iter_migrations, utcnow
from backend.storage.postgres_tx import Connection, PostgresTx, conninfo_problem, driver_message

# Any constant shared by every instance works; this one spells "rbmigr" in ASCII.
MIGRATION_LOCK_KEY = 0x72626D696772
# psycopg_pool logs each failed connection attempt at WARNING. The servers' JSON logging shows them
# (records still reach the root handlers); a CLI with no logging set up must print only its one line,
# not Python's last-resort copy of every attempt.
logging.getLogger("psycopg").addHandler(logging.NullHandler())
DEFAULT_POOL_SIZE = 4
DEFAULT_POOL_TIMEOUT_S = 5.0

# Failures of the server or the network (not of the SQL): the caller sees 503 storage_unavailable.
_UNAVAILABLE = (psycopg.OperationalError, psycopg.InterfaceError, psycopg_pool.PoolTimeout)


class PostgresStorage:
    """One PostgreSQL database reached through a libpq URL or key=value string."""

    dialect = "postgresql"

    def __init__(
        self,
        conninfo: str,
        *,
        pool_size: int = DEFAULT_POOL_SIZE,
        timeout_s: float = DEFAULT_POOL_TIMEOUT_S,
        password: Callable[[], str] | None = None,
        application_name: str = "report-bridge",
    ) -> None:
        try:
            psycopg.conninfo.conninfo_to_dict(conninfo)
        except (psycopg.ProgrammingError, UnicodeError) as exc:
            raise StorageError(
                f"REPORT_BRIDGE_DATABASE_URL is not a valid PostgreSQL URL: {conninfo_problem(exc)}"
            ) from None
        self.conninfo = conninfo
        self.pool_size = pool_size
        self.timeout_s = timeout_s
        self._password = password
        self._application_name = application_name
        self._lock = threading.Lock()
        self._pool: psycopg_pool.ConnectionPool[Connection] | None = None
        self._pool_pid = 0
        self._local = threading.local()  # whether this thread is inside a transaction

    def _connect_kwargs(self) -> dict[str, Any]:
        """Return the arguments of every new connection (a fresh Entra token each time, if any)."""
        kwargs: dict[str, Any] = {
            "autocommit": True,  # BEGIN/COMMIT are ours, as in the SQLite implementation
            "row_factory": dict_row,
            # Client-side binding: the portable SQL says `:org IS NULL OR org_id = :org`, and a server-
            # side `$1 IS NULL` has no type PostgreSQL can infer. psycopg quotes every value itself.
            "cursor_factory": psycopg.ClientCursor,
            "application_name": self._application_name,
            "connect_timeout": max(1, round(self.timeout_s)),
        }
        if self._password is not None:
            kwargs["password"] = self._password()
        return kwargs

    def pool(self) -> psycopg_pool.ConnectionPool[Connection]:
        """Return this process's pool, creating it on first use (after any fork)."""
        pid = os.getpid()
        with self._lock:
            if self._pool is None or self._pool_pid != pid:
                # A pool inherited across fork is dropped, not closed: its sockets are the parent's.
                self._pool = psycopg_pool.ConnectionPool(
                    self.conninfo,
                    connection_class=psycopg.Connection[Row],
                    kwargs=self._connect_kwargs,
                    configure=_configure,
                    min_size=1,
                    max_size=self.pool_size,
                    timeout=self.timeout_s,
                    name=f"report-bridge-{pid}",
                    open=True,
                )
                self._pool_pid = pid
            return self._pool

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        try:
            with self.pool().connection() as connection:
                yield connection
        except _UNAVAILABLE as exc:
            raise StorageError(f"the database is unavailable: {driver_message(exc)}") from exc

    @contextmanager
    def transaction(self, *, wait: bool = True) -> Iterator[PostgresTx]:
        """Open a READ COMMITTED write transaction (`wait` is moot: writers do not queue here)."""
        with self._begin("BEGIN") as tx:
            yield tx

    @contextmanager
    def snapshot(self) -> Iterator[PostgresTx]:
        """Open a consistent read-only view for several queries."""
        with self._begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") as tx:
            yield tx

    @contextmanager
    def single_read(self) -> Iterator[OneStatement]:
        """Run one query in autocommit: its own implicit snapshot, one round trip."""
        with self._one_per_thread(), self._connection() as connection:
            yield OneStatement(PostgresTx(connection, None))

    @contextmanager
    def single_write(self) -> Iterator[OneStatement]:
        """Run one statement in autocommit: atomic on its own, one round trip, no BEGIN or COMMIT."""
        with self._one_per_thread(), self._connection() as connection:
            yield OneStatement(PostgresTx(connection, None), writes=True)

    @contextmanager
    def _one_per_thread(self) -> Iterator[None]:
        # As on SQLite: a second transaction on the same thread would be an independent one on another
        # connection, able to wait on the first forever; the caller must pass the open Tx instead.
        if getattr(self._local, "open", False):
            raise StorageError("nested transactions are not supported; pass the open Tx instead")
        self._local.open = True
        try:
            yield
        finally:
            self._local.open = False

    @contextmanager
    def _begin(self, statement: str) -> Iterator[PostgresTx]:
        with self._one_per_thread(), self._connection() as connection:
            tx = PostgresTx(connection, statement)
            try:
                yield tx
            except BaseException:
                if tx.begun and not connection.broken:
                    connection.execute("ROLLBACK")
                raise
            if tx.begun:
                connection.execute("COMMIT")

    def applied_versions(self) -> list[str]:
        """Return the migration versions already applied."""
        with self._connection() as connection:
            present = connection.execute("SELECT to_regclass('schema_migrations') AS t").fetchone()
            if present is None or present["t"] is None:
                return []
            rows = connection.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
        return [row["version"] for row in rows]

    def upgrade(self) -> list[str]:
        """Apply pending migrations under an advisory lock, each in its own transaction."""
        applied: list[str] = []
        with self._connection() as connection:
            connection.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
            try:
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations "
                    "(version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
                done = {r["version"] for r in connection.execute("SELECT version FROM schema_migrations")}
                for version, name, sql in iter_migrations(self.dialect):
                    if version not in done:
                        self._apply(connection, version, name, sql)
                        applied.append(version)
            finally:
                if not connection.broken:
                    connection.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
        return applied

    @staticmethod
    def _apply(connection: Connection, version: str, name: str, sql: str) -> None:
        try:
            with connection.transaction():
                connection.execute(sql.encode())  # no parameters: the simple protocol runs the whole script
                connection.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                    (version, name, utcnow()),
                )
        except psycopg.DatabaseError as exc:
            if isinstance(exc, _UNAVAILABLE):
                raise
            raise StorageError(f"migration {name} failed: {driver_message(exc)}") from exc

    def ping(self) -> None:
        """Raise StorageError unless the database answers and is migrated."""
        try:
            with self._connection() as connection:
                connection.execute("SELECT 1 FROM schema_migrations LIMIT 1").fetchall()
        except psycopg.DatabaseError as exc:
            raise StorageError(f"database not ready: {driver_message(exc)}") from exc

    def close(self) -> None:
        """Close this process's pool (a later call opens a new one)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None and self._pool_pid == os.getpid():
            pool.close()


def _configure(connection: Connection) -> None:
    """Plan each PreparedSQL statement once per connection: PostgreSQL's default would re-plan a
    prepared list query on every run (its generic plan's estimate loses to the custom one), ~0.26 ms
    each time. Only server-side bound statements (PreparedSQL) are affected; the client-side bound
    ones carry their values as literals and are planned for them as before."""
    connection.execute("SET plan_cache_mode = force_generic_plan")
