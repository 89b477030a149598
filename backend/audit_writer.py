"""Write audit rows from one background thread per worker process, in batches.

Why: every API call writes an audit row, and on SQLite each write transaction holds the database's
single write lock; done on the request path, gunicorn workers queue behind each other's commits. The
writer takes rows from a deque and commits whatever has accumulated in one transaction, so the request
never waits for the lock. Rows are in memory only until the next commit (at most
BATCH_WINDOW_SECONDS, 20 ms); `close()` (run at interpreter exit, which gunicorn's graceful shutdown
reaches) writes the rest. Operators who prefer the write on the request path set
REPORT_BRIDGE_AUDIT_SYNC=true.

Why a deque and an Event instead of queue.Queue: a sync gunicorn worker shares the GIL with this
thread, so every lock and wake-up on the submit path is paid by the request. A deque append is atomic
without a lock, and the Event is set only for the first row of a batch (one wake-up per batch).
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import threading
import time
import weakref
from collections import deque
from typing import Any

from backend.storage import Storage, StorageError, utcnow

log = logging.getLogger("backend.audit")
MAX_BATCH = 500
# One commit per window instead of one per call: per-row cost falls tenfold under load.
BATCH_WINDOW_SECONDS = 0.02
WRITE_ATTEMPTS = 5
# What the deque holds: a row, an Event to set once everything before it is written, or None (stop).
_Item = dict[str, Any] | threading.Event | None


class AuditWriter:
    """A deque of audit rows and the thread that commits them."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._items: deque[_Item] = deque()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._hooks_registered = False

    def submit(self, entry: dict[str, Any]) -> None:
        """Queue one row; its time is the call's, not the write's."""
        entry.setdefault("at", utcnow())
        if self._thread is None:  # first row in this process, or after close()
            self._start()
        self._items.append(entry)
        if not self._wake.is_set():  # the writer clears it before draining, so no row is left behind
            self._wake.set()

    def flush(self) -> None:
        """Block until every queued row is committed."""
        if self._running():
            written = threading.Event()
            self._items.append(written)
            self._wake.set()
            written.wait()

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        if self._running():
            assert self._thread is not None
            self._items.append(None)
            self._wake.set()
            self._thread.join(timeout=30)
            self._thread = None

    def _running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="report-bridge-audit", daemon=True)
            self._thread.start()
            if not self._hooks_registered:
                self._hooks_registered = True
                atexit.register(self.close)
                # A forked child starts with no thread and its own, empty deque; checking the pid on
                # every submit instead would cost a system call per request.
                os.register_at_fork(after_in_child=functools.partial(_forget_after_fork, weakref.ref(self)))

    def _forget_parent(self) -> None:
        self._items = deque()
        self._wake = threading.Event()
        self._start_lock = threading.Lock()
        self._thread = None

    def _run(self) -> None:
        stop = False
        while not stop:
            self._wake.wait()
            # Sleep through the window instead of waking for every row: one thread switch per batch.
            time.sleep(BATCH_WINDOW_SECONDS)
            self._wake.clear()
            stop = self._drain()
        self._storage.close()  # this thread's connection

    def _drain(self) -> bool:
        """Write everything queued, in batches of MAX_BATCH; say whether a stop was requested."""
        stop = False
        while self._items:
            batch: list[dict[str, Any]] = []
            written: list[threading.Event] = []
            while self._items and len(batch) < MAX_BATCH:
                item = self._items.popleft()
                if item is None:
                    stop = True
                elif isinstance(item, threading.Event):
                    written.append(item)
                else:
                    batch.append(item)
            if batch:
                try:
                    self._write(batch)
                except Exception:  # the thread must outlive any one batch: submit() trusts it runs
                    log.exception("dropped %d audit rows", len(batch))
            for event in written:
                event.set()
        return stop

    def _write(self, batch: list[dict[str, Any]]) -> None:
        from backend.audit import record_many

        for attempt in range(WRITE_ATTEMPTS):
            try:
                with self._storage.transaction() as tx:
                    record_many(tx, batch)
                return
            except StorageError as exc:
                log.warning("audit write failed (attempt %d): %s", attempt + 1, exc)
                time.sleep(0.05 * 2**attempt)
        log.error("dropped %d audit rows after %d failed writes", len(batch), WRITE_ATTEMPTS)


def _forget_after_fork(writer: weakref.ref[AuditWriter]) -> None:
    """Reset a writer inherited through fork (held weakly, so apps can still be garbage-collected)."""
    alive = writer()
    if alive is not None:
        alive._forget_parent()
