"""The outbox worker: claims due rows with a lease, runs their handler, retries with back-off.

Safe with several workers on one database, on any number of machines: a row is claimed by one
UPDATE (of a row picked `FOR UPDATE SKIP LOCKED` on PostgreSQL) that moves `next_attempt_at` to the
end of a lease, so a crashed worker's row becomes due again when its lease ends, and finishing
checks the lease is still ours. Survives restarts: all state is in rows.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from adocommon.retry import Backoff

from backend.azdo.errors import AzureDevOpsError
from backend.outbox import handlers
from backend.reports import linked_work
from backend.storage import Row, StorageError, format_time

log = logging.getLogger("backend.outbox.worker")


@dataclass(frozen=True)
class WorkerPolicy:
    """Timing of the worker (seconds)."""

    lease_s: float = 120.0  # longer than one task's worst case with the client's own retries
    poll_s: float = 1.0
    retry_base_s: float = 5.0
    retry_max_s: float = 900.0
    max_attempts: int = 25  # about four hours of retrying before a row is marked failed
    refresh_s: float = 900.0  # safety net for missed service hooks
    retention_s: float = 7 * 86400.0  # Azure DevOps stops retrying a delivery long before this


@dataclass
class OutboxWorker:
    """Process the outbox until stopped."""

    ctx: handlers.HandlerContext
    policy: WorkerPolicy = field(default_factory=WorkerPolicy)
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)
    _last_refresh: float = field(default=float("-inf"), init=False)
    # Organizations whose Azure DevOps is unreachable: their rows wait instead of each paying the timeouts.
    _held: dict[str, float] = field(default_factory=dict, init=False)

    def _now(self, plus: float = 0.0) -> str:
        return format_time(datetime.fromtimestamp(self.clock(), UTC) + timedelta(seconds=plus))

    def claim(self, due_by: str | None = None) -> Row | None:
        """Take the oldest row due by `due_by` (default now) under a lease; None when none is free."""
        now = self._now()
        due_by = min(due_by or now, now)
        held = [org for org, until in self._held.items() if until > self.clock()]
        skip = "".join(f" AND org_id <> :held{i}" for i in range(len(held)))
        # On PostgreSQL, workers on any machine skip rows another worker is claiming right now instead of
        # queueing behind it; SQLite has a single writer anyway and no FOR UPDATE.
        lock = " FOR UPDATE SKIP LOCKED" if self.ctx.storage.dialect == "postgresql" else ""
        params = {"due": due_by, "now": now, "lease": self._now(self.policy.lease_s)}
        with self.ctx.storage.transaction() as tx:
            return tx.query_one(
                "UPDATE outbox SET next_attempt_at = :lease, attempts = attempts + 1, updated_at = :now "
                "WHERE id = (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= :due"
                f"{skip} ORDER BY next_attempt_at, id LIMIT 1{lock}) RETURNING *",
                {**params, **{f"held{i}": org for i, org in enumerate(held)}},
            )

    def process(self, row: Row) -> str:
        """Run one claimed row; return its new status (done, pending or failed)."""
        try:
            payload = json.loads(row["payload"])
            handlers.run(self.ctx, row, payload if isinstance(payload, dict) else {})
        except AzureDevOpsError as exc:
            return self._after_failure(row, exc, retry=exc.retryable)
        except (handlers.HandlerFailed, ValueError) as exc:
            return self._after_failure(row, exc, retry=False)
        except Exception as exc:  # a bug or a storage hiccup: keep the work, try later
            log.exception("outbox row %s (%s) crashed", row["id"], row["kind"])
            return self._after_failure(row, exc, retry=True)
        self._finish(row, "done", None, row["next_attempt_at"])
        return "done"

    def _after_failure(self, row: Row, exc: Exception, *, retry: bool) -> str:
        message = f"{type(exc).__name__}: {exc}"[:500]
        if retry and row["attempts"] < self.policy.max_attempts:
            # Spread over half the wait, so rows that failed together do not hit a recovered service at once.
            backoff = Backoff(base_delay_s=self.policy.retry_base_s, max_delay_s=self.policy.retry_max_s,
                              jitter_s=0.0, spread=0.5)
            delay = backoff.delay(row["attempts"] - 1, self.rng.random)
            if isinstance(exc, AzureDevOpsError):
                self._held[row["org_id"]] = self.clock() + delay
            self._finish(row, "pending", message, self._now(delay))
            log.warning("outbox row %s (%s) will retry in %.0f s: %s", row["id"], row["kind"], delay, message)
            return "pending"
        self._finish(row, "failed", message, row["next_attempt_at"])
        log.error("outbox row %s (%s) failed for good: %s", row["id"], row["kind"], message)
        try:
            handlers.give_up(self.ctx, row, json.loads(row["payload"]))
        except (ValueError, TypeError):
            pass
        return "failed"

    def _finish(self, row: Row, status: str, error: str | None, next_at: str) -> None:
        with self.ctx.storage.transaction() as tx:
            # Only while the lease is still ours: a slow task must not overwrite a newer claim.
            tx.execute(
                "UPDATE outbox SET status = :status, last_error = :error, next_attempt_at = :next, "
                "updated_at = :now WHERE id = :id AND next_attempt_at = :lease",
                {
                    "status": status,
                    "error": error,
                    "next": next_at,
                    "now": self._now(),
                    "id": row["id"],
                    "lease": row["next_attempt_at"],
                },
            )

    def run_once(self) -> int:
        """Process the rows due when called (not those that fall due meanwhile); return how many."""
        count, due_by = 0, self._now()
        while (row := self.claim(due_by)) is not None:
            self.process(row)
            count += 1
        self.refresh(force=False)
        return count

    def refresh(self, *, force: bool) -> None:
        """Fill the cache for newly linked items; every refresh_s re-read all linked items and tidy up."""
        now = self.clock()
        full = force or now - self._last_refresh >= self.policy.refresh_s
        with self.ctx.storage.snapshot() as tx:
            orgs = linked_work.organizations_with_links(tx)
        for org_id in orgs:
            if self._held.get(org_id, 0.0) > now:
                continue
            try:
                handlers.refresh_linked(self.ctx, org_id, only_uncached=not full)
            except (AzureDevOpsError, handlers.HandlerFailed) as exc:
                log.warning("refreshing linked work items of %s failed: %s", org_id, exc)
                self._held[org_id] = now + self.policy.retry_base_s * 6
        if full:
            self._last_refresh = now
            self._purge()

    def _purge(self) -> None:
        """Drop finished outbox rows and hook event ids older than the retention window."""
        cutoff = self._now(-self.policy.retention_s)
        with self.ctx.storage.transaction() as tx:
            tx.execute(
                "DELETE FROM outbox WHERE status = 'done' AND updated_at < :cutoff", {"cutoff": cutoff}
            )
            tx.execute("DELETE FROM hook_events WHERE received_at < :cutoff", {"cutoff": cutoff})

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set, sleeping poll_s when nothing is due."""
        log.info("outbox worker started")
        while not stop.is_set():
            try:
                done = self.run_once()
            except StorageError as exc:  # database briefly locked or unreachable: keep the worker alive
                log.error("outbox worker cannot reach the database: %s", exc)
                done = 0
            if done == 0:
                stop.wait(self.policy.poll_s)
        log.info("outbox worker stopped")
