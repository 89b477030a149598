"""Control surface of the local Azure DevOps emulator: faults, Boards-like state changes, hooks, stats."""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from backend.devtools.ado_emulator.hooks import deliver
from backend.devtools.ado_emulator.state import AnswerEdit, EmulatorError, EmulatorState, Fault

SIGN_IN_PAGE = "<html><head><title>Azure DevOps Services | Sign In</title></head><body>Sign in</body></html>"
FAULT_KINDS = ("429", "503", "slow", "203", "html-200", "401", "retry-after-200", "json-200")
# "json-200": a JSON answer that is not the resource asked for (a gateway's, a changed API's).
ANOTHER_SHAPE = {"value": "not the resource asked for", "count": 1}
control = Blueprint("ado_control", __name__, url_prefix="/_emulator")


def _state() -> EmulatorState:
    state: EmulatorState = current_app.extensions["ado_emulator"]
    return state


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise EmulatorError(400, "Send a JSON object.")
    return body


@control.route("/faults", methods=["POST", "DELETE"])
def faults() -> Response:
    """Queue a fault for the next REST calls (POST) or clear them all (DELETE)."""
    state = _state()
    with state.lock:
        if request.method == "DELETE":
            state.faults.clear()
            return jsonify({"faults": 0})
        body = _body()
        if body.get("kind") not in FAULT_KINDS:
            raise EmulatorError(400, f"kind must be one of {', '.join(FAULT_KINDS)}")
        retry_after = body.get("retryAfter")
        state.faults.append(
            Fault(
                kind=str(body["kind"]),
                count=int(body.get("count", 1)),
                delay=float(body.get("delay", 0)),
                retry_after=float(retry_after) if retry_after is not None else None,
                path_contains=str(body.get("pathContains", "")),
            )
        )
        return jsonify({"faults": len(state.faults)})


@control.post("/projects")
def add_project() -> Response:
    """Create a project (id optional), as an administrator would."""
    body, state = _body(), _state()
    with state.lock:
        pid = state.add_project(str(body.get("name") or "Project"), body.get("id"))
    return jsonify({"id": pid, "name": state.projects[pid]})


@control.post("/work-items/<int:item_id>/state")
def change_state(item_id: int) -> Response:
    """Move a work item to another state as a user would in Boards; deliver the service hooks."""
    state = _state()
    new_state = str(_body().get("state") or "")
    if not new_state:
        raise EmulatorError(400, "state is required")
    with state.lock:
        _, changes = state.update(
            item_id, [{"op": "add", "path": "/fields/System.State", "value": new_state}], _base()
        )
    results = deliver(state, "workitem.updated", item_id, changes)
    return jsonify({"id": item_id, "state": new_state, "deliveries": results})


@control.route("/work-items/<int:item_id>/answer", methods=["POST", "DELETE"])
def answer_edits(item_id: int) -> Response:
    """Change what the REST API answers for one item (POST {"edits": [{"path": [...], "value": v} or
    {"path": [...], "remove": true}]}, applied in order), or answer it as stored again (DELETE)."""
    state = _state()
    with state.lock:
        if request.method == "DELETE":
            state.answer_edits.pop(item_id, None)
            return jsonify({"edits": 0})
        edits = _body().get("edits")
        if not isinstance(edits, list) or not all(_is_edit(e) for e in edits):
            raise EmulatorError(400, 'edits: a list of {"path": [names], "value": v} or "remove": true')
        state.answer_edits[item_id] = [
            AnswerEdit(tuple(e["path"]), e.get("value"), bool(e.get("remove"))) for e in edits
        ]
        return jsonify({"edits": len(edits)})


def _is_edit(edit: Any) -> bool:
    path = edit.get("path") if isinstance(edit, dict) else None
    return isinstance(path, list) and bool(path) and all(isinstance(name, str) for name in path)


@control.post("/work-items/<int:item_id>/restore")
def restore(item_id: int) -> Response:
    """Restore a deleted work item from the recycle bin; deliver workitem.restored."""
    state = _state()
    with state.lock:
        item = state.work_items.get(item_id)
        if item is None or not item.get("deleted"):
            raise EmulatorError(404, f"Work item {item_id} is not in the recycle bin.")
        item["deleted"] = False
    return jsonify({"id": item_id, "deliveries": deliver(state, "workitem.restored", item_id, {})})


