"""adocommon.retry: Retry-After in every form, the caps, jitter inside its bounds, the resend rule."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from adocommon.retry import Backoff, RetryPolicy, may_resend, never_reached_server, retry_after_seconds

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)


def at_now() -> float:
    return NOW.timestamp()


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("12", 12.0), (" 3 ", 3.0), ("1.5", 1.5), ("0", 0.0), ("-5", 0.0),
     (None, None), ("", None), ("   ", None), ("soon", None), ("nan", None), ("inf", None)],
)
def test_retry_after_in_seconds(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, at_now) == seconds


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run in a local time zone far from UTC, so a date read as local time would be off by hours."""
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("far_from_utc")
@pytest.mark.parametrize(
    "value",
    [
        format_datetime(NOW + timedelta(seconds=30), usegmt=True),  # IMF-fixdate
        "Friday, 27-Nov-26 12:00:30 GMT",  # RFC 850
        "Fri Nov 27 12:00:30 2026",  # asctime: no zone, HTTP dates are GMT
        "Fri, 27 Nov 2026 12:00:30 -0000",
    ],
)
def test_retry_after_as_an_http_date_counts_from_now(value: str) -> None:
    assert retry_after_seconds(value, at_now) == 30.0


def test_retry_after_in_the_past_means_now() -> None:
    assert retry_after_seconds(format_datetime(NOW - timedelta(hours=1), usegmt=True), at_now) == 0.0


def test_backoff_doubles_from_the_base_up_to_the_cap_without_jitter() -> None:
    backoff = Backoff(base_delay_s=1.0, max_delay_s=60.0, jitter_s=1.0)
    assert [backoff.delay(n, lambda: 0.0) for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff.delay(10_000, lambda: 0.0) == 60.0  # no OverflowError for a row failing for days


def test_added_jitter_stays_between_the_floor_and_one_second_above_it() -> None:
    backoff = Backoff(base_delay_s=1.0, max_delay_s=60.0, jitter_s=1.0)
    waits = [backoff.delay(n, random.Random(7).random) for n in range(8)]
    floors = [1, 2, 4, 8, 16, 32, 60, 60]
    assert all(floor <= wait <= min(floor + 1, 60) for floor, wait in zip(floors, waits, strict=True))
    assert waits[:6] != floors[:6]  # the jitter is there
    assert waits == [backoff.delay(n, random.Random(7).random) for n in range(8)]  # and seedable


def test_spread_keeps_each_wait_between_half_and_all_of_it() -> None:
    backoff = Backoff(base_delay_s=5.0, max_delay_s=900.0, jitter_s=0.0, spread=0.5)
    rng = random.Random(3)
    for n in range(25):
        full = min(5.0 * 2**n, 900.0)
        waits = [backoff.delay(n, rng.random) for _ in range(20)]
        assert all(full / 2 <= wait < full for wait in waits)
        assert len(set(waits)) > 1  # rows that failed together come back apart


def test_the_outbox_schedule_is_the_one_the_worker_computed_before() -> None:
    backoff = Backoff(base_delay_s=5.0, max_delay_s=900.0, jitter_s=0.0, spread=0.5)
    ours, before = random.Random(11), random.Random(11)
    for attempts in range(1, 26):
        expected = min(5.0 * 2 ** (attempts - 1), 900.0) * (0.5 + before.random() / 2)
        assert backoff.delay(attempts - 1, ours.random) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("status", "replay_safe", "never_sent", "resend"),
    [
        (None, True, False, True),  # a read after a timeout
        (None, False, False, False),  # a create after a timeout: it may have landed
        (None, False, True, True),  # a create whose connection never opened
        (503, False, False, True),  # "not processed"
        (429, False, False, True),
        (500, False, False, False),  # may have been applied
        (502, True, False, True),
        (504, True, False, True),
        (404, True, False, False),  # an answer, not a failure
        (401, True, False, False),
    ],
)
def test_which_outcomes_may_be_sent_again(
    status: int | None, replay_safe: bool, never_sent: bool, resend: bool
) -> None:
    assert may_resend(status, replay_safe=replay_safe, never_sent=never_sent) is resend


def test_only_a_connection_that_never_opened_counts_as_never_sent() -> None:
    request = httpx.Request("POST", "https://dev.azure.com/fabrikam/_apis/wit/workitems/$Bug")
    assert never_reached_server(httpx.ConnectError("refused", request=request))
    assert never_reached_server(httpx.ConnectTimeout("no answer to SYN", request=request))
    assert not never_reached_server(httpx.ReadTimeout("sent, no answer", request=request))
    assert not never_reached_server(httpx.RemoteProtocolError("closed mid-answer", request=request))


def test_retry_after_is_cut_to_the_cap_unless_the_policy_sets_its_own_limit() -> None:
    server = RetryPolicy()  # the backend: wait at most max_delay_s, then try again
    assert server.wait_before_retry(1, 429, replay_safe=True, retry_after_s=3600) == 60.0
    assert server.wait_before_retry(1, 429, replay_safe=True, retry_after_s=7) == 7.0
    tool = RetryPolicy(max_retry_after_s=300)  # adoext: wait it in full, or report it
    assert tool.wait_before_retry(1, 429, replay_safe=True, retry_after_s=300) == 300.0
    assert tool.wait_before_retry(1, 429, replay_safe=True, retry_after_s=301) is None


def test_the_attempt_budget_counts_the_first_try() -> None:
    policy = RetryPolicy(max_attempts=3, jitter_s=0.0)
    waits = [policy.wait_before_retry(tries, 503, replay_safe=True) for tries in (1, 2, 3)]
    assert waits == [1.0, 2.0, None]
    assert policy.wait_before_retry(1, 500, replay_safe=False) is None  # the rule still applies
