"""SQLite implementation of the Storage protocol (WAL, foreign keys, busy timeout).

Writers queue on an advisory file lock (`<database>.lock`) before BEGIN IMMEDIATE. SQLite's own busy
handler polls with sleeps of 1 ms and more, so two gunicorn workers that collide on the write lock lose
milliseconds; a blocking flock() wakes the next writer the moment the lock is released. Processes that
do not take the file lock (an old CLI, sqlite3) are still safe: SQLite's busy timeout covers them.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from backend.storage import (
    ConstraintViolation,
    OneStatement,
    Params,
    Row,
    StorageBusy,
    StorageError,
    iter_migrations,
    utcnow,
)

BUSY_TIMEOUT_MS = 5000


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> Row:
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


class SQLiteTx:
    """A Tx over one sqlite3 connection; sqlite3's errors leave it as StorageError (the contract)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows changed."""
        with _as_storage_errors():
            return self._connection.execute(sql, params).rowcount

    def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; return the new row's integer id."""
        with _as_storage_errors():
            row_id = self._connection.execute(sql, params).lastrowid
        return int(row_id or 0)

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        """Return every row of a query as dicts."""
        with _as_storage_errors():  # fetching steps the statement too, so it can fail as well
            return list(self._connection.execute(sql, params).fetchall())

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        """Return the first row of a query, or None."""
        with _as_storage_errors():
            row: Row | None = self._connection.execute(sql, params).fetchone()
        return row


@contextmanager
def _as_storage_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise ConstraintViolation(f"constraint failed: {exc}") from exc
    except sqlite3.Error as exc:  # locked, disk I/O, corrupt, schema gone, ... (503 to HTTP callers)
        raise StorageError(f"statement failed: {exc}") from exc


