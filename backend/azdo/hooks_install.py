"""Create or repair the service-hook subscriptions that keep linked reports in step with Boards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.azdo.client import AzureDevOpsClient
from backend.azdo.errors import AzureDevOpsUnavailable

EVENT_TYPES = ("workitem.updated", "workitem.deleted", "workitem.restored")
CONFIDENTIAL_INPUTS = frozenset({"basicAuthPassword"})  # Azure DevOps masks these when listing


@dataclass(frozen=True)
class HookTarget:
    """Where and how Azure DevOps should deliver events."""

    project_id: str
    url: str
    username: str
    password: str


@dataclass(frozen=True)
class InstallResult:
    """What happened to one event type's subscription."""

    event_type: str
    action: str  # created | repaired | unchanged
    subscription_id: str


def desired(target: HookTarget, event_type: str) -> dict[str, Any]:
    """Return the subscription body for one event type."""
    publisher_inputs = {"projectId": target.project_id}
    if event_type == "workitem.updated":
        publisher_inputs["changedFields"] = "System.State"  # only state changes matter to reports
    return {
        "publisherId": "tfs",
        "eventType": event_type,
        "resourceVersion": "1.0",
        "consumerId": "webHooks",
        "consumerActionId": "httpRequest",
        "publisherInputs": publisher_inputs,
        "consumerInputs": {
            "url": target.url,
            "basicAuthUsername": target.username,
            "basicAuthPassword": target.password,
            # Minimal details: the backend re-reads the item through REST with its own permissions.
            "resourceDetailsToSend": "minimal",
            "messagesToSend": "none",
            "detailedMessagesToSend": "none",
        },
    }


def install(
    client: AzureDevOpsClient, target: HookTarget, *, reset_credentials: bool = False
) -> list[InstallResult]:
    """Create missing subscriptions and fix drifted ones; `reset_credentials` re-sends the password."""
    existing = client.list_subscriptions()
    results = []
    for event_type in EVENT_TYPES:
        body = desired(target, event_type)
        current = _find(existing, body)
        if current is None:
            created = _create(client, body)
            results.append(InstallResult(event_type, "created", str(created.get("id"))))
        elif reset_credentials or _drifted(current, body):
            client.replace_subscription(str(current["id"]), {**body, "id": current["id"]})
            results.append(InstallResult(event_type, "repaired", str(current["id"])))
        else:
            results.append(InstallResult(event_type, "unchanged", str(current["id"])))
    return results


def _create(client: AzureDevOpsClient, body: dict[str, Any]) -> dict[str, Any]:
    """Create a subscription; after an answer that leaves it unknown whether Azure DevOps did (a timeout,
    a 5xx), look before saying it failed, rather than send a create that could make a second one."""
    try:
        return client.create_subscription(body)
    except AzureDevOpsUnavailable:
        found = _find(client.list_subscriptions(), body)
        if found is None:
            raise
        return found


def _find(existing: list[dict[str, Any]], body: dict[str, Any]) -> dict[str, Any] | None:
    """Return our subscription for this event and project (same target URL), if any."""
    for sub in existing:
        inputs = sub.get("publisherInputs") or {}
        if (
            sub.get("publisherId") == "tfs"
            and sub.get("eventType") == body["eventType"]
            and sub.get("consumerId") == "webHooks"
            and str(inputs.get("projectId", "")).lower() == body["publisherInputs"]["projectId"].lower()
            and (sub.get("consumerInputs") or {}).get("url") == body["consumerInputs"]["url"]
        ):
            return sub
    return None


def _drifted(current: dict[str, Any], body: dict[str, Any]) -> bool:
    """Tell whether a visible setting differs (the masked password cannot be compared)."""
    if (
        current.get("status", "enabled") != "enabled"
        or current.get("consumerActionId") != body["consumerActionId"]
    ):
        return True
    if (current.get("publisherInputs") or {}) != body["publisherInputs"]:
        return True
    have = current.get("consumerInputs") or {}
    want = body["consumerInputs"]
    return any(have.get(k) != v for k, v in want.items() if k not in CONFIDENTIAL_INPUTS)
