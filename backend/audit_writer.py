"""Write audit rows from one background thread per worker process, in batches.

Why: every API call writes an audit row, and on SQLite each write transaction holds the database's
single write lock; done on the request path, gunicorn workers queue behind each other's commits. The
writer takes rows from a queue and commits whatever has accumulated in one transaction, so the request
never waits for the lock. Rows are in memory only until the next commit (at most
BATCH_WINDOW_SECONDS, 20 ms); `close()` (run at interpreter exit, which gunicorn's graceful shutdown
reaches) writes the rest. Operators who prefer the write on the request path set
REPORT_BRIDGE_AUDIT_SYNC=true.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from typing import Any

from backend.storage import Storage, StorageError, utcnow

log = logging.getLogger("backend.audit")
MAX_BATCH = 500
# One commit per window instead of one per call: per-row cost falls tenfold under load.
BATCH_WINDOW_SECONDS = 0.02
WRITE_ATTEMPTS = 5


class AuditWriter:
    """A queue of audit rows and the thread that commits them."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._start_lock = threading.Lock()

    def submit(self, entry: dict[str, Any]) -> None:
        """Queue one row; its time is the call's, not the write's."""
        entry.setdefault("at", utcnow())
        self._ensure_running()
        self._queue.put(entry)

    def flush(self) -> None:
        """Block until every queued row is committed."""
        if self._running():
            self._queue.join()

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        if self._running():
            assert self._thread is not None
            self._queue.put(None)
            self._thread.join(timeout=30)

    def _running(self) -> bool:
        return self._thread is not None and self._pid == os.getpid() and self._thread.is_alive()

    def _ensure_running(self) -> None:
        if self._running():
            return
        with self._start_lock:
            if self._running():
                return
            if self._pid != os.getpid():
                self._queue = queue.Queue()  # a forked child starts with its own, empty queue
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="report-bridge-audit", daemon=True)
            self._thread.start()
            atexit.register(self.close)

    def _run(self) -> None:
        stop = False
        while not stop:
            batch, stop = self._collect()
            if batch:
                self._write(batch)
            for _ in range(len(batch) + int(stop)):
                self._queue.task_done()
        self._storage.close()  # this thread's connection

    def _collect(self) -> tuple[list[dict[str, Any]], bool]:
        """Wait for a row, let the window fill, then take what is queued; say whether to stop."""
        item = self._queue.get()
        if item is None:
            return [], True
        # Sleep through the window instead of waking for every row: one thread switch per batch.
        time.sleep(BATCH_WINDOW_SECONDS)
        batch = [item]
        while len(batch) < MAX_BATCH:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

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