@control.post("/work-items")
def seed_work_item() -> Response:
    """Put an existing work item (given id, title, state) into the emulator, e.g. the demo's bugs."""
    body, state = _body(), _state()
    try:
        item_id, project = int(body["id"]), str(body["project"])
    except (KeyError, TypeError, ValueError):
        raise EmulatorError(400, "id (integer) and project are required") from None
    fields = [
        {"op": "add", "path": "/fields/System.Title", "value": str(body.get("title") or f"Item {item_id}")},
        {"op": "add", "path": "/fields/System.State", "value": str(body.get("state") or "New")},
    ]
    with state.lock:
        return jsonify(
            state.create(project, str(body.get("type") or "Bug"), fields, _base(), item_id=item_id)
        )


@control.get("/work-items")
def all_work_items() -> Response:
    """List every stored item with all fields and relations (test inspection)."""
    state = _state()
    with state.lock:
        value = [
            state.render(i, _base(), expand=True)
            for i, item in state.work_items.items()
            if not item.get("deleted")
        ]
        notes = {str(i): [c["text"] for c in cs] for i, cs in state.comments.items()}
    return jsonify({"count": len(value), "value": value, "comments": notes})


@control.route("/stats", methods=["GET", "DELETE"])
def stats() -> Response:
    """Return (GET) or reset (DELETE) the REST request counters."""
    state = _state()
    with state.lock:
        if request.method == "DELETE":
            state.requests.clear()
            state.peak_in_flight = state.in_flight
        counts, peak = dict(state.requests), state.peak_in_flight
    return jsonify({"total": sum(counts.values()), "requests": counts, "peakInFlight": peak})


@control.get("/deliveries")
def deliveries() -> Response:
    """Return the service-hook deliveries made so far (payloads and the receiver's status)."""
    state = _state()
    with state.lock:
        return jsonify({"count": len(state.deliveries), "value": list(state.deliveries)})


def play_fault(fault: Fault) -> tuple[Response | str, int, dict[str, str]] | None:
    """Answer as the fault says, or return None to let the call through (after any delay)."""
    if fault.kind == "slow":
        time.sleep(fault.delay)
        return None
    if fault.kind == "retry-after-200":
        g.retry_after = fault.retry_after or 1
        return None
    if fault.kind == "429":
        message = (
            "TF400733: The request has been canceled: Request was blocked due to exceeding usage of "
            "resource 'WorkItemTracking'."
        )
        headers = {
            "Retry-After": str(fault.retry_after or 1),
            "X-RateLimit-Resource": "WorkItemTracking",
            "X-RateLimit-Remaining": "0",
        }
        return jsonify({"message": message, "typeKey": "RequestBlockedException"}), 429, headers
    if fault.kind == "503":
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        return jsonify({"message": "Service Unavailable"}), 503, headers
    if fault.kind == "json-200":
        return jsonify(ANOTHER_SHAPE), 200, {}
    if fault.kind in ("203", "html-200"):  # a sign-in page, as a 203 or behind a proxy as a 200
        return SIGN_IN_PAGE, 203 if fault.kind == "203" else 200, {"Content-Type": "text/html; charset=utf-8"}
    return "", 401, {}


def rate_limit_headers(response: Response) -> Response:
    """Mark a delayed-but-served answer with Retry-After, as Azure DevOps does."""
    delay = g.pop("retry_after", None)
    if delay is not None:  # a delayed-but-served request, as Azure DevOps sends under load
        response.headers.update(
            {
                "Retry-After": str(delay),
                "X-RateLimit-Resource": "WorkItemTracking",
                "X-RateLimit-Delay": "0.500",
            }
        )
    return response


def authorized(state: EmulatorState) -> bool:
    """Accept the configured PAT (Basic, any user name) or a configured bearer token."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return any(hmac.compare_digest(value, token) for token in state.bearer_tokens)
    if scheme.lower() != "basic" or not state.pat:
        return False
    try:
        _, _, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return hmac.compare_digest(password, state.pat)


def _base() -> str:
    return request.host_url.rstrip("/")