class SQLiteStorage:
    """One database file; one connection per thread and process (connections never cross a fork)."""

    dialect = "sqlite"

    def __init__(self, path: Path, *, create: bool = True) -> None:
        """`create=False` (read commands): the file must exist; no folder, file or lock is made for it."""
        self.path = path
        self.create = create
        self._local = threading.local()

    def _check_path(self) -> None:
        """Refuse a path that is not a regular file or absent, before SQLite writes a journal beside it.

        A device (/dev/null, /dev/full), FIFO or directory is no database: SQLite fails on it mid-statement
        and leaves `-journal` and `.lock` files in its folder. stat() follows symlinks, so a dangling one
        counts as absent.
        """
        try:
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:
            if not self.create:
                raise StorageError(
                    f"no database at {self.path} (`report-bridge db upgrade` creates it)"
                ) from None
            return
        except OSError as exc:
            raise StorageError(f"cannot open database {self.path}: {exc.strerror}") from exc
        if not stat.S_ISREG(mode):
            raise StorageError(f"cannot open database {self.path}: not a regular file")

    def _connection(self) -> sqlite3.Connection:
        pid = os.getpid()
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None and getattr(self._local, "pid", None) == pid:
            return connection
        self._local.connection = connection = self._open()
        self._local.pid = pid
        self._local.write_lock = self._open_write_lock()
        return connection

    def _open_write_lock(self) -> int | None:
        """Open this thread's handle on the writers' lock file (one per thread: flock is per open file)."""
        if str(self.path) == ":memory:":
            return None
        try:
            return os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise StorageError(f"cannot open database lock {self.path}.lock: {exc.strerror}") from exc

    def _open(self) -> sqlite3.Connection:
        try:
            if str(self.path) != ":memory:":
                self._check_path()
                if self.create:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so transactions mean what they say.
            connection = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=True
            )
            connection.row_factory = _dict_row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")  # durable with WAL except on power loss
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open database {self.path}: {exc}") from exc
        return connection

    @contextmanager
    def transaction(self, *, wait: bool = True) -> Iterator[SQLiteTx]:
        """Open a write transaction (BEGIN IMMEDIATE takes the write lock up front, avoiding deadlocks)."""
        if self._connection().in_transaction:  # checked before locking, so the outer lock stays held
            raise StorageError("nested transactions are not supported; pass the open Tx instead")
        lock: int | None = self._local.write_lock
        if lock is not None:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StorageBusy("another writer holds the database") from None
        try:
            with self._begin("BEGIN IMMEDIATE") as tx:
                yield tx
        finally:
            if lock is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextmanager
    def snapshot(self) -> Iterator[SQLiteTx]:
        """Open a consistent read view for several queries."""
        with self._begin("BEGIN") as tx:
            yield tx

    @contextmanager
    def single_read(self) -> Iterator[OneStatement]:
        """Run one query in SQLite's own implicit transaction (no BEGIN, no COMMIT)."""
        connection = self._connection()
        if connection.in_transaction:
            raise StorageError("nested transactions are not supported; pass the open Tx instead")
        yield OneStatement(SQLiteTx(connection))

    @contextmanager
    def single_write(self) -> Iterator[OneStatement]:
        """Run one statement in a write transaction of its own."""
        with self.transaction() as tx:
            yield OneStatement(tx, writes=True)

    @contextmanager
    def _begin(self, statement: str) -> Iterator[SQLiteTx]:
        connection = self._connection()
        if connection.in_transaction:
            raise StorageError("nested transactions are not supported; pass the open Tx instead")
        try:
            connection.execute(statement)
        except sqlite3.Error as exc:  # locked past the busy timeout, disk full, not a database, ...
            raise StorageError(f"cannot start a transaction: {exc}") from exc
        try:
            yield SQLiteTx(connection)
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        try:
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise StorageError(f"cannot commit: {exc}") from exc

    def applied_versions(self) -> list[str]:
        """Return the migration versions already applied."""
        connection = self._connection()
        with _as_storage_errors():  # disk I/O, a file that is not a database, ...
            self._ensure_version_table(connection)
            rows = connection.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
        return [row["version"] for row in rows]

    def upgrade(self) -> list[str]:
        """Apply pending migrations, each in its own transaction; safe when several processes race."""
        connection = self._connection()
        with _as_storage_errors():  # a full disk fails here already
            self._ensure_version_table(connection)
        applied: list[str] = []
        for version, name, sql in iter_migrations():
            with _as_storage_errors():
                connection.execute("BEGIN IMMEDIATE")
            try:
                done = connection.execute(
                    "SELECT 1 FROM schema_migrations WHERE version = ?", (version,)
                ).fetchone()
                if done is None:
                    self._run_script(connection, sql)
                    connection.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                        (version, name, utcnow()),
                    )
                    applied.append(version)
            except sqlite3.Error as exc:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise StorageError(f"migration {name} failed: {exc}") from exc
            try:
                connection.execute("COMMIT")
            except sqlite3.Error as exc:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise StorageError(f"migration {name} failed: {exc}") from exc
        return applied

    @staticmethod
    def _run_script(connection: sqlite3.Connection, sql: str) -> None:
        # executescript() would COMMIT our transaction first; run complete statements one by one instead.
        statement = ""
        for line in sql.splitlines(keepends=True):
            statement += line
            if sqlite3.complete_statement(statement):
                connection.execute(statement)
                statement = ""
        code = [line.strip() for line in statement.splitlines()]
        leftover = [line for line in code if line and not line.startswith("--")]
        if leftover:
            raise sqlite3.OperationalError(f"incomplete statement at end of migration: {leftover[0][:60]!r}")

    @staticmethod
    def _ensure_version_table(connection: sqlite3.Connection) -> None:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )

    def ping(self) -> None:
        """Raise StorageError unless the database answers."""
        try:
            self._connection().execute("SELECT 1 FROM schema_migrations LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"database not ready: {exc}") from exc

    def close(self) -> None:
        """Close this thread's connection."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None and getattr(self._local, "pid", None) == os.getpid():
            connection.close()
            if self._local.write_lock is not None:
                os.close(self._local.write_lock)
        self._local.connection = None
