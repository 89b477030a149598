"""Back-off and pacing for Azure DevOps calls: Retry-After, X-RateLimit-*, a per-organization limit."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Answers that say the request was not processed, so even a create is safe to send again.
REFUSED_STATUSES = frozenset({429, 503})
# Below this share of the TSTU budget we spread the rest over the time until the reset.
LOW_BUDGET_SHARE = 0.1


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before retrying a failed call."""

    max_attempts: int = 6  # including the first try
    base_delay_s: float = 1.0  # doubled per attempt: 1, 2, 4 ...
    max_delay_s: float = 60.0  # cap for any single wait, Retry-After included
    jitter_s: float = 1.0

    def delay(self, attempt: int, response: httpx.Response | None, rng: random.Random) -> float:
        """Return how long to wait before try number `attempt + 1` (attempt counts from 0)."""
        advised = retry_after_seconds(response) if response is not None else None
        if advised is not None:
            return min(advised, self.max_delay_s)
        backoff: float = self.base_delay_s * 2.0**attempt + rng.uniform(0, self.jitter_s)
        return min(backoff, self.max_delay_s)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Read Retry-After (seconds form, as Azure DevOps sends it); None when absent or unusable."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0)


def pacing_delay(response: httpx.Response, now: float, cap: float) -> float:
    """Return how long to hold the next call to this organization after a served response."""
    advised = retry_after_seconds(response)
    if advised is not None:  # a 200 can carry Retry-After: the request was delayed, not failed
        return min(advised, cap)
    try:
        remaining = float(response.headers["X-RateLimit-Remaining"])
        limit = float(response.headers["X-RateLimit-Limit"])
        reset = float(response.headers["X-RateLimit-Reset"])
    except (KeyError, ValueError):
        return 0.0
    if limit <= 0 or remaining > limit * LOW_BUDGET_SHARE:
        return 0.0
    return min(max(reset - now, 0.0) / (remaining + 1), cap)


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
