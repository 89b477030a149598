"""The OpenAPI document's components: the shared schemas, security schemes and error responses.

`backend.api.openapi` lays out the paths over these; each schema mirrors what the code answers or
accepts (the request schemas with the edge's own string rules, see `request_schema`).
"""

from __future__ import annotations

from typing import Any

from backend import inputs, schemas
from backend.auth.org_ids import ORG_ID_PATTERN

JSON = "application/json"
NO_NUL = r"^[^\x00]*$"  # backend/inputs.py refuses NUL (and lone surrogates) in every string


def ref(name: str) -> dict[str, str]:
    """A reference to one of the components' schemas."""
    return {"$ref": f"#/components/schemas/{name}"}


def text_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Document a request string schema as the edge enforces it: its own pattern and no NUL."""
    if "pattern" not in schema:
        return {**schema, "pattern": NO_NUL}
    own = {key: value for key, value in schema.items() if key != "pattern"}
    return {**own, "allOf": [{"pattern": schema["pattern"]}, {"pattern": NO_NUL}]}


def request_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Return a request body schema with every string property documented by `text_schema`."""
    properties = {
        name: text_schema(value) if value.get("type") == "string" and "enum" not in value else value
        for name, value in schema.get("properties", {}).items()
    }
    return {**schema, "properties": properties}


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

# Event and project ids are GUIDs, read as backend/auth/org_ids.py reads every id (hook_receiver.py).
_HOOK_ID = {"type": "string", "pattern": ORG_ID_PATTERN}
# Any JSON the edge accepts: no NUL in strings or names, integers in 64 bits (nesting is capped at 32).
_JSON_VALUE: dict[str, Any] = {"anyOf": [
    {"type": "string", "pattern": NO_NUL},
    {"type": "integer", "minimum": inputs.INT64_MIN, "maximum": inputs.INT64_MAX},
    {"type": "number"}, {"type": "boolean"}, {"type": "null"},
    {"type": "array", "items": ref("JsonValue")},
    {"type": "object", "propertyNames": {"pattern": NO_NUL}, "additionalProperties": ref("JsonValue")},
]}
_ANY_MEMBERS = {"propertyNames": {"pattern": NO_NUL}, "additionalProperties": ref("JsonValue")}
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
        "ReportPage": {"type": "object", "properties": {"items": {"type": "array", "items": ref("Report")},
                                                         "nextCursor": {"type": ["string", "null"]}}},
        "Group": _GROUP,
        "GroupPage": {"type": "object", "properties": {"items": {"type": "array", "items": ref("Group")},
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
            "workItemId": {"type": "integer"}, "reports": {"type": "array", "items": ref("Report")},
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
        "IntakeReport": request_schema(schemas.INTAKE_REPORT),
        "LinkRequest": schemas.LINK,
        "DismissRequest": request_schema(schemas.DISMISS),
        "HookEvent": _HOOK_EVENT,
        "JsonValue": _JSON_VALUE,
        "Error": _ERROR,
        "HookAck": {"type": "object", "properties": {
            "status": {"enum": ["accepted", "ignored", "duplicate"]}, "eventId": {"type": "string"}}},
    },
    "responses": {
        f"Error{status}": {"description": text, "content": {JSON: {"schema": ref("Error")}}}
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
