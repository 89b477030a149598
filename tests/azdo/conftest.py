"""Fixtures for the Azure DevOps integration: the local emulator on a real port, clients, a fake clock."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator

import httpx
import pytest

from backend.azdo.auth import AzureDevOpsAuth
from backend.azdo.client import AzureDevOpsClient
from backend.azdo.retry import GateRegistry, RetryPolicy
from backend.devtools.ado_emulator import create_emulator
from backend.devtools.ado_emulator_control import EmulatorServer
from backend.devtools.ado_emulator_state import EmulatorState

from .support import ORG, PROJECT_ID, PROJECT_NAME, ClientFactory, FakeClock


@pytest.fixture
def pat() -> str:
    return secrets.token_urlsafe(24)


@pytest.fixture
def bearer() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture
def emulator_state(pat: str, bearer: str) -> EmulatorState:
    state = EmulatorState(organization=ORG, pat=pat, bearer_tokens={bearer})
    state.add_project(PROJECT_NAME, PROJECT_ID)
    return state


@pytest.fixture
def emulator(emulator_state: EmulatorState) -> Iterator[EmulatorServer]:
    server = EmulatorServer(create_emulator(emulator_state)).start()
    yield server
    server.stop()


@pytest.fixture
def control(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    """An HTTP client for the emulator's /_emulator control endpoints."""
    with httpx.Client(base_url=emulator.url + "/_emulator/", timeout=10) as http:
        yield http


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(emulator: EmulatorServer, clock: FakeClock, pat: str) -> Iterator[ClientFactory]:
    """Build clients against the emulator; requests seen on the wire are kept in `.sent`."""
    made: list[AzureDevOpsClient] = []

    def build(
        auth: httpx.Auth | None = None, *, timeout: float = 10.0, sent: list[httpx.Request] | None = None
    ) -> AzureDevOpsClient:
        hooks = {"request": [sent.append]} if sent is not None else {}
        http = httpx.Client(
            base_url=f"{emulator.url}/{ORG}/",
            auth=auth or AzureDevOpsAuth(pat=pat),
            timeout=timeout,
            event_hooks=hooks,
        )
        gates = GateRegistry(clock=clock.time, sleep=clock.sleep)
        client = AzureDevOpsClient(http, gate=gates.gate(ORG), policy=RetryPolicy(), rng=random.Random(7))
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


@pytest.fixture
def emulator_url(emulator: EmulatorServer) -> str:
    return emulator.url
