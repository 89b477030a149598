"""Service hooks in the local Azure DevOps emulator: subscriptions, event payloads, deliveries.

Events follow the hooks 7.1 `Event` shape (publisher `tfs`, resourceVersion 1.0); `minimal` details
carry only ids, as Azure DevOps sends them with resourceDetailsToSend=minimal.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx
from flask import current_app, request

from backend.devtools.ado_emulator.state import EmulatorError, EmulatorState, now_text


def _base() -> str:
    return request.host_url.rstrip("/")


def hook_event(
    state: EmulatorState, event_type: str, item_id: int, changes: dict[str, Any], base_url: str, details: str
) -> dict[str, Any]:
    """Build a service-hook event for an item, as much detail as the subscription asks for."""
    item = state.work_items[item_id]
    api = f"{base_url}/{state.organization}/_apis/wit/workItems/{item_id}"
    resource: dict[str, Any] = {
        "id": item["rev"],
        "workItemId": item_id,
        "rev": item["rev"],
        "url": f"{api}/updates/{item['rev']}",
    }
    if event_type != "workitem.updated":
        resource = {"id": item_id, "url": api}
    if details != "minimal":
        resource["fields"] = changes
        resource["revision"] = {
            "id": item_id,
            "rev": item["rev"],
            "fields": dict(item["fields"]),
            "url": f"{api}/revisions/{item['rev']}",
        }
    container = {"id": state.organization_id, "baseUrl": f"{base_url}/{state.organization}/"}
    return {
        "id": str(uuid.uuid4()),
        "eventType": event_type,
        "publisherId": "tfs",
        "scope": "all",
        "message": {"text": f"Work item {item_id} changed"},
        "resource": resource,
        "resourceVersion": "1.0",
        "resourceContainers": {
            "collection": container,
            "account": container,
            "project": {"id": item["projectId"]},
        },
        "createdDate": now_text(),
    }


def subscribers(
    state: EmulatorState, event_type: str, item_id: int, changes: dict[str, Any]
) -> list[dict[str, Any]]:
    """Return the enabled subscriptions an event on this item goes to."""
    item = state.work_items[item_id]
    chosen = []
    for sub in state.subscriptions.values():
        inputs = sub.get("publisherInputs") or {}
        if sub.get("eventType") != event_type or sub.get("status", "enabled") != "enabled":
            continue
        if inputs.get("projectId") and inputs["projectId"].lower() != item["projectId"].lower():
            continue
        if inputs.get("workItemType") and inputs["workItemType"] != item["fields"].get("System.WorkItemType"):
            continue
        wanted = {f.strip() for f in (inputs.get("changedFields") or "").split(",") if f.strip()}
        if event_type == "workitem.updated" and wanted and not wanted & set(changes):
            continue
        chosen.append(sub)
    return chosen


def deliver(
    state: EmulatorState, event_type: str, item_id: int, changes: dict[str, Any]
) -> list[dict[str, Any]]:
    """POST the event to every matching subscription with its Basic credentials; log the outcome."""
    http: httpx.Client = current_app.extensions["ado_emulator_http"]
    with state.lock:
        targets = [
            (
                sub,
                hook_event(
                    state,
                    event_type,
                    item_id,
                    changes,
                    _base(),
                    (sub.get("consumerInputs") or {}).get("resourceDetailsToSend", ""),
                ),
            )
            for sub in subscribers(state, event_type, item_id, changes)
        ]
    results = []
    for sub, event in targets:
        inputs = sub.get("consumerInputs") or {}
        headers = {}
        if inputs.get("basicAuthUsername") or inputs.get("basicAuthPassword"):
            pair = f"{inputs.get('basicAuthUsername', '')}:{inputs.get('basicAuthPassword', '')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        try:
            status: int | str = http.post(str(inputs["url"]), json=event, headers=headers).status_code
        except httpx.HTTPError as exc:  # the service logs a failed delivery and carries on
            status = type(exc).__name__
        record = {"subscriptionId": sub["id"], "eventId": event["id"], "status": status, "event": event}
        with state.lock:
            state.deliveries.append(record)
        results.append({"subscriptionId": sub["id"], "eventId": event["id"], "status": status})
    return results


def subscription_body(body: Any, sub_id: str) -> dict[str, Any]:
    """Validate a subscription create/replace body and give it its id."""
    if (
        not isinstance(body, dict)
        or body.get("consumerId") != "webHooks"
        or not (body.get("consumerInputs") or {}).get("url")
    ):
        raise EmulatorError(
            400, "The local emulator accepts webHooks/httpRequest subscriptions with a consumerInputs.url."
        )
    return {**body, "id": sub_id, "status": body.get("status", "enabled")}


def public(sub: dict[str, Any]) -> dict[str, Any]:
    """Mask the confidential input, as the service does when listing subscriptions."""
    inputs = dict(sub.get("consumerInputs") or {})
    if "basicAuthPassword" in inputs:
        inputs["basicAuthPassword"] = "********"
    return {**sub, "consumerInputs": inputs}
