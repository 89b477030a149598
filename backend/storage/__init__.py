"""Storage interface the API code depends on, and the factory that picks an engine from a URL.

The contract is small on purpose so both engines (SQLite, `backend.storage.sqlite`; PostgreSQL,
`backend.storage.postgres`) fill it without touching API code: a `Storage` hands out transactions
(`with storage.transaction() as tx:`), read snapshots, and single reads (one query, which on
PostgreSQL is one round trip: no BEGIN, no COMMIT); a `Tx` runs SQL written in the portable
subset both engines accept — named `:param` (or positional `?`) placeholders, which the psycopg
implementation rewrites to `%(param)s` / `%s`, `ON CONFLICT`, `RETURNING`, ISO-8601 text times.
Feature modules (reports, keys, audit, outbox, the Azure DevOps integration) keep their SQL next to
their logic and take a `Tx`, so they can join one transaction.

Invariants that several processes or machines must share are enforced by the database itself
(unique keys with `INSERT ... ON CONFLICT`, conditional UPDATEs, `FOR UPDATE SKIP LOCKED`), never by
a process-local lock: SQLite serialises writers anyway, PostgreSQL runs them concurrently.

Migrations: `migrations/NNNN_name.sql` applies to both engines; `NNNN_name.postgresql.sql` or
`NNNN_name.sqlite.sql` beside it replaces it on that engine only (same version, same recorded name).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

Row = dict[str, Any]
Params = Mapping[str, Any] | Sequence[Any]


class StorageError(Exception):
    """The database cannot be opened, migrated or reached."""


class StorageBusy(StorageError):
    """Another writer holds the write lock and the caller asked not to wait."""


class ConstraintViolation(StorageError):
    """A statement broke a constraint (unique, foreign key, check): the engine's integrity error."""


class PreparedSQL(str):
    """SQL run on every request of a busy route, whose plan PostgreSQL should keep (a bench shows it).

    Each of its parameters must have a type the statement implies (a column it is compared with or
    stored in, or a CAST; never a bare `:x IS NULL`): PostgreSQL then binds it server-side, and psycopg
    prepares it on a connection from its fifth run there, so it is planned once per connection rather
    than on every call. Only a transaction's later statements gain: the first carries BEGIN in one
    simple-protocol message instead, which saves a round trip. SQLite runs it as any other SQL.
    """

    __slots__ = ()


class OneStatement:
    """A Tx that runs one statement on `inner` and refuses a second (Storage.single_read, which also
    refuses a write, and Storage.single_write)."""

    def __init__(self, inner: Tx, *, writes: bool = False) -> None:
        self._inner: Tx | None = inner
        self._writes = writes

    def _take(self) -> Tx:
        inner, self._inner = self._inner, None
        if inner is None:
            raise StorageError("a single read or write runs one statement; open a transaction for several")
        return inner

    def _take_writer(self) -> Tx:
        if not self._writes:
            raise StorageError("a single read does not write; open a transaction")
        return self._take()

    def execute(self, sql: str, params: Params = ()) -> int:
        return self._take_writer().execute(sql, params)

    def insert(self, sql: str, params: Params = ()) -> int:
        return self._take_writer().insert(sql, params)

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        return self._take().query(sql, params)

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        return self._take().query_one(sql, params)


class Tx(Protocol):
    """One open transaction (or read snapshot)."""

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows changed."""
        ...

    def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; return the new row's integer id."""
        ...

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        """Return every row of a query as dicts."""
        ...

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        """Return the first row of a query, or None."""
        ...


class Storage(Protocol):
    """A database the backend can run on."""

    @property
    def dialect(self) -> str:
        """Return "sqlite" or "postgresql", for the few statements whose SQL differs."""
        ...

    def transaction(self, *, wait: bool = True) -> AbstractContextManager[Tx]:
        """Open a write transaction: committed on exit, rolled back on error.

        With wait=False, raise StorageBusy at once instead of queueing behind another writer.
        """
        ...

    def snapshot(self) -> AbstractContextManager[Tx]:
        """Open a consistent read-only view for several queries."""
        ...

    def single_read(self) -> AbstractContextManager[Tx]:
        """Open a Tx for exactly one read, run outside an explicit transaction.

        One statement always sees one consistent snapshot of its own, so a route that reads once
        needs no BEGIN or COMMIT: on PostgreSQL that is one round trip instead of two. A second
        statement raises StorageError (open a snapshot for several).
        """
        ...

    def single_write(self) -> AbstractContextManager[Tx]:
        """Open a Tx for exactly one statement, which may write and commits on its own.

        One data-modifying statement is atomic by itself, so on PostgreSQL it runs in autocommit: one
        round trip, and its row locks are held only while it runs, not for a round trip to COMMIT. A
        second statement raises StorageError. SQLite runs it in a write transaction of its own.
        """
        ...

    def upgrade(self) -> list[str]:
        """Apply pending migrations in order; return the versions applied."""
        ...

    def applied_versions(self) -> list[str]:
        """Return the migration versions already applied."""
        ...

    def ping(self) -> None:
        """Raise StorageError unless the database answers."""
        ...

    def close(self) -> None:
        """Release this process's connections."""
        ...


POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_target(target: Path | str) -> bool:
    """Tell whether a database setting names PostgreSQL (a libpq URL or a key=value string)."""
    text = str(target) if isinstance(target, str) else ""
    return text.startswith(POSTGRES_SCHEMES) or (not text.startswith("sqlite:") and "=" in text)


def open_storage(target: Path | str, *, create: bool = True, **postgres_options: Any) -> Storage:
    """Open the storage a database setting names: a SQLite path or `sqlite:///path`, or PostgreSQL.

    PostgreSQL targets are libpq URLs (`postgresql://...`) or key=value strings (`host=... dbname=...`);
    `postgres_options` go to `PostgresStorage` (pool size, timeouts, an Entra password source).
    `create=False` opens only a SQLite file that exists (a read must not create a database); a
    PostgreSQL database is never created here anyway.
    """
    if is_postgres_target(target):
        from backend.storage.postgres import PostgresStorage

        return PostgresStorage(str(target), **postgres_options)
    from backend.storage.sqlite import SQLiteStorage

    text = str(target)
    if text.startswith("sqlite:"):
        text = text.removeprefix("sqlite:").removeprefix("//")
        if not text:
            raise StorageError("a sqlite: database URL needs a path (sqlite:///var/report-bridge.db)")
    return SQLiteStorage(Path(text), create=create)


def utcnow() -> str:
    """Return the current UTC time in the stored text form (2026-11-27T10:00:00.000000Z)."""
    # Every API call stamps its audit row with this: formatting the date and time once per second
    # and appending the microseconds costs a third of datetime.now(UTC).isoformat().
    second, micros = divmod(time.time_ns() // 1000, 1_000_000)
    return f"{_utc_second(second)}.{micros:06d}Z"


@functools.lru_cache(maxsize=4)
def _utc_second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def format_time(moment: datetime) -> str:
    """Format an aware datetime the way every table stores times (2026-11-27T10:00:00.000000Z)."""
    # isoformat is a few times cheaper than strftime, and every audited request calls this.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def public_time(stored: str | None) -> str | None:
    """Turn a stored time into the API's second-precision form."""
    return None if stored is None else stored[:19] + "Z"


DIALECTS = ("sqlite", "postgresql")


def iter_migrations(dialect: str = "sqlite") -> Iterator[tuple[str, str, str]]:
    """Yield (version, name, sql) for every migration of one engine, in version order.

    `NNNN_name.sql` is portable; `NNNN_name.<dialect>.sql` overrides it on that engine. The name
    recorded is always the portable one (`NNNN_name.sql`), so both engines report the same history.
    """
    import re
    from importlib import resources

    pattern = re.compile(r"^(\d{4})_([a-z0-9_]+?)(?:\.(sqlite|postgresql))?\.sql$")
    folder = resources.files("backend.storage") / "migrations"
    chosen: dict[str, tuple[str, str]] = {}  # version -> (recorded name, file name)
    names: dict[str, set[str]] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        match = pattern.match(entry.name)
        if match is None:
            continue
        version, base, only = match.groups()
        names.setdefault(version, set()).add(base)
        if only is None:
            chosen.setdefault(version, (f"{version}_{base}.sql", entry.name))
        elif only == dialect:
            chosen[version] = (f"{version}_{base}.sql", entry.name)
    for version, bases in names.items():
        if len(bases) != 1:
            raise StorageError(f"two migrations share version {version}: {sorted(bases)}")
    for version in sorted(chosen):
        name, file_name = chosen[version]
        yield version, name, (folder / file_name).read_text(encoding="utf-8")
