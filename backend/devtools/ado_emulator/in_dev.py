"""The local Azure DevOps emulator inside `report-bridge dev`: its process, the worker, and their wiring.

`report-bridge dev` adds `children()` to its processes and `environment()` to the shared environment
(a development PAT and service-hook secret made up at start, never stored), then calls `prepare()`
once everything answers: the emulator learns the demo's work items and gets the service-hook
subscriptions pointing at the backend, exactly as `report-bridge hooks install` would do it.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import httpx

from backend.azdo.auth import AzureDevOpsAuth
from backend.azdo.client import AzureDevOpsClient
from backend.azdo.hooks_install import HookTarget, install
from backend.azdo.retry import OrgGate
from backend.storage import open_storage

DEV_ADO_PORT = 8003
HOOK_USER = "azure-devops"


def ado_url(port: int = DEV_ADO_PORT) -> str:
    """Return the emulator's base URL."""
    return f"http://127.0.0.1:{port}"


def environment(org_name: str, port: int = DEV_ADO_PORT) -> dict[str, str]:
    """Return the variables that point the backend and the worker at the emulator (PAT mode)."""
    return {
        "REPORT_BRIDGE_AZDO_ORG_URLS": f"{ado_url(port)}/{org_name}",
        "REPORT_BRIDGE_AZDO_AUTH_MODE": "pat",
        "REPORT_BRIDGE_AZDO_PAT": secrets.token_urlsafe(32),
        "REPORT_BRIDGE_WEBHOOK_USERNAME": HOOK_USER,
        "REPORT_BRIDGE_WEBHOOK_SECRET": secrets.token_urlsafe(32),
    }


def children(
    database: Path,
    *,
    org_id: str,
    org_name: str,
    project_id: str,
    project_name: str,
    port: int = DEV_ADO_PORT,
) -> list[tuple[str, list[str], str]]:
    """Return (name, argv, ready URL) for the emulator and the outbox worker."""
    python = sys.executable
    emulator = [
        python,
        "-m",
        "backend.devtools.ado_emulator",
        "--port",
        str(port),
        "--organization",
        org_name,
        "--organization-id",
        org_id,
        "--project",
        f"{project_id}={project_name}",
    ]
    worker = [python, "-m", "backend.cli", "--database", str(database), "worker"]
    return [("azure-devops-emulator", emulator, f"{ado_url(port)}/_emulator/stats"), ("worker", worker, "")]


def prepare(env: dict[str, str], *, backend_url: str, database: Path, org_id: str, project_id: str) -> None:
    """Copy the demo's work items into the emulator and subscribe the backend to its service hooks."""
    org_url = env["REPORT_BRIDGE_AZDO_ORG_URLS"]
    base = org_url.rsplit("/", 1)[0]
    storage = open_storage(database)
    try:
        with storage.snapshot() as tx:
            items = tx.query(
                "SELECT work_item_id, title, state FROM work_items WHERE org_id = :org", {"org": org_id}
            )
    finally:
        storage.close()
    with httpx.Client(base_url=f"{base}/_emulator/", timeout=10) as control:
        for item in items:
            body = {
                "id": item["work_item_id"],
                "project": project_id,
                "title": item["title"],
                "state": item["state"],
            }
            control.post("work-items", json=body).raise_for_status()
    auth = AzureDevOpsAuth(pat=env["REPORT_BRIDGE_AZDO_PAT"])
    with httpx.Client(base_url=org_url + "/", auth=auth, timeout=10) as http:
        target = HookTarget(
            project_id, f"{backend_url}/hooks/azure-devops", HOOK_USER, env["REPORT_BRIDGE_WEBHOOK_SECRET"]
        )
        install(AzureDevOpsClient(http, gate=OrgGate()), target)
