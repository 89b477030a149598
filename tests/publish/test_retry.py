"""Retries on 429/5xx honour Retry-After; uploads are only resent when the service says "not processed"."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from email.utils import format_datetime

from adoext.marketplace.retry import retry_after_seconds

from backend.devtools.marketplace_emulator.state import MarketplaceState

from .conftest import EXTENSION, PUBLISHER, Adoext, FakeClock, VsixFactory, one_line_error


def test_throttled_lookup_waits_as_told_then_publishes(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, clock: FakeClock
) -> None:
    marketplace.fail_next(429, count=2, retry_after="7")

    result = adoext("publish", "--vsix", str(make_vsix()))

    assert result.exit_code == 0, result.output
    assert clock.sleeps[:2] == [7.0, 7.0]
    assert "answered HTTP 429; retrying in 7s (attempt 2 of 4)" in result.stderr
    assert marketplace.count("GET") == 3 + 3 and marketplace.count("POST") == 1


def test_an_upload_answered_503_is_sent_again(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, clock: FakeClock
) -> None:
    marketplace.fail_next(503, retry_after="3", method="POST")

    result = adoext("publish", "--vsix", str(make_vsix()), "--no-wait-validation")

    assert result.exit_code == 0, result.output
    assert marketplace.count("POST") == 2 and clock.sleeps == [3.0]
    assert (PUBLISHER, EXTENSION) in marketplace.extensions


def test_an_upload_answered_500_is_not_resent(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, clock: FakeClock
) -> None:
    # A 500 may come after the upload landed; resending would turn it into "version must increase".
    marketplace.fail_next(500, method="POST")

    result = adoext("publish", "--vsix", str(make_vsix()), "--no-wait-validation")

    assert result.exit_code == 5
    assert "create fabrikam.report-bridge: HTTP 500" in one_line_error(result)
    assert marketplace.count("POST") == 1 and clock.sleeps == []


def test_gives_up_after_the_last_attempt_with_backoff(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, clock: FakeClock
) -> None:
    marketplace.fail_next(502, count=10)

    result = adoext("show", "--publisher", PUBLISHER, "--extension-id", EXTENSION)

    assert result.exit_code == 5
    assert "HTTP 502" in one_line_error(result)
    assert marketplace.count("GET") == 4
    # Exponential back-off with up to one second of jitter: 1-2 s, 2-3 s, 4-5 s.
    assert [int(s) for s in clock.sleeps] == [1, 2, 4]


def test_a_retry_after_beyond_the_limit_is_reported_not_waited_for(
    adoext: Adoext, marketplace: MarketplaceState, clock: FakeClock
) -> None:
    marketplace.fail_next(429, retry_after="3600")

    result = adoext("show", "--publisher", PUBLISHER, "--extension-id", EXTENSION)

    assert result.exit_code == 5
    assert "HTTP 429: TF400733" in one_line_error(result)
    assert clock.sleeps == [] and marketplace.count("GET") == 1


def test_connection_failures_are_retried_then_reported(adoext: Adoext, clock: FakeClock) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    adoext.service_url = f"http://127.0.0.1:{port}"  # nothing listens there any more

    result = adoext("show", "--publisher", PUBLISHER, "--extension-id", EXTENSION)

    assert result.exit_code == 5
    assert "cannot reach 127.0.0.1" in one_line_error(result)
    assert len(clock.sleeps) == 3


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(datetime(2026, 11, 27, 12, 0, 30, tzinfo=UTC), usegmt=True)

    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds(later, now=now.timestamp) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("-5") == 0.0
