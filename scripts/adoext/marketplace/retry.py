"""An httpx transport that retries throttled and failing requests, honouring ``Retry-After``.

The rule (which answers and methods may be resent, Retry-After in seconds or as an HTTP date, the
back-off with jitter) is adocommon.retry, shared with the backend's Azure DevOps client. Uploads (POST,
PUT) are resent only after 429 and 503, the answers that mean "not processed". What is adoext's own: a
Retry-After of up to five minutes is waited in full (a CI job can afford it) and a longer one is
reported rather than waited for; every wait is announced on stderr; a served answer that carries
Retry-After (Azure DevOps sends it on 200s) delays the next request.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from adocommon import retry
from adocommon.retry import REPLAY_SAFE_METHODS, never_reached_server
from adocommon.retry import retry_after_seconds as retry_after_seconds

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_MAX_DELAY = 60.0
# A server asking for more than this is effectively down; report it rather than hang a CI job.
DEFAULT_MAX_RETRY_AFTER = 300.0


@dataclass(frozen=True, kw_only=True)
class RetryPolicy(retry.RetryPolicy):
    """adoext's budget: five tries, back-off of 1, 2, 4 ... s plus up to 1 s, Retry-After up to 5 min."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_delay_s: float = DEFAULT_MAX_DELAY
    max_retry_after_s: float | None = DEFAULT_MAX_RETRY_AFTER


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
        replay_safe = request.method in REPLAY_SAFE_METHODS
        tries = 1
        while True:
            try:
                response = self._inner.handle_request(request)
            except httpx.TransportError as exc:
                wait = self._policy.wait_before_retry(
                    tries, None, replay_safe=replay_safe, never_sent=never_reached_server(exc),
                    draw=self._jitter,
                )
                if wait is None:
                    raise
                self._wait(tries, wait, f"{request.url.host}: {type(exc).__name__}")
                tries += 1
                continue
            wait = self._policy.wait_before_retry(
                tries, response.status_code, replay_safe=replay_safe,
                retry_after_s=retry_after_seconds(response.headers.get("Retry-After")), draw=self._jitter,
            )
            if wait is None:
                self._slow_down(response)
                return response
            response.read()
            response.close()
            self._wait(tries, wait, f"{request.url.host} answered HTTP {response.status_code}")
            tries += 1

    def close(self) -> None:
        """Close the wrapped transport."""
        self._inner.close()

    def _slow_down(self, response: httpx.Response) -> None:
        """Honour Retry-After on an answer that was served but delayed (Azure DevOps sends it on 200s)."""
        if not response.is_success:
            return
        delay = retry_after_seconds(response.headers.get("Retry-After"))
        if delay:
            self._sleep(min(delay, self._policy.max_delay_s))

    def _wait(self, tries: int, delay: float, why: str) -> None:
        total = self._policy.max_attempts
        self._notify(f"{why}; retrying in {delay:.0f}s (attempt {tries + 1} of {total})")
        self._sleep(delay)
