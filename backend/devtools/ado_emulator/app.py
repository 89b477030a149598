"""Local Azure DevOps emulator: a small Flask app standing in for dev.azure.com in development and tests.

It is a LOCAL EMULATOR, not Azure DevOps. It serves the REST calls Report Bridge makes, with the
request and response shapes of MicrosoftDocs/vsts-rest-api-specs (api-version 7.1):

    OPTIONS /{org}/_apis; GET /{org}/_apis/ResourceAreas; GET /{org}/_apis/connectionData
                                                        location service (locations.py)
    GET    /{org}/_apis/projects                        {"count", "value": [TeamProjectReference]}
    POST   /{org}/{project}/_apis/wit/workitems/${type} JSON Patch (application/json-patch+json) -> WorkItem
    GET    /{org}[/{project}]/_apis/wit/workitems/{id}  WorkItem ($expand=relations adds relations)
    PATCH  /{org}[/{project}]/_apis/wit/workitems/{id}  JSON Patch -> WorkItem (changes fire service hooks)
    DELETE /{org}[/{project}]/_apis/wit/workitems/{id}  fires workitem.deleted
    POST   /{org}[/{project}]/_apis/wit/workitemsbatch  {"ids" (<=200), "fields", "errorPolicy"} -> {"value"}
    POST   /{org}/{project}/_apis/wit/wiql              {"query"} -> {"workItems": [{"id","url"}], ...}
    GET|POST /{org}/{project}/_apis/wit/workItems/{id}/comments   api-version 7.1-preview.4 only
    GET|POST /{org}/_apis/hooks/subscriptions; GET|PUT|DELETE …/subscriptions/{id}

Auth like the service: `Basic base64(":" + PAT)` with the configured PAT, or a configured bearer token;
a bad credential gets 401 with `X-TFS-FedAuthRedirect: Suppress`, otherwise a 203 HTML sign-in page.
Control endpoints for tests and the dev run (no auth, 127.0.0.1 only) live under /_emulator/:
faults (429 with Retry-After, 503, slow, a sign-in page as 203 or 200, 401, Retry-After on a 200), moving an
item's state as a user would in Boards (delivers service hooks with the subscription's Basic
credentials), request counters, and the delivery log.
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx
from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from backend.devtools.ado_emulator.control import (
    SIGN_IN_PAGE,
    authorized,
    control,
    play_fault,
    rate_limit_headers,
)
from backend.devtools.ado_emulator.hooks import deliver, public, subscription_body
from backend.devtools.ado_emulator.locations import case_insensitive_routes, register
from backend.devtools.ado_emulator.state import EmulatorError, EmulatorState

PREVIEW_VERSIONS = {"comments": "7.1-preview.4"}
DELIVERY_TIMEOUT = httpx.Timeout(5.0)

api = Blueprint("ado_api", __name__)
register(api)  # the location service: OPTIONS _apis, ResourceAreas, connectionData


def create_emulator(
    state: EmulatorState | None = None, *, delivery_transport: httpx.BaseTransport | None = None
) -> Flask:
    """Build the local Azure DevOps emulator app around a (reusable) state."""
    app = Flask(__name__)
    app.extensions["ado_emulator"] = state or EmulatorState()
    app.extensions["ado_emulator_http"] = httpx.Client(timeout=DELIVERY_TIMEOUT, transport=delivery_transport)
    app.wsgi_app = case_insensitive_routes(app.wsgi_app)  # type: ignore[method-assign]
    app.register_blueprint(api)
    app.register_blueprint(control)
    app.register_error_handler(EmulatorError, _error)
    app.after_request(rate_limit_headers)
    return app


def _state() -> EmulatorState:
    state: EmulatorState = current_app.extensions["ado_emulator"]
    return state


def _base() -> str:
    return request.host_url.rstrip("/")


def _error(exc: EmulatorError) -> tuple[Response, int]:
    body = {
        "$id": "1",
        "innerException": None,
        "message": exc.message,
        "typeName": exc.type_key,
        "typeKey": exc.type_key,
        "errorCode": 0,
    }
    return jsonify(body), exc.status


@api.before_request
def _gatekeeper() -> Response | tuple[Response | str, int, dict[str, str]] | None:
    """Count the call, play any injected fault, then check api-version, organization and credentials."""
    state = _state()
    with state.lock:
        rule = request.url_rule.rule if request.url_rule else request.path
        state.requests[f"{request.method} {rule}"] += 1
        state.in_flight += 1
        state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
        g.counted = True
        fault = state.take_fault(request.path)
    if fault is not None:
        answer = play_fault(fault)
        if answer is not None:
            return answer
    if not api_version() and request.method != "OPTIONS":  # OPTIONS _apis needs none
        raise EmulatorError(
            400, "No api-version was supplied for the request.", "VssVersionNotSpecifiedException"
        )
    if (request.view_args or {}).get("org", "").lower() != state.organization.lower():
        raise EmulatorError(404, "TF400813: The organization could not be found.", "OrganizationNotFound")
    if not authorized(state):
        if request.headers.get("X-TFS-FedAuthRedirect") == "Suppress":
            return (
                "",
                401,
                {"WWW-Authenticate": "Bearer authorization_uri=https://login.microsoftonline.com/"},
            )
        return SIGN_IN_PAGE, 203, {"Content-Type": "text/html; charset=utf-8"}
    return None


def api_version() -> str | None:
    """Return the requested api-version: the query parameter, or `Accept: …;api-version=…` as the
    Microsoft clients send it (the service takes either)."""
    if request.args.get("api-version"):
        return request.args["api-version"]
    for part in request.headers.get("Accept", "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "api-version" and value.strip():
            return value.strip()
    return None


@api.teardown_request
def _done(exc: BaseException | None) -> None:
    if g.pop("counted", False):
        state = _state()
        with state.lock:
            state.in_flight -= 1


def _json() -> Any:
    body = request.get_json(silent=True, force=True)
    if body is None:
        raise EmulatorError(400, "The request body is missing or is not valid JSON.")
    return body


# -- REST surface -------------------------------------------------------------------------------


@api.get("/<org>/_apis/projects")
def list_projects(org: str) -> Response:
    state = _state()
    with state.lock:
        value = [
            {
                "id": pid,
                "name": name,
                "state": "wellFormed",
                "visibility": "private",
                "revision": 1,
                "url": f"{_base()}/{org}/_apis/projects/{pid}",
            }
            for pid, name in state.projects.items()
        ]
    return jsonify({"count": len(value), "value": value})


@api.post("/<org>/<project>/_apis/wit/workitems/<kind>")
def create_work_item(org: str, project: str, kind: str) -> Response:
    if not kind.startswith("$"):
        raise EmulatorError(405, "The work item type must be given as $Type.")
    if request.mimetype != "application/json-patch+json":
        raise EmulatorError(
            415,
            "Work item updates need Content-Type application/json-patch+json.",
            "VssRequestContentTypeNotSupportedException",
        )
    state = _state()
    with state.lock:
        return jsonify(state.create(project, kind[1:], _json(), _base()))


@api.route("/<org>/_apis/wit/workitems/<int:item_id>", methods=["GET", "PATCH", "DELETE"])
@api.route("/<org>/<project>/_apis/wit/workitems/<int:item_id>", methods=["GET", "PATCH", "DELETE"])
def work_item(org: str, item_id: int, project: str | None = None) -> Response:
    state = _state()
    if project is not None:
        with state.lock:  # a project-scoped URL only reaches that project's items
            if state.get(item_id)["projectId"] != state.project_id(project):
                raise EmulatorError(
                    404, f"TF401232: Work item {item_id} does not exist in project {project}."
                )
    if request.method == "GET":
        with state.lock:
            expand = request.args.get("$expand", "").lower() in ("relations", "all")
            return jsonify(state.served(item_id, _base(), expand=expand))
    if request.method == "DELETE":
        with state.lock:
            state.get(item_id)["deleted"] = True
        deliver(state, "workitem.deleted", item_id, {})
        return jsonify({"id": item_id, "code": 200})
    with state.lock:
        body, changes = state.update(item_id, _json(), _base())
    deliver(state, "workitem.updated", item_id, changes)
    return jsonify(body)


@api.post("/<org>/_apis/wit/workitemsbatch")
@api.post("/<org>/<project>/_apis/wit/workitemsbatch")
def work_items_batch(org: str, project: str | None = None) -> Response:
    body, state = _json(), _state()
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        raise EmulatorError(400, "The ids parameter must be a non-empty list of work item ids.")
    if len(ids) > 200:
        raise EmulatorError(400, "VS403474: The number of work items requested exceeds the limit of 200.")
    fields, omit = body.get("fields"), str(body.get("errorPolicy", "fail")).lower() == "omit"
    value: list[dict[str, Any] | None] = []
    with state.lock:
        for item_id in ids:
            try:
                value.append(state.served(item_id, _base(), fields=fields))
            except EmulatorError:
                if not omit:
                    raise
                value.append(None)
    return jsonify({"count": len(value), "value": value})


@api.post("/<org>/<project>/_apis/wit/wiql")
def wiql(org: str, project: str) -> Response:
    body, state = _json(), _state()
    with state.lock:
        ids = state.query(project, str(body.get("query", "")))
        refs = [{"id": i, "url": f"{_base()}/{org}/_apis/wit/workItems/{i}"} for i in ids]
    return jsonify(
        {
            "queryType": "flat",
            "queryResultType": "workItem",
            "asOf": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "columns": [{"referenceName": "System.Id", "name": "ID"}],
            "workItems": refs,
        }
    )


@api.route("/<org>/<project>/_apis/wit/workitems/<int:item_id>/comments", methods=["GET", "POST"])
def comments(org: str, project: str, item_id: int) -> Response:
    if api_version() != PREVIEW_VERSIONS["comments"]:
        raise EmulatorError(
            400,
            f"The requested version {api_version()} of the resource is under preview. "
            "The -preview flag must be supplied in the api-version for such requests.",
        )
    state = _state()
    with state.lock:
        state.get(item_id)
        notes = state.comments.setdefault(item_id, [])
        if request.method == "GET":
            shown = list(reversed(notes))[: int(request.args.get("$top", "200"))]
            return jsonify({"totalCount": len(notes), "count": len(shown), "comments": shown})
        text = str(_json().get("text") or "")
        if not text.strip():
            raise EmulatorError(400, "The comment text must not be empty.")
        note = {
            "workItemId": item_id,
            "id": sum(len(c) for c in state.comments.values()) + 1,
            "version": 1,
            "text": text,
            "createdDate": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        notes.append(note)
        return jsonify(note)


@api.route("/<org>/_apis/hooks/subscriptions", methods=["GET", "POST"])
def subscriptions(org: str) -> Response:
    state = _state()
    with state.lock:
        if request.method == "GET":
            value = [public(s) for s in state.subscriptions.values()]
            return jsonify({"count": len(value), "value": value})
        sub = subscription_body(_json(), str(os.urandom(16).hex()))
        state.subscriptions[sub["id"]] = sub
        return jsonify(public(sub))


@api.route("/<org>/_apis/hooks/subscriptions/<sub_id>", methods=["GET", "PUT", "DELETE"])
def subscription(org: str, sub_id: str) -> Response | tuple[str, int]:
    state = _state()
    with state.lock:
        if sub_id not in state.subscriptions:
            raise EmulatorError(
                404, f"Subscription {sub_id} does not exist.", "SubscriptionNotFoundException"
            )
        if request.method == "DELETE":
            del state.subscriptions[sub_id]
            return "", 204
        if request.method == "PUT":
            state.subscriptions[sub_id] = subscription_body(_json(), sub_id)
        return jsonify(public(state.subscriptions[sub_id]))
