"""The OpenAPI 3.1 document, hand-maintained next to the code.

tests/backend/test_openapi.py walks `app.url_map` and fails when any route under /api or /hooks is
missing here. Integration (issue 5): document `/hooks/azure-devops` by adding it to `PATHS` (with the
`webhookBasic` security scheme of `openapi_components`) in the same commit as the route.
"""

from __future__ import annotations

import copy
from typing import Any

from backend import inputs
from backend.api.intake import IDEMPOTENCY_KEY_PATTERN
from backend.api.openapi_components import COMPONENTS, JSON, NO_NUL, ref
from backend.api.reports import MAX_CURSOR_LENGTH, MAX_PAGE
from backend.auth.org_ids import ORG_ID_PATTERN, PROJECT_ID_PATTERN
from backend.auth.organizations import ORG_ID_HEADER, ORG_NAME_HEADER, PROJECT_NAME_HEADER


def _ok(schema: dict[str, Any], status: str = "200", description: str = "OK") -> dict[str, Any]:
    return {status: {"description": description, "content": {JSON: {"schema": schema}}}}


def _errors(*statuses: str) -> dict[str, Any]:
    return {s: {"$ref": f"#/components/responses/Error{s}"} for s in statuses}


def _body(name: str, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": ref(name)}}}


def _header(
    name: str, schema: dict[str, Any], required: bool = False, description: str = ""
) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": required, "schema": schema, "description": description}


_PID = {"name": "pid", "in": "path", "required": True,
        "schema": {"type": "string", "pattern": PROJECT_ID_PATTERN},
        "description": "Azure DevOps project id (SDK.getWebContext().project.id)."}
_RID = {"name": "rid", "in": "path", "required": True, "schema": {"type": "string", "pattern": NO_NUL}}
_ORG_HEADERS = [
    _header(ORG_ID_HEADER, {"type": "string", "pattern": ORG_ID_PATTERN}, True,
            "The organization id from SDK.getHost().id."),
    _header(ORG_NAME_HEADER, {"type": "string", "pattern": inputs.HEADER_TEXT_PATTERN},
            description="SDK.getHost().name (display only), percent-encoded UTF-8."),
    _header(PROJECT_NAME_HEADER, {"type": "string", "pattern": inputs.HEADER_TEXT_PATTERN},
            description="The project's name (display only), percent-encoded UTF-8: a browser's header "
                        "value is Latin-1, and project names are Unicode."),
]
_UI: list[dict[str, list[str]]] = [{"appToken": []}]
_UI_ERRORS = ("400", "401", "403")


# The period of per-day counts (backend/reports/daily.py).
_DAYS = {"name": "days", "in": "query", "description": "Length of the per-day period, ending today (UTC).",
         "schema": {"type": "integer", "enum": [7, 30, 90], "default": 30}}


def _ui_action(
    summary: str, body: str | None = None, status: str = "200", extra_errors: tuple[str, ...] = ()
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary, "security": _UI, "parameters": [_PID, _RID, *_ORG_HEADERS],
        "responses": {**_ok(ref("Report"), status), **_errors(*_UI_ERRORS, "404", "409", *extra_errors)},
    }
    if body:
        operation["requestBody"] = _body(body, required=body == "LinkRequest")
        operation["responses"].update(_errors("413"))
    return {"post": operation}


_GID = {"name": "gid", "in": "path", "required": True, "schema": {"type": "string", "pattern": NO_NUL}}
_Q = {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200, "pattern": NO_NUL}}
_STATUS = {"name": "status", "in": "query", "schema": {"enum": ["new", "linked", "dismissed", "resolved"]}}
_LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                                                     "default": 25}}


def _cursor(kind: str) -> dict[str, Any]:
    """The opaque cursor parameter: a previous page's nextCursor (a group list's: of the same sort)."""
    return {"name": "cursor", "in": "query", "description": "The nextCursor of the previous page (opaque).",
            "schema": {"type": "string", "format": f"report-bridge-{kind}", "maxLength": MAX_CURSOR_LENGTH}}


_PAGE = [_LIMIT, _cursor("cursor")]
_GROUP_PAGE = [_LIMIT, _cursor("group-cursor")]


