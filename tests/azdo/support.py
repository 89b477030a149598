"""Shared helpers for the Azure DevOps tests (constants, a fake clock, emulator control calls)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from backend.azdo.client import AzureDevOpsClient

ORG = "fabrikam"
PROJECT_ID = "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c"
PROJECT_NAME = "Fabrikam-Fiber"
ClientFactory = Callable[..., AzureDevOpsClient]


@dataclass
class FakeClock:
    """A clock that only moves when something sleeps, recording every wait."""

    now: float = 1_800_000_000.0
    sleeps: list[float] = field(default_factory=list)

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def stats(control: httpx.Client) -> dict[str, int]:
    """Return the emulator's request counters."""
    counts: dict[str, int] = control.get("stats").json()["requests"]
    return counts


def fault(control: httpx.Client, kind: str, **extra: object) -> None:
    """Queue a fault on the emulator."""
    control.post("faults", json={"kind": kind, **extra}).raise_for_status()


ORG_ID = "0f8e7b43-7c1a-4d6e-9a43-3c1d2b8f5e10"  # the collection id service hooks carry
TENANT_ID = "t-1"  # the tenant of the organization's users (their app tokens' tid)
