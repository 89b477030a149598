"""Service-hook receiver: POST /hooks/azure-devops (Basic credentials configured on the subscription).

Azure DevOps does not sign deliveries, so the checks are: Basic credentials compared in constant
time against the current and previous secret, a body cap, one JSON object (inputs.load_json: none
of its names repeated), publisher/event allow-lists, a known organization and project, and
de-duplication by event id. The event and container ids are GUIDs, taken in the one spelling of
backend/auth/org_ids.py (lower-case), so a redelivery that spells its id in other capitals is
still a duplicate. The payload is never trusted for state: the receiver only queues a
"sync_work_item" outbox row, and the worker re-reads the item through REST. That keeps the answer
fast (Azure DevOps puts slow or failing subscribers on probation) and still works when Azure DevOps
is slow right after the change.
"""

from __future__ import annotations

import base64
import hmac
from typing import Any

from flask import Blueprint, g, request

from backend import errors, inputs
from backend.app_state import get_settings, get_storage
from backend.auth.org_ids import parse_exact_id
from backend.outbox.queue import Kind, enqueue_outbox
from backend.reports import linked_work, projects
from backend.storage import Tx, utcnow

bp = Blueprint("hooks", __name__, url_prefix="/hooks")
MAX_HOOK_BYTES = 64 * 1024  # a workitem.updated event with full details is a few KiB
PUBLISHERS = frozenset({"tfs"})
EVENT_TYPES = frozenset({"workitem.updated", "workitem.deleted", "workitem.restored"})


class HookUnauthorized(errors.AuthError):
    code, message = "hook_unauthorized", "The service hook's Basic credentials are not valid."

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Basic realm="report-bridge-hooks"'}


class HookNotConfigured(errors.Unavailable):
    code, message = "hooks_not_configured", "Service hooks are not configured (REPORT_BRIDGE_WEBHOOK_SECRET)."


class EventRejected(errors.BadRequest):
    code = "event_rejected"


class UnknownSource(errors.Forbidden):
    code = "unknown_source"


class PayloadTooLarge(errors.AppError):
    status, code, message = (
        413,
        "payload_too_large",
        f"Service-hook bodies are limited to {MAX_HOOK_BYTES} bytes.",
    )


@bp.post("/azure-devops")
def receive() -> tuple[dict[str, Any], int]:
    """Accept one service-hook delivery and queue the work item for a REST re-read."""
    _check_credentials()
    g.actor = {"actor": "webhook"}  # authenticated from here on; the audit row gets the org once known
    event = _read_event()
    org_id, project_id, work_item_id = _source(event)
    with get_storage().transaction() as tx:
        known = projects.known_project(tx, org_id, project_id)
        if known is None:
            raise UnknownSource("The event's organization or project is not served here.")
        org_id, project_id = known
        g.actor["org_id"] = org_id  # the stored id, not the event's spelling of it
        if not _first_delivery(tx, event, org_id, work_item_id):
            return {"status": "duplicate", "eventId": event["id"]}, 200
        if not linked_work.is_linked(tx, org_id, work_item_id):
            return {"status": "ignored", "eventId": event["id"]}, 202
        enqueue_outbox(
            tx,
            org_id=org_id,
            project_id=project_id,
            kind=Kind.SYNC_WORK_ITEM,
            payload={"workItemId": work_item_id, "eventType": event["eventType"], "eventId": event["id"]},
        )
    return {"status": "accepted", "eventId": event["id"]}, 202


def _check_credentials() -> None:
    settings = get_settings()
    if not settings.webhook_secret:
        raise HookNotConfigured()
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        raise HookUnauthorized()
    try:
        # One or more spaces may follow the scheme (RFC 9110 section 11.4). A header's text is Latin-1
        # (WSGI): a character past ASCII is a ValueError of b64decode, as bad base64 (binascii.Error)
        # and bytes that are no UTF-8 (UnicodeDecodeError) are.
        decoded = base64.b64decode(encoded.strip(" \t"), validate=True).decode("utf-8")
    except ValueError:
        raise HookUnauthorized() from None
    user, _, password = decoded.partition(":")
    user_ok = hmac.compare_digest(user.encode(), (settings.webhook_username or user).encode())
    # Compare against every accepted secret (no early exit) so timing tells nothing.
    matches = [
        hmac.compare_digest(password.encode(), s.encode())
        for s in (settings.webhook_secret, *settings.webhook_previous_secrets)
    ]
    if not (user_ok and any(matches)):
        raise HookUnauthorized()


def _read_event() -> dict[str, Any]:
    if request.mimetype != "application/json":  # Azure DevOps sends application/json; charset=utf-8
        raise errors.UnsupportedMediaType()
    if (request.content_length or 0) > MAX_HOOK_BYTES:
        raise PayloadTooLarge()
    body = request.stream.read(MAX_HOOK_BYTES + 1)  # also caps chunked bodies without a length
    if len(body) > MAX_HOOK_BYTES:
        raise PayloadTooLarge()
    try:
        event = inputs.load_json(body)
    except errors.ValidationFailed:
        raise
    except errors.BadRequest:
        raise EventRejected("The body is not JSON.") from None
    event_id = _id(event.get("id")) if isinstance(event, dict) else None
    if event_id is None:
        raise EventRejected("The event has no id (a GUID).")
    event = {**event, "id": event_id}
    publisher, event_type = event.get("publisherId"), event.get("eventType")
    # Strings first: a list or object is unhashable, so a set lookup would raise TypeError (a 500).
    if not isinstance(publisher, str) or publisher not in PUBLISHERS:
        raise EventRejected(f"Publisher {str(publisher)[:100]!r} is not accepted.")
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
        raise EventRejected(f"Event type {str(event_type)[:100]!r} is not accepted.")
    return event


def _source(event: dict[str, Any]) -> tuple[str, str, int]:
    """Return (organization id, project id, work item id) named by the event."""
    containers = _obj(event.get("resourceContainers"))
    # The collection's id, else the account's, in the one spelling every other entry point uses.
    org = _container_id(containers, "collection") or _container_id(containers, "account")
    project = _container_id(containers, "project")
    resource = _obj(event.get("resource"))
    # For updates resource.id is the update's id; the work item is resource.workItemId.
    raw = resource.get("workItemId") if event["eventType"] == "workitem.updated" else resource.get("id")
    if not (org and project):
        raise EventRejected("The event lacks valid resourceContainers.collection/account and project ids.")
    work_item_id = inputs.json_integer(raw, minimum=1, maximum=inputs.WORK_ITEM_ID_MAX)
    if work_item_id is None:
        raise EventRejected("The event does not name a work item.")
    return org, project, work_item_id


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _container_id(containers: dict[str, Any], name: str) -> str | None:
    return _id(_obj(containers.get(name)).get("id"))


def _id(value: Any) -> str | None:
    """The canonical spelling of an event or container id (a GUID, in any case), or None when it is not
    exactly one: the document's pattern has no white space around an id, so neither has the receiver."""
    return parse_exact_id(value) if isinstance(value, str) else None


def _first_delivery(tx: Tx, event: dict[str, Any], org_id: str, work_item_id: int) -> bool:
    inserted = tx.execute(
        "INSERT INTO hook_events (event_id, org_id, event_type, work_item_id, received_at) "
        "VALUES (:id, :org, :type, :wid, :now) ON CONFLICT (event_id) DO NOTHING",
        {"id": event["id"], "org": org_id, "type": event["eventType"], "wid": work_item_id, "now": utcnow()},
    )
    return inserted == 1
