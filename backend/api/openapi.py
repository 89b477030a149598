"""The OpenAPI 3.1 document, hand-maintained next to the code.

tests/backend/test_openapi.py walks `app.url_map` and fails when any route under /api or /hooks is
missing here. Integration (issue 5): document `/hooks/azure-devops` by adding it to `PATHS` (with the
`webhookBasic` security scheme below) in the same commit as the route.
"""

from __future__ import annotations

import copy
from typing import Any

from backend import inputs, schemas
from backend.api.intake import IDEMPOTENCY_KEY_PATTERN
from backend.api.reports import MAX_CURSOR_LENGTH, MAX_PAGE, PROJECT_ID_PATTERN
from backend.auth.org_ids import ORG_ID_PATTERN
from backend.auth.organizations import ORG_ID_HEADER, ORG_NAME_HEADER, PROJECT_NAME_HEADER

JSON = "application/json"
NO_NUL = r"^[^\x00]*$"  # backend/inputs.py refuses NUL (and lone surrogates) in every string


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(schema: dict[str, Any], status: str = "200", description: str = "OK") -> dict[str, Any]:
    return {status: {"description": description, "content": {JSON: {"schema": schema}}}}


def _errors(*statuses: str) -> dict[str, Any]:
    return {s: {"$ref": f"#/components/responses/Error{s}"} for s in statuses}


