"""An httpx transport that retries throttled and failing requests, honouring ``Retry-After``.

Azure DevOps and the Marketplace answer 429 (TF400733) when an identity is throttled and say how long
to wait in ``Retry-After``; 5xx answers are usually transient. Uploads (POST/PUT) are retried only on
429 and 503, the answers that mean "not processed": retrying a 500 after an upload that did land would
turn success into a confusing "version must increase".
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
NOT_PROCESSED_STATUSES = frozenset({429, 503})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_MAX_DELAY = 60.0
# A server asking for more than this is effectively down; report it rather than hang a CI job.
DEFAULT_MAX_RETRY_AFTER = 300.0


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to try, and the longest waits to accept."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_delay: float = DEFAULT_MAX_DELAY
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER


class RetryTransport(httpx.BaseTransport):
    """Wrap a transport; resend on 429/5xx and connection failures with back-off."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        policy: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        notify: Callable[[str], None] = lambda message: None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._sleep = sleep
        self._notify = notify
        self._jitter = jitter

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send, retrying what is safe to retry."""
        attempt = 1
        while True:
            try:
                response = self._inner.handle_request(request)
            except httpx.TransportError as exc:
                if attempt >= self._policy.max_attempts or not _may_resend(request, exc):
                    raise
                self._wait(attempt, None, f"{request.url.host}: {type(exc).__name__}")
                attempt += 1
                continue
            if not self._should_retry(request, response, attempt):
                self._slow_down(response)
                return response
            delay = retry_after_seconds(response.headers.get("Retry-After"))
            if delay is not None and delay > self._policy.max_retry_after:
                return response
            response.read()
            response.close()
            self._wait(attempt, delay, f"{request.url.host} answered HTTP {response.status_code}")
            attempt += 1

    def close(self) -> None:
        """Close the wrapped transport."""
        self._inner.close()

    def _should_retry(self, request: httpx.Request, response: httpx.Response, attempt: int) -> bool:
        if attempt >= self._policy.max_attempts or response.status_code not in RETRY_STATUSES:
            return False
        if request.method in IDEMPOTENT_METHODS:
            return True
        return response.status_code in NOT_PROCESSED_STATUSES

    def _slow_down(self, response: httpx.Response) -> None:
        """Honour Retry-After on an answer that was served but delayed (Azure DevOps sends it on 200s)."""
        if not response.is_success:
            return
        delay = retry_after_seconds(response.headers.get("Retry-After"))
        if delay:
            self._sleep(min(delay, self._policy.max_delay))

    def _wait(self, attempt: int, retry_after: float | None, why: str) -> None:
        if retry_after is not None:
            delay = retry_after
        else:
            delay = min(self._policy.max_delay, 2 ** (attempt - 1) + self._jitter())
        total = self._policy.max_attempts
        self._notify(f"{why}; retrying in {delay:.0f}s (attempt {attempt + 1} of {total})")
        self._sleep(delay)


def _may_resend(request: httpx.Request, exc: httpx.TransportError) -> bool:
    """A failed connect never reached the server; other failures are only safe for idempotent calls."""
    connect_failed = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
    return connect_failed or request.method in IDEMPOTENT_METHODS


def retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Parse ``Retry-After`` (seconds or an HTTP date) into seconds; None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())