def _group_action(
    summary: str, body: str | None = None, status: str = "200", extra_errors: tuple[str, ...] = ()
) -> dict[str, Any]:
    operation = _ui_action(summary, body, status, extra_errors)["post"]
    operation["parameters"] = [_PID, _GID, *_ORG_HEADERS]
    operation["responses"] = {**operation["responses"], **_ok(ref("Group"), status)}
    return {"post": operation}


_BUG_PENDING = " 409 bug_pending while a bug is being created for the group."
PATHS: dict[str, Any] = {
    "/api/v1/me": {"get": {
        "summary": "The verified caller, its bound organization and what the backend can do for it "
                   "(capabilities.createBug: an Azure DevOps connection is configured for the organization).",
        "security": _UI, "parameters": _ORG_HEADERS,
        "responses": {**_ok(ref("Me")), **_errors(*_UI_ERRORS)},
    }},
    "/api/v1/projects/{pid}/reports": {"get": {
        "summary": "List, search and filter a project's reports, newest first.", "security": _UI,
        "parameters": [_PID, _Q, _STATUS, *_PAGE, *_ORG_HEADERS],
        "responses": {**_ok(ref("ReportPage")), **_errors(*_UI_ERRORS)},
    }},
    "/api/v1/projects/{pid}/reports/{rid}": {"get": {
        "summary": "One report.", "security": _UI, "parameters": [_PID, _RID, *_ORG_HEADERS],
        "responses": {**_ok(ref("Report")), **_errors(*_UI_ERRORS, "404")},
    }},
    "/api/v1/projects/{pid}/reports/{rid}/link": _ui_action(
        "Link the report's group to a work item. With an Azure DevOps connection the item is read first "
        "(404 work_item_not_found; 409 organization_not_configured when no configured Azure DevOps URL "
        "is this organization id; 502 with the Azure DevOps error code); without one it is linked "
        "unchecked." + _BUG_PENDING,
        "LinkRequest", extra_errors=("502",),
    ),
    "/api/v1/projects/{pid}/reports/{rid}/unlink": _ui_action("Remove the work item link." + _BUG_PENDING),
    "/api/v1/projects/{pid}/reports/{rid}/dismiss": _ui_action(
        "Dismiss the report's group." + _BUG_PENDING, "DismissRequest"
    ),
    "/api/v1/projects/{pid}/reports/{rid}/reopen": _ui_action(
        "Reopen a dismissed or resolved group." + _BUG_PENDING
    ),
    "/api/v1/projects/{pid}/reports/{rid}/create-bug": _ui_action(
        "Queue creation of a bug for the group (bugPending until the integration links it); "
        "409 azure_devops_not_configured (nothing queued) when the backend has no Azure DevOps "
        "connection, 409 organization_not_configured when no configured URL is this organization id.",
        status="202"
    ),
    "/api/v1/projects/{pid}/groups": {"get": {
        "summary": "List, search and filter a project's report groups (one row per problem). One query per "
                   "page, keyset-paginated on an index for each order: newest (newest report first), "
                   "customers (most customers affected first), severity (highest first); ties newest first. "
                   "q matches the group's title and its reports' title, customer, external id and "
                   "description.",
        "security": _UI,
        "parameters": [
            _PID, _Q, _STATUS,
            {"name": "sort", "in": "query", "schema": {"enum": ["newest", "customers", "severity"],
                                                       "default": "newest"}},
            *_GROUP_PAGE, *_ORG_HEADERS,
        ],
        "responses": {**_ok(ref("GroupPage")), **_errors(*_UI_ERRORS)},
    }},
    "/api/v1/projects/{pid}/groups/{gid}": {"get": {
        "summary": "One report group.", "security": _UI, "parameters": [_PID, _GID, *_ORG_HEADERS],
        "responses": {**_ok(ref("Group")), **_errors(*_UI_ERRORS, "404")},
    }},
    "/api/v1/projects/{pid}/groups/{gid}/reports": {"get": {
        "summary": "A group's reports, newest first.", "security": _UI,
        "parameters": [_PID, _GID, *_PAGE, *_ORG_HEADERS],
        "responses": {**_ok(ref("ReportPage")), **_errors(*_UI_ERRORS, "404")},
    }},
    "/api/v1/projects/{pid}/groups/{gid}/link": _group_action(
        "Link the group to a work item (checked as for a report's link)." + _BUG_PENDING,
        "LinkRequest", extra_errors=("502",),
    ),
    "/api/v1/projects/{pid}/groups/{gid}/unlink": _group_action("Remove the work item link." + _BUG_PENDING),
    "/api/v1/projects/{pid}/groups/{gid}/dismiss": _group_action("Dismiss the group." + _BUG_PENDING,
                                                                 "DismissRequest"),
    "/api/v1/projects/{pid}/groups/{gid}/reopen": _group_action(
        "Reopen a dismissed or resolved group." + _BUG_PENDING
    ),
    "/api/v1/projects/{pid}/groups/{gid}/create-bug": _group_action(
        "Queue creation of a bug for the group (bugPending until the integration links it, or clears it "
        "when there is nothing to create); 409 azure_devops_not_configured when the backend has no "
        "Azure DevOps connection, 409 organization_not_configured when no configured URL is this "
        "organization id.",
        status="202",
    ),
    "/api/v1/projects/{pid}/work-items/{wid}/impact": {"get": {
        "summary": "Reports and customers behind one work item.", "security": _UI,
        "parameters": [_PID, {"name": "wid", "in": "path", "required": True, "schema": {
            "type": "integer", "minimum": 1, "maximum": inputs.WORK_ITEM_ID_MAX}}, _DAYS, *_ORG_HEADERS],
        "responses": {**_ok(ref("Impact")), **_errors(*_UI_ERRORS)},
    }},
    "/api/v1/projects/{pid}/dashboard": {"get": {
        "summary": "Counts by status and per day, and the oldest untriaged report.",
        "security": _UI,
        "parameters": [_PID, _DAYS, *_ORG_HEADERS],
        "responses": {**_ok(ref("Dashboard")), **_errors(*_UI_ERRORS)},
    }},
    "/api/v1/intake/reports": {"post": {
        "summary": "Submit a customer report (idempotent with Idempotency-Key; one report per source and "
                   "externalId; rate-limited per key).",
        "security": [{"intakeKey": []}],
        "parameters": [_header("Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": 200,
                                                   "pattern": IDEMPOTENCY_KEY_PATTERN})],
        "requestBody": _body("IntakeReport"),
        "responses": {
            **_ok(ref("Report"), "201", "Created (or replayed with Idempotent-Replayed: true)"),
            **_ok(ref("Report"), "200", "The project already has a report with this source and externalId"),
            **_errors("400", "401", "409", "413", "429"),
        },
    }},
    "/api/v1/intake/reports/{rid}": {"get": {
        "summary": "Read back a report of the key's project.", "security": [{"intakeKey": []}],
        "parameters": [_RID],
        "responses": {**_ok(ref("Report")), **_errors("400", "401", "404")},
    }},
    "/hooks/azure-devops": {"post": {
        "summary": "Azure DevOps service hook (workitem.updated/.deleted/.restored from publisher tfs). "
                   "Answers fast: the work item is re-read through REST by the outbox worker.",
        "security": [{"webhookBasic": []}],
        "requestBody": {"required": True, "content": {JSON: {"schema": ref("HookEvent")}}},
        "responses": {
            "202": {"description": "Accepted (queued) or ignored (item not linked here).",
                    "content": {JSON: {"schema": ref("HookAck")}}},
            "200": {"description": "Duplicate delivery of an event already accepted.",
                    "content": {JSON: {"schema": ref("HookAck")}}},
            **_errors("400", "401", "403"),
            "413": {"description": "Body over 64 KiB (payload_too_large).",
                    "content": {JSON: {"schema": ref("Error")}}},
            "415": {"description": "The body is not application/json (unsupported_media_type).",
                    "content": {JSON: {"schema": ref("Error")}}},
            "503": {"description": "Service hooks are not configured (hooks_not_configured).",
                    "content": {JSON: {"schema": ref("Error")}}},
        },
    }},
    "/api/v1/openapi.json": {"get": {
        "summary": "This document.", "security": [], "responses": _ok({"type": "object"}),
    }},
}



def build_spec() -> dict[str, Any]:
    """Return the OpenAPI document (a copy, so callers cannot change the module's)."""
    return copy.deepcopy({
        "openapi": "3.1.0",
        "info": {"title": "Report Bridge API", "version": "1.0.0",
                 "description": 'Every error has the shape {"error": {"code", "message", "details"}}.'},
        "paths": PATHS,
        "components": COMPONENTS,
    })