def _body(name: str, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": _ref(name)}}}


def _text(schema: dict[str, Any]) -> dict[str, Any]:
    """Document a request string schema as the edge enforces it: its own pattern and no NUL."""
    if "pattern" not in schema:
        return {**schema, "pattern": NO_NUL}
    own = {key: value for key, value in schema.items() if key != "pattern"}
    return {**own, "allOf": [{"pattern": schema["pattern"]}, {"pattern": NO_NUL}]}


def _request_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Return a request body schema with every string property documented by `_text`."""
    properties = {
        name: _text(value) if value.get("type") == "string" and "enum" not in value else value
        for name, value in schema.get("properties", {}).items()
    }
    return {**schema, "properties": properties}


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
    _header(ORG_NAME_HEADER, {"type": "string", "pattern": NO_NUL},
            description="SDK.getHost().name (display only)."),
    _header(PROJECT_NAME_HEADER, {"type": "string", "pattern": NO_NUL},
            description="The project's name (display only)."),
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
        "responses": {**_ok(_ref("Report"), status), **_errors(*_UI_ERRORS, "404", "409", *extra_errors)},
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
    operation["responses"] = {**operation["responses"], **_ok(_ref("Group"), status)}
    return {"post": operation}


_BUG_PENDING = " 409 bug_pending while a bug is being created for the group."
PATHS: dict[str, Any] = {
    "/api/v1/me": {"get": {
        "summary": "The verified caller, its bound organization and what the backend can do for it "
                   "(capabilities.createBug: an Azure DevOps connection is configured for the organization).",
        "security": _UI, "parameters": _ORG_HEADERS,
        "responses": {**_ok(_ref("Me")), **_errors(*_UI_ERRORS)},
    }},
    "/api/v1/projects/{pid}/reports": {"get": {
        "summary": "List, search and filter a project's reports, newest first.", "security": _UI,
        "parameters": [_PID, _Q, _STATUS, *_PAGE, *_ORG_HEADERS],
        "responses": {**_ok(_ref("ReportPage")), **_errors(*_UI_ERRORS)},
    }},
    "/api/v1/projects/{pid}/reports/{rid}": {"get": {
        "summary": "One report.", "security": _UI, "parameters": [_PID, _RID, *_ORG_HEADERS],
        "responses": {**_ok(_ref("Report")), **_errors(*_UI_ERRORS, "404")},
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
        "responses": {**_ok(_ref("GroupPage")), **_errors(*_UI_ERRORS)},
    }},
    "/api/v1/projects/{pid}/groups/{gid}": {"get": {
        "summary": "One report group.", "security": _UI, "parameters": [_PID, _GID, *_ORG_HEADERS],
        "responses": {**_ok(_ref("Group")), **_errors(*_UI_ERRORS, "404")},
    }},
    "/api/v1/projects/{pid}/groups/{gid}/reports": {"get": {
        "summary": "A group's reports, newest first.", "security": _UI,
        "parameters": [_PID, _GID, *_PAGE, *_ORG_HEADERS],
        "responses": {**_ok(_ref("ReportPage")), **_errors(*_UI_ERRORS, "404")},
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
        "responses": {**_ok(_ref("Impact")), **_errors(*_UI_ERRORS)},
    }},
    "/api/v1/projects/{pid}/dashboard": {"get": {
        "summary": "Counts by status and per day, and the oldest untriaged report.",
        "security": _UI,
        "parameters": [_PID, _DAYS, *_ORG_HEADERS],
        "responses": {**_ok(_ref("Dashboard")), **_errors(*_UI_ERRORS)},
    }},
    "/api/v1/intake/reports": {"post": {
        "summary": "Submit a customer report (idempotent with Idempotency-Key; one report per source and "
                   "externalId; rate-limited per key).",
        "security": [{"intakeKey": []}],
        "parameters": [_header("Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": 200,
                                                   "pattern": IDEMPOTENCY_KEY_PATTERN})],
        "requestBody": _body("IntakeReport"),
        "responses": {
            **_ok(_ref("Report"), "201", "Created (or replayed with Idempotent-Replayed: true)"),
            **_ok(_ref("Report"), "200", "The project already has a report with this source and externalId"),
            **_errors("400", "401", "409", "413", "429"),
        },
    }},
    "/api/v1/intake/reports/{rid}": {"get": {
        "summary": "Read back a report of the key's project.", "security": [{"intakeKey": []}],
        "parameters": [_RID],
        "responses": {**_ok(_ref("Report")), **_errors("400", "401", "404")},
    }},
    "/hooks/azure-devops": {"post": {
        "summary": "Azure DevOps service hook (workitem.updated/.deleted/.restored from publisher tfs). "
                   "Answers fast: the work item is re-read through REST by the outbox worker.",
        "security": [{"webhookBasic": []}],
        "requestBody": {"required": True, "content": {JSON: {"schema": _ref("HookEvent")}}},
        "responses": {
            "202": {"description": "Accepted (queued) or ignored (item not linked here).",
                    "content": {JSON: {"schema": _ref("HookAck")}}},
            "200": {"description": "Duplicate delivery of an event already accepted.",
                    "content": {JSON: {"schema": _ref("HookAck")}}},
            **_errors("400", "401", "403"),
            "413": {"description": "Body over 64 KiB (payload_too_large).",
                    "content": {JSON: {"schema": _ref("Error")}}},
            "415": {"description": "The body is not application/json (unsupported_media_type).",
                    "content": {JSON: {"schema": _ref("Error")}}},
            "503": {"description": "Service hooks are not configured (hooks_not_configured).",
                    "content": {JSON: {"schema": _ref("Error")}}},
        },
    }},
    "/api/v1/openapi.json": {"get": {
        "summary": "This document.", "security": [], "responses": _ok({"type": "object"}),
    }},
}

_REPORT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "groupId", "projectId", "title", "status", "customersAffected", "reportCount"],
    "properties": {
        "id": {"type": "string"}, "groupId": {"type": "string"}, "projectId": {"type": "string"},
        "title": {"type": "string"}, "description": {"type": "string"},
        "customerId": {"type": "string"}, "customerName": {"type": "string"}, "source": {"type": "string"},
        "externalId": {"type": ["string", "null"]}, "severity": {"enum": schemas.SEVERITIES},
        "link": {"type": ["string", "null"]},
        "status": {"enum": ["new", "linked", "dismissed", "resolved"]},
        "workItem": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
            "id": {"type": "integer"}, "title": {"type": ["string", "null"]},
            "state": {"type": ["string", "null"]}, "url": {"type": ["string", "null"], "description":
                "The work item's page under the organization's Azure DevOps URL."}}}]},
        "bugPending": {"type": "boolean"},
        "customersAffected": {"type": "integer"}, "reportCount": {"type": "integer"},
        "createdAt": {"type": "string", "format": "date-time"},
        "updatedAt": {"type": "string", "format": "date-time"},
    },
}

_ERROR: dict[str, Any] = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "details"], "properties": {
        "code": {"type": "string", "description": "Stable machine-readable code, e.g. token_expired."},
        "message": {"type": "string"},
        "details": {"type": ["object", "null"],
                    "description": "validation_failed puts field messages in details.fields."},
    }}},
}

_GROUP: dict[str, Any] = {
    "type": "object",
    "required": ["id", "projectId", "title", "status", "severity", "customersAffected", "reportCount",
                 "newestReportAt", "oldestReportAt", "workItem", "bugPending"],
    "properties": {
        "id": {"type": "string"}, "projectId": {"type": "string"}, "title": {"type": "string"},
        "status": {"enum": ["new", "linked", "dismissed", "resolved"]},
        "severity": {"enum": schemas.SEVERITIES, "description": "The highest severity of its reports."},
        "customersAffected": {"type": "integer"}, "reportCount": {"type": "integer"},
        "newestReportAt": {"type": "string", "format": "date-time"},
        "oldestReportAt": {"type": "string", "format": "date-time"},
        "workItem": _REPORT["properties"]["workItem"], "bugPending": {"type": "boolean"},
        "updatedAt": {"type": "string", "format": "date-time"},
    },
}

# Per-day counts (backend/reports/daily.py), shaped by the `days` query parameter.
_DAILY = {"type": "array", "description": "Reports received on each UTC day of the period, oldest first "
          "(every day listed, 0 when none).", "items": {"type": "object", "required": ["date", "count"],
          "properties": {"date": {"type": "string", "format": "date"}, "count": {"type": "integer"}}}}

_HOOK_ID = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NO_NUL}
# Any JSON the edge accepts: no NUL in strings or names, integers in 64 bits (nesting is capped at 32).
_JSON_VALUE: dict[str, Any] = {"anyOf": [
    {"type": "string", "pattern": NO_NUL},
    {"type": "integer", "minimum": inputs.INT64_MIN, "maximum": inputs.INT64_MAX},
    {"type": "number"}, {"type": "boolean"}, {"type": "null"},
    {"type": "array", "items": _ref("JsonValue")},
    {"type": "object", "propertyNames": {"pattern": NO_NUL}, "additionalProperties": _ref("JsonValue")},
]}
_ANY_MEMBERS = {"propertyNames": {"pattern": NO_NUL}, "additionalProperties": _ref("JsonValue")}
_WORK_ITEM_ID = {"type": "integer", "minimum": 1, "maximum": inputs.WORK_ITEM_ID_MAX}


def _container(name: str, id_schema: dict[str, Any] = _HOOK_ID) -> dict[str, Any]:
    return {"required": [name], "properties": {name: {"type": "object", "required": ["id"],
                                                      "properties": {"id": id_schema}, **_ANY_MEMBERS}}}


_ORG_CONTAINER_ID = {"type": "string", "pattern": ORG_ID_PATTERN}  # the X-Report-Bridge-Org-Id rule


_HOOK_EVENT: dict[str, Any] = {
    "type": "object",
    "description": "Service-hook event envelope (resourceVersion 1.0); max 64 KiB. Only the fields below "
                   "are read: workitem.updated names its item in resource.workItemId, the others in "
                   "resource.id; the organization is resourceContainers.collection.id (else account.id).",
    "required": ["id", "eventType", "publisherId", "resource", "resourceContainers"],
    "properties": {
        "id": _HOOK_ID,
        "eventType": {"enum": ["workitem.updated", "workitem.deleted", "workitem.restored"]},
        "publisherId": {"enum": ["tfs"]},
        "resource": {"type": "object", **_ANY_MEMBERS},
        "resourceContainers": {"type": "object", **_ANY_MEMBERS, "allOf": [
            _container("project"),
            {"anyOf": [_container(name, _ORG_CONTAINER_ID) for name in ("collection", "account")]},
        ]},
    },
    **_ANY_MEMBERS,
    "anyOf": [
        {"properties": {"eventType": {"const": "workitem.updated"}, "resource": {
            "required": ["workItemId"], "properties": {"workItemId": _WORK_ITEM_ID}}}},
        {"properties": {"eventType": {"enum": ["workitem.deleted", "workitem.restored"]},
                        "resource": {"required": ["id"], "properties": {"id": _WORK_ITEM_ID}}}},
    ],
}

_COUNTS = {
    "type": "object",
    "properties": {status: {"type": "integer"} for status in ("new", "linked", "dismissed", "resolved")},
}

COMPONENTS: dict[str, Any] = {
    "securitySchemes": {
        "appToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                     "description": "SDK.getAppToken() plus X-Report-Bridge-Org-Id / -Org-Name headers."},
        "intakeKey": {"type": "http", "scheme": "bearer", "description": "A project intake key, rbk_..."},
        "webhookBasic": {"type": "http", "scheme": "basic", "description": "Service hook credentials."},
    },
    "schemas": {
        "Report": _REPORT,
        "ReportPage": {"type": "object", "properties": {"items": {"type": "array", "items": _ref("Report")},
                                                         "nextCursor": {"type": ["string", "null"]}}},
        "Group": _GROUP,
        "GroupPage": {"type": "object", "properties": {"items": {"type": "array", "items": _ref("Group")},
                                                        "nextCursor": {"type": ["string", "null"]}}},
        "Me": {"type": "object", "properties": {
            "userId": {"type": "string"}, "tenantId": {"type": "string"},
            "organization": {
                "type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}
            },
            "capabilities": {"type": "object", "required": ["createBug"], "properties": {
                "createBug": {"type": "boolean", "description": "false: create-bug answers 409 "
                              "azure_devops_not_configured or organization_not_configured; disable the "
                              "button and say why."}}},
        }},
        "Impact": {"type": "object", "properties": {
            "workItemId": {"type": "integer"}, "reports": {"type": "array", "items": _ref("Report")},
            "customersAffected": {"type": "integer"}, "reportCount": {"type": "integer"},
            "firstReportedAt": {"type": ["string", "null"]}, "lastReportedAt": {"type": ["string", "null"]},
            "dailyCounts": _DAILY,
        }},
        "Dashboard": {"type": "object", "properties": {
            "countsByStatus": _COUNTS, "untriagedCount": {"type": "integer"},
            "oldestUntriagedAt": {"type": ["string", "null"]},
            "oldestUntriagedAgeSeconds": {"type": ["integer", "null"]},
            "dailyCounts": _DAILY,
        }},
        "IntakeReport": _request_schema(schemas.INTAKE_REPORT),
        "LinkRequest": schemas.LINK,
        "DismissRequest": _request_schema(schemas.DISMISS),
        "HookEvent": _HOOK_EVENT,
        "JsonValue": _JSON_VALUE,
        "Error": _ERROR,
        "HookAck": {"type": "object", "properties": {
            "status": {"enum": ["accepted", "ignored", "duplicate"]}, "eventId": {"type": "string"}}},
    },
    "responses": {
        f"Error{status}": {"description": text, "content": {JSON: {"schema": _ref("Error")}}}
        for status, text in (("400", "Invalid request (validation_failed, org_missing, ...)."),
                             ("401", "Authentication failed (token_* or key_* codes)."),
                             ("403", "Forbidden (org_tenant_mismatch, org_unbound)."),
                             ("404", "Not found (not_found, work_item_not_found)."),
                             ("409", "Conflict (already_linked, invalid_transition, idempotency_key_reused, "
                                     "azure_devops_not_configured, organization_not_configured, "
                                     "bug_pending)"),
                             ("413", "The body is over REPORT_BRIDGE_MAX_BODY_BYTES (payload_too_large)."),
                             ("429", "Rate limited (rate_limited); Retry-After says when to retry."),
                             ("502", "Azure DevOps refused or failed (azure_devops_* codes)."))
    },
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
