"""Pacing: the per-organization concurrency limit (over real HTTP) and X-RateLimit-* smoothing."""

from __future__ import annotations

import math
import random
import threading
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

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


ODD_BUDGETS = [  # (Remaining, Limit, Reset) as a server might write them; float() reads all of these
    ("-1", "200", str(NOW + 100)),  # spent past zero: "remaining + 1" was a division by zero
    ("-5", "200", str(NOW + 100)),
    ("nan", "200", str(NOW + 100)),
    ("0", "nan", str(NOW + 100)),
    ("0", "200", "nan"),
    ("inf", "200", str(NOW + 100)),
    ("0", "inf", str(NOW + 100)),
    ("0", "200", "inf"),
    ("0", "200", "1e400"),
    ("-inf", "200", str(NOW + 100)),
    ("0", "-200", str(NOW + 100)),
    ("0", "200", "-1e300"),
]


@pytest.mark.parametrize(("remaining", "limit", "reset"), ODD_BUDGETS)
def test_an_odd_rate_limit_budget_gives_a_pause_between_zero_and_the_cap(
    remaining: str, limit: str, reset: str
) -> None:
    budget = {"X-RateLimit-Remaining": remaining, "X-RateLimit-Limit": limit, "X-RateLimit-Reset": reset}
    pause = pacing_delay(response(**budget), NOW, 60)
    assert math.isfinite(pause) and 0 <= pause <= 60


def test_a_budget_spent_past_zero_is_read_as_spent() -> None:
    spent = response(
        **{"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "-1", "X-RateLimit-Reset": str(NOW + 30)}
    )
    assert pacing_delay(spent, NOW, 60) == 30.0  # as "0": the rest of the window


def test_a_call_answered_with_an_odd_budget_still_returns_its_answer() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "-1", "X-RateLimit-Reset": "nan"}
        return httpx.Response(200, headers=headers, json={"value": [{"id": "p1"}]})

    transport = httpx.MockTransport(answer)
    with httpx.Client(base_url=f"https://dev.azure.com/{ORG}/", transport=transport) as http:
        client = AzureDevOpsClient(http, gate=GateRegistry().gate(ORG), rng=random.Random(1))
        assert client.list_projects() == [{"id": "p1"}]
