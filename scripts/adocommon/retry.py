"""When to send a request again, and how long to wait first: one rule for adoext and the backend.

Azure DevOps and the Marketplace answer 429 (TF400733) when an identity is throttled and say how long to
wait in ``Retry-After``; 5xx answers are usually transient. Only 429 and 503 mean "not processed", so a
request that is not safe to replay (a create, an upload) is resent after those alone: after a timeout or
another 5xx it may have been applied, and resending would create a second work item or turn a landed
upload into "version must increase". A request that never left (the connection failed) is always safe.

The back-off is the formula tenacity's ``wait_exponential_jitter`` and stamina's default use,
``min(max, base * 2**n + uniform(0, jitter))``, written here because the jitter must come from an injected
random source (seeded in tests; those libraries draw from the module-level ``random``), and because one of
the three users, the outbox worker, stores the wait as a row's next attempt time instead of sleeping it.
The loops themselves stay with their callers: the backend holds a per-organization gate (shared by worker
threads) instead of sleeping, adoext's transport sleeps and reports each wait on stderr.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

import httpx

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Answers that say the request was not processed, so even a create or an upload is safe to send again.
NOT_PROCESSED_STATUSES = frozenset({429, 503})
# Methods a caller that knows nothing more about a request may replay after an ambiguous failure. PUT is
# idempotent in HTTP's sense but left out: a Marketplace upload is a PUT, and replaying one that landed
# fails with "version must increase". Callers that know better (the backend, per REST call) say so.
REPLAY_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
# 2**64 seconds is far beyond any cap; the exponent stops there so a long-failing row cannot overflow.
MAX_EXPONENT = 64

Draw = Callable[[], float]  # a number in [0, 1): random.random, or a seeded random.Random(n).random


def retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Parse ``Retry-After`` (seconds or an HTTP date) into seconds, at least 0; None if absent or bad."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # "-0000": HTTP dates are always GMT
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - now()
    if not math.isfinite(seconds):  # "nan" or "inf" is no instruction to follow
        return None
    return max(0.0, seconds)


def never_reached_server(exc: httpx.TransportError) -> bool:
    """Whether a request that failed with `exc` certainly never reached the server (no connection)."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)


def may_resend(status: int | None, *, replay_safe: bool, never_sent: bool = False) -> bool:
    """Whether a request may be sent again after this outcome.

    `status` is the answer's status, None when there was none (a timeout or a lost connection);
    `replay_safe` says whether sending the request twice has the effect of sending it once.
    """
    if status is None:
        return replay_safe or never_sent
    if status not in RETRYABLE_STATUSES:
        return False
    return replay_safe or status in NOT_PROCESSED_STATUSES


@dataclass(frozen=True, kw_only=True)
class Backoff:
    """Exponential back-off with jitter: ``base * 2**retry``, capped, then jittered.

    Two kinds of jitter, for two kinds of wait. ``jitter_s`` adds up to that many seconds on top, keeping
    the exponential as a floor (a few seconds inside one call). ``spread`` scales the wait by a factor drawn
    from ``[1 - spread, 1)``: many outbox rows fail together in an outage and must come back apart.
    """

    base_delay_s: float = 1.0  # the first wait, doubled per retry: 1, 2, 4 ...
    max_delay_s: float = 60.0  # cap for any single wait (Retry-After too, unless the policy says otherwise)
    jitter_s: float = 1.0
    spread: float = 0.0

    def delay(self, retry: int, draw: Draw = random.random) -> float:
        """Return the wait before resending for the `retry`-th time (0: the wait after the first try)."""
        wait = min(self.base_delay_s * 2.0 ** min(retry, MAX_EXPONENT), self.max_delay_s)
        if self.spread:
            wait *= (1.0 - self.spread) + self.spread * draw()
        if self.jitter_s:
            wait += self.jitter_s * draw()
        return min(wait, self.max_delay_s)


@dataclass(frozen=True, kw_only=True)
class RetryPolicy(Backoff):
    """How many times to try, how long to wait between tries, and how much of a Retry-After to accept."""

    max_attempts: int = 6  # including the first try
    # None: a longer Retry-After is cut to max_delay_s and waited (a server's worker keeps going);
    # a number: one beyond it is not waited for at all, the answer is returned (a CI job reports it).
    max_retry_after_s: float | None = None

    def wait_before_retry(
        self,
        tries: int,
        status: int | None,
        *,
        replay_safe: bool,
        never_sent: bool = False,
        retry_after_s: float | None = None,
        draw: Draw = random.random,
    ) -> float | None:
        """After `tries` tries ended in `status`, return how long to wait before the next; None: stop."""
        if tries >= self.max_attempts:
            return None
        if not may_resend(status, replay_safe=replay_safe, never_sent=never_sent):
            return None
        if retry_after_s is None:
            return self.delay(tries - 1, draw)
        if self.max_retry_after_s is None:
            return min(retry_after_s, self.max_delay_s)
        return retry_after_s if retry_after_s <= self.max_retry_after_s else None
