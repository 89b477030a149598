"""Counting what a request asks of the database: a Storage wrapper for bench/storage_engines.py.

Statements and explicit transactions are counted on the thread that made the wrapper (the request's,
with Flask's test client), so the audit writer's thread and the pool's do not add to a route's figure.
The same thread's time inside the storage calls is summed too: each statement, and opening and ending
each transaction (BEGIN, COMMIT, a pool's checkout), but not the Python a route runs between them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field

from backend.storage import Params, Row, Storage, Tx


@dataclass
class Counts:
    """Statements and transactions seen on one thread."""

    statements: int = 0
    transactions: int = 0  # explicit ones (single reads, and single writes on PostgreSQL, have none)
    seconds: float = 0.0  # inside storage calls


@contextmanager
def _timed(storage: CountingStorage) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        if storage._mine():
            storage.counts.seconds += time.perf_counter() - start


@dataclass
class CountingStorage:
    """Wraps a Storage and counts what the request thread asks of the database."""

    inner: Storage
    thread: int = field(default_factory=threading.get_ident)
    counts: Counts = field(default_factory=Counts)

    @property
    def dialect(self) -> str:
        return self.inner.dialect

    def _mine(self) -> bool:
        return threading.get_ident() == self.thread

    @contextmanager
    def _wrap(self, opened: AbstractContextManager[Tx], explicit: bool = True) -> Iterator[Tx]:
        with _timed(self):
            tx = opened.__enter__()
        try:
            if self._mine() and explicit:
                self.counts.transactions += 1
            yield CountingTx(tx, self)
        except BaseException as exc:
            with _timed(self):
                if not opened.__exit__(type(exc), exc, exc.__traceback__):
                    raise
        else:
            with _timed(self):
                opened.__exit__(None, None, None)

    def transaction(self, *, wait: bool = True) -> AbstractContextManager[Tx]:
        return self._wrap(self.inner.transaction(wait=wait))

    def snapshot(self) -> AbstractContextManager[Tx]:
        return self._wrap(self.inner.snapshot())

    def single_read(self) -> AbstractContextManager[Tx]:
        return self._wrap(self.inner.single_read(), explicit=False)

    def single_write(self) -> AbstractContextManager[Tx]:
        # Explicit on SQLite (a write transaction of its own), not on PostgreSQL (autocommit).
        return self._wrap(self.inner.single_write(), explicit=self.dialect != "postgresql")

    def upgrade(self) -> list[str]:
        return self.inner.upgrade()

    def applied_versions(self) -> list[str]:
        return self.inner.applied_versions()

    def ping(self) -> None:
        self.inner.ping()

    def close(self) -> None:
        self.inner.close()


@dataclass
class CountingTx:
    inner: Tx
    owner: CountingStorage

    @contextmanager
    def _count(self) -> Iterator[None]:
        if self.owner._mine():
            self.owner.counts.statements += 1
        with _timed(self.owner):
            yield

    def execute(self, sql: str, params: Params = ()) -> int:
        with self._count():
            return self.inner.execute(sql, params)

    def insert(self, sql: str, params: Params = ()) -> int:
        with self._count():
            return self.inner.insert(sql, params)

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        with self._count():
            return self.inner.query(sql, params)

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        with self._count():
            return self.inner.query_one(sql, params)
