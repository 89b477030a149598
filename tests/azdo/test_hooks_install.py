"""`report-bridge hooks install` against the emulator: create, leave alone, repair drift; `worker --once`."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from backend import create_app
from backend.azdo import hooks_install
from backend.azdo.client import AzureDevOpsClient
from backend.azdo.errors import AzureDevOpsUnavailable
from backend.azdo.retry import GateRegistry
from backend.cli import cli
from backend.config import ConfigError, Settings
from backend.devtools.ado_emulator.server import EmulatorServer
from backend.devtools.ado_emulator.state import EmulatorState

from .support import ORG, PROJECT_ID, PROJECT_NAME, FakeClock

HOOK_URL = "http://127.0.0.1:8000/hooks/azure-devops"


@pytest.fixture
def env(emulator: EmulatorServer, pat: str, hook_secret: str, tmp_path: Path) -> dict[str, str | None]:
    """The settings `hooks install` needs: no extension secret (it verifies no extension token)."""
    return {
        "REPORT_BRIDGE_EXTENSION_SECRET": None,
        "REPORT_BRIDGE_DATABASE": str(tmp_path / "rb.db"),
        "REPORT_BRIDGE_AZDO_ORG_URLS": f"{emulator.url}/{ORG}",
        "REPORT_BRIDGE_AZDO_AUTH_MODE": "pat",
        "REPORT_BRIDGE_AZDO_PAT": pat,
        "REPORT_BRIDGE_WEBHOOK_USERNAME": "azure-devops",
        "REPORT_BRIDGE_WEBHOOK_SECRET": hook_secret,
    }


def run(env: dict[str, str | None], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def install(env: dict[str, str | None], *extra: str) -> tuple[int, str]:
    return run(env, "hooks", "install", "--org", ORG, "--project", PROJECT_NAME, "--url", HOOK_URL, *extra)


def test_install_creates_then_leaves_alone_then_repairs(
    env: dict[str, str | None], emulator_state: EmulatorState, emulator: EmulatorServer, hook_secret: str,
    pat: str,
) -> None:
    code, output = install(env)
    assert code == 0, output
    assert [line.split(":")[1].split()[0] for line in output.splitlines()] == ["created"] * 3
    subs = list(emulator_state.subscriptions.values())
    assert sorted(s["eventType"] for s in subs) == [
        "workitem.deleted",
        "workitem.restored",
        "workitem.updated",
    ]
    for sub in subs:
        assert sub["publisherInputs"]["projectId"] == PROJECT_ID
        assert sub["consumerInputs"]["basicAuthPassword"] == hook_secret
        assert sub["consumerInputs"]["resourceDetailsToSend"] == "minimal"

    code, output = install(env)
    assert code == 0 and output.count("unchanged") == 3

    # Someone edits one subscription in the UI and disables another.
    updated = next(s for s in subs if s["eventType"] == "workitem.updated")
    deleted = next(s for s in subs if s["eventType"] == "workitem.deleted")
    api = httpx.Client(
        base_url=f"{emulator.url}/{ORG}/_apis/hooks/", auth=("", pat)
    )
    api.put(
        f"subscriptions/{updated['id']}",
        params={"api-version": "7.1"},
        json={**updated, "consumerInputs": {**updated["consumerInputs"], "resourceDetailsToSend": "all"}},
    )
    api.put(
        f"subscriptions/{deleted['id']}",
        params={"api-version": "7.1"},
        json={**deleted, "status": "disabledByUser"},
    )
    code, output = install(env)
    assert code == 0 and output.count("repaired") == 2 and output.count("unchanged") == 1
    assert len(emulator_state.subscriptions) == 3
    assert emulator_state.subscriptions[updated["id"]]["consumerInputs"]["resourceDetailsToSend"] == "minimal"
    assert emulator_state.subscriptions[deleted["id"]]["status"] == "enabled"

    code, output = install(env, "--reset-credentials")
    assert code == 0 and output.count("repaired") == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"url": "http://backend.example.com/hooks/azure-devops"}, "must use https"),
        ({"org": "http://dev.example.com/fabrikam"}, "http://dev.example.com must use https"),  # the PAT
        ({"project": "No-Such-Project"}, "no project 'No-Such-Project'"),
        ({"org": "contoso"}, "no Azure DevOps URL configured for organization 'contoso'"),
    ],
)
def test_install_errors_are_one_line(
    env: dict[str, str | None], change: dict[str, str], message: str
) -> None:
    args = {"org": ORG, "project": PROJECT_NAME, "url": HOOK_URL, **change}
    code, output = run(
        env, "hooks", "install", "--org", args["org"], "--project", args["project"], "--url", args["url"]
    )
    assert code == 1 and message in output and "Traceback" not in output
    assert len(output.strip().splitlines()) == 1


def test_install_with_a_wrong_pat_says_so(env: dict[str, str | None]) -> None:
    code, output = install({**env, "REPORT_BRIDGE_AZDO_PAT": "expired"})
    assert code == 1 and "did not accept the backend's credentials (HTTP 401)" in output


def test_worker_once_processes_nothing_on_an_empty_outbox(env: dict[str, str | None]) -> None:
    code, output = run(env, "worker", "--once")
    assert code == 0 and output.strip() == "processed 0 outbox row(s)"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"REPORT_BRIDGE_AZDO_PAT": ""}, "PAT mode needs a personal access token"),
        ({"REPORT_BRIDGE_AZDO_ORG_URLS": ""}, "REPORT_BRIDGE_AZDO_ORG_URLS is empty"),
        # The PAT goes with every call: never in clear text off this machine, and the URL is not echoed.
        ({"REPORT_BRIDGE_AZDO_ORG_URLS": "http://u:s3cretPW@dev.example.com/org"},
         "dev.example.com must use https"),
        ({"REPORT_BRIDGE_AZDO_ORG_URLS": "https://u:s3cretPW@[::1/org"}, "an entry is not a URL"),
        ({"REPORT_BRIDGE_AZDO_ORG_URLS": "ftp://dev.example.com/org"}, "is not an absolute http(s) URL"),
    ],
)
def test_worker_refuses_to_start_without_usable_settings(
    env: dict[str, str | None], change: dict[str, str], message: str
) -> None:
    code, output = run({**env, **change}, "worker", "--once")
    assert code == 1 and message in output and len(output.strip().splitlines()) == 1
    assert "s3cretPW" not in output


class TimeoutAfterCreate:
    """A transport standing in for Azure DevOps whose answer to a create is lost: the create is applied
    (when `applies`), then the read times out. Lists answer what was applied."""

    def __init__(self, applies: bool) -> None:
        self.applies = applies
        self.subscriptions: list[dict[str, Any]] = []
        self.posts = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.posts += 1
            if self.applies:
                self.subscriptions.append({**json.loads(request.content), "id": f"sub-{self.posts}"})
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return httpx.Response(200, json={"count": len(self.subscriptions), "value": self.subscriptions})


def timeout_client(azdo: TimeoutAfterCreate, clock: FakeClock) -> AzureDevOpsClient:
    http = httpx.Client(transport=httpx.MockTransport(azdo.handle), base_url="https://dev.azure.com/fabrikam/")
    gates = GateRegistry(clock=clock.time, sleep=clock.sleep)
    return AzureDevOpsClient(http, gate=gates.gate("fabrikam"), rng=random.Random(3))


def test_a_create_whose_answer_is_lost_is_looked_for_not_sent_again(clock: FakeClock) -> None:
    """A resent create would make a second subscription (and every event would arrive twice)."""
    azdo = TimeoutAfterCreate(applies=True)
    target = hooks_install.HookTarget(PROJECT_ID, HOOK_URL, "azure-devops", "a-test-password")
    results = hooks_install.install(timeout_client(azdo, clock), target)
    assert azdo.posts == len(hooks_install.EVENT_TYPES)  # one create per event type, none resent
    assert [r.action for r in results] == ["created"] * len(hooks_install.EVENT_TYPES)
    assert sorted(r.subscription_id for r in results) == sorted(s["id"] for s in azdo.subscriptions)


def test_a_create_whose_answer_is_lost_and_that_was_not_applied_fails(clock: FakeClock) -> None:
    azdo = TimeoutAfterCreate(applies=False)
    target = hooks_install.HookTarget(PROJECT_ID, HOOK_URL, "azure-devops", "a-test-password")
    with pytest.raises(AzureDevOpsUnavailable):
        hooks_install.install(timeout_client(azdo, clock), target)
    assert azdo.posts == 1 and azdo.subscriptions == []


def test_the_app_refuses_at_start_an_org_url_its_credential_may_not_travel_to(
    backend_settings: Settings,
) -> None:
    clear = replace(backend_settings, azdo_org_urls=("http://dev.example.com/fabrikam",))
    with pytest.raises(ConfigError, match="http://dev.example.com must use https"):
        create_app(clear)
