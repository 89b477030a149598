"""Retries and pacing for Azure DevOps calls: the shared retry rule, X-RateLimit-*, a per-organization limit.

Which answers may be resent, Retry-After and the back-off are adocommon.retry, shared with adoext's
Marketplace transport. What only the backend needs is here: it is a server whose worker threads call
many organizations at once under one identity, so a wait is not slept by the one caller but held on that
organization's gate (every thread pauses for it), a low X-RateLimit budget is spread over the time until
its reset, and a Retry-After beyond the cap is cut to it rather than given up on (the outbox keeps the
work either way). adoext is one command making sequential calls; it needs none of that.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from adocommon.retry import RetryPolicy as RetryPolicy
from adocommon.retry import retry_after_seconds

# Below this share of the TSTU budget we spread the rest over the time until the reset.
LOW_BUDGET_SHARE = 0.1


def pacing_delay(response: httpx.Response, now: float, cap: float) -> float:
    """Return how long to hold the next call to this organization after a served response."""
    advised = retry_after_seconds(response.headers.get("Retry-After"), lambda: now)
    if advised is not None:  # a 200 can carry Retry-After: the request was delayed, not failed
        return min(advised, cap)
    names = ("X-RateLimit-Remaining", "X-RateLimit-Limit", "X-RateLimit-Reset")
    remaining, limit, reset = (_count(response, name) for name in names)
    if remaining is None or limit is None or reset is None:
        return 0.0
    if limit <= 0 or remaining > limit * LOW_BUDGET_SHARE:
        return 0.0
    return min(max(reset - now, 0.0) / (max(remaining, 0.0) + 1), cap)  # a budget below 0 is spent, as 0


def _count(response: httpx.Response, header: str) -> float | None:
    """A header's number, or None: float() also reads "nan", "inf" and "1e400", which count nothing."""
    try:
        value = float(response.headers[header])
    except (KeyError, ValueError):
        return None
    return value if math.isfinite(value) else None


@dataclass
class OrgGate:
    """Cap concurrent calls to one organization and hold calls while it asks us to slow down."""

    max_concurrency: int = 4
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    _slots: threading.BoundedSemaphore = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _not_before: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.max_concurrency)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Wait for a free slot and for any pause the organization asked for."""
        with self._slots:
            with self._lock:
                wait = self._not_before - self.clock()
            if wait > 0:
                self.sleep(wait)
            yield

    def hold(self, seconds: float) -> None:
        """Delay every following call to this organization by `seconds`."""
        if seconds <= 0:
            return
        with self._lock:
            self._not_before = max(self._not_before, self.clock() + seconds)


class GateRegistry:
    """One OrgGate per organization, created on first use (owned by the app, not global)."""

    def __init__(
        self,
        *,
        max_concurrency: int = 4,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._gates: dict[str, OrgGate] = {}
        self._lock = threading.Lock()
        self._max = max_concurrency
        self.clock = clock
        self.sleep = sleep

    def gate(self, organization: str) -> OrgGate:
        """Return the gate for an organization."""
        key = organization.lower()
        with self._lock:
            if key not in self._gates:
                self._gates[key] = OrgGate(self._max, self.clock, self.sleep)
            return self._gates[key]
