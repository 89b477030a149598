"""JSON Schemas for request bodies (also published in the OpenAPI document) and their validation."""

from __future__ import annotations

from typing import Any

from flask import request
from jsonschema import Draft202012Validator

from backend import errors, inputs

SEVERITIES = ["low", "medium", "high", "critical"]


# Some character that is not whitespace. Python's \s (the validator's) counts the separators \x1c-\x1f as
# whitespace and ECMA-262's (the document's readers') does not: naming them keeps both readings equal.
NOT_BLANK = r"[^\s\x1c-\x1f]"


def _text(max_length: int, min_length: int = 0) -> dict[str, Any]:
    return {"type": "string", "minLength": min_length, "maxLength": max_length}


INTAKE_REPORT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "customerId"],
    "properties": {
        "title": {**_text(300, 1), "pattern": NOT_BLANK},
        "description": _text(20000),
        "customerId": {**_text(200, 1), "pattern": NOT_BLANK},
        "customerName": _text(300),
        "source": _text(100),
        "externalId": _text(200),
        "severity": {"type": "string", "enum": SEVERITIES},
        "link": {**_text(2000), "pattern": "^https?://"},
        "groupKey": _text(200),
    },
}

LINK: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["workItemId"],
    "properties": {"workItemId": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}},
}

DISMISS: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"reason": _text(1000)},
}

EMPTY: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}

_VALIDATORS = {id(schema): Draft202012Validator(schema) for schema in (INTAKE_REPORT, LINK, DISMISS, EMPTY)}


def _field_messages(schema: dict[str, Any], body: Any) -> dict[str, str]:
    """Return {field: message} for every problem, with short stable wording."""
    fields: dict[str, str] = {}
    for error in _VALIDATORS[id(schema)].iter_errors(body):
        if error.validator == "required":
            missing = [name for name in error.validator_value if name not in error.instance]
            for name in missing:
                fields.setdefault(name, "is required")
        elif error.validator == "additionalProperties":
            extra = sorted(set(error.instance) - set(schema["properties"]))
            for name in extra:
                fields.setdefault(name, "is not a known field")
        else:
            name = ".".join(str(part) for part in error.absolute_path) or "body"
            fields.setdefault(name, _message(error.validator, error.validator_value))
    return fields


def _message(validator: Any, value: Any) -> str:
    messages = {
        "type": f"must be of type {value}",
        "minLength": "must not be empty" if value == 1 else f"must have at least {value} characters",
        "maxLength": f"must have at most {value} characters",
        "enum": f"must be one of: {', '.join(map(str, value))}" if isinstance(value, list) else "not allowed",
        "minimum": f"must be at least {value}",
        "maximum": f"must be at most {value}",
        "pattern": "must be an http(s) URL" if value == "^https?://" else "must not be blank",
    }
    return messages.get(str(validator), "is not valid")


def json_body(schema: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    """Return the request's JSON object body validated against `schema`; raise ValidationFailed."""
    if optional and not request.get_data(cache=True):
        body: Any = {}
    else:
        if not request.is_json:
            raise errors.BadRequest("The body must be JSON (Content-Type: application/json).")
        body = inputs.load_json(request.get_data(cache=True))
    if not isinstance(body, dict):
        raise errors.ValidationFailed({"body": "must be a JSON object"})
    fields = _field_messages(schema, body)
    if fields:
        raise errors.ValidationFailed(fields)
    return body
