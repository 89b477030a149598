"""Storage interface the API code depends on, plus the SQLite implementation's factory.

The contract is small on purpose so a PostgreSQL implementation can fill it later without touching
API code: a `Storage` hands out transactions (`with storage.transaction() as tx:`) and read snapshots;
a `Tx` runs SQL written in the portable subset both engines accept — named `:param` placeholders
(a psycopg implementation rewrites them to `%(param)s`), `ON CONFLICT`, `RETURNING`, ISO-8601 text
times. Feature modules (reports, keys, audit, outbox, the Azure DevOps integration) keep their SQL
next to their logic and take a `Tx`, so they can join one transaction.
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

    def transaction(self, *, wait: bool = True) -> AbstractContextManager[Tx]:
        """Open a write transaction: committed on exit, rolled back on error.

        With wait=False, raise StorageBusy at once instead of queueing behind another writer.
        """
        ...

    def snapshot(self) -> AbstractContextManager[Tx]:
        """Open a consistent read-only view for several queries."""
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


def open_storage(database: Path) -> Storage:
    """Open the storage for a database path (SQLite today)."""
    from backend.storage.sqlite import SQLiteStorage

    return SQLiteStorage(database)


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


def iter_migrations() -> Iterator[tuple[str, str, str]]:
    """Yield (version, name, sql) for every migration file, in version order."""
    import re
    from importlib import resources

    pattern = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
    folder = resources.files("backend.storage") / "migrations"
    found = sorted(entry.name for entry in folder.iterdir() if pattern.match(entry.name))
    versions = [name[:4] for name in found]
    if len(set(versions)) != len(versions):
        raise StorageError(f"two migrations share a version number: {found}")
    for name in found:
        yield name[:4], name, (folder / name).read_text(encoding="utf-8")
