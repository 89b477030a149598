"""Pacing: the per-organization concurrency limit (over real HTTP) and X-RateLimit-* smoothing."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx

from backend.azdo.auth import AzureDevOpsAuth
from backend.azdo.client import AzureDevOpsClient
from backend.azdo.retry import GateRegistry, pacing_delay
from backend.devtools.ado_emulator.server import EmulatorServer

from .support import ORG, fault

NOW = 1_800_000_000.0


def test_concurrent_calls_to_one_organization_are_capped(
    emulator: EmulatorServer, control: httpx.Client, pat: str
) -> None:
    gates = GateRegistry(max_concurrency=2)
    with httpx.Client(base_url=f"{emulator.url}/{ORG}/", auth=AzureDevOpsAuth(pat=pat), timeout=10) as http:
        client = AzureDevOpsClient(http, gate=gates.gate(ORG), rng=random.Random(1))
        fault(control, "slow", count=8, delay=0.2)
        control.delete("stats")
        threads = [threading.Thread(target=client.list_projects) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    answer = control.get("stats").json()
    assert answer["requests"]["GET /<org>/_apis/projects"] == 8
    assert answer["peakInFlight"] == 2


def response(**headers: str) -> httpx.Response:
    return httpx.Response(200, headers=headers, json={})


def test_plenty_of_budget_means_no_pause() -> None:
    assert pacing_delay(response(), NOW, 60) == 0
    ample = response(
        **{"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "150", "X-RateLimit-Reset": str(NOW + 300)}
    )
    assert pacing_delay(ample, NOW, 60) == 0


def test_low_budget_spreads_the_rest_until_the_reset() -> None:
    low = response(
        **{"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "9", "X-RateLimit-Reset": str(NOW + 100)}
    )
    assert pacing_delay(low, NOW, 60) == 10.0
    empty = response(
        **{"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(NOW + 300)}
    )
    assert pacing_delay(empty, NOW, 60) == 60.0  # capped


def test_retry_after_wins_over_rate_limit_headers() -> None:
    both = response(
        **{
            "Retry-After": "3",
            "X-RateLimit-Limit": "200",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(NOW + 300),
        }
    )
    assert pacing_delay(both, NOW, 60) == 3.0


def test_retry_after_as_an_http_date_is_read_too() -> None:
    at = format_datetime(datetime.fromtimestamp(NOW + 8, UTC), usegmt=True)
    assert pacing_delay(response(**{"Retry-After": at}), NOW, 60) == 8.0
