"""One error tree for the backend, rendered as one JSON shape by `register_error_handlers`.

    AppError (500 internal_error)
    ├── BadRequest (400 bad_request)
    │   ├── ValidationFailed (400 validation_failed; details.fields)
    │   └── OrgMissing (400 org_missing)
    ├── AuthError (401; WWW-Authenticate: Bearer error="invalid_token")
    │   ├── TokenMissing, TokenMalformed, TokenExpired, TokenNotYetValid,
    │   │   TokenSignature, TokenIssuer, TokenAudience, TokenClaims
    │   ├── KeyMissing (401 key_missing)
    │   └── KeyInvalid (401 key_invalid)
    ├── Forbidden (403 forbidden)
    │   ├── OrgTenantMismatch (403 org_tenant_mismatch)
    │   └── OrgUnbound (403 org_unbound)
    ├── NotFound (404 not_found)
    ├── Conflict (409 conflict) ── AlreadyLinked, InvalidTransition, IdempotencyConflict,
    │                              AzureDevOpsNotConfigured, OrganizationNotConfigured, BugPending
    ├── UnsupportedMediaType (415 unsupported_media_type)
    ├── RateLimited (429 rate_limited; Retry-After)
    └── Unavailable (503 unavailable; any StorageError: 503 storage_unavailable)

Werkzeug's HTTPExceptions (404, 405, 413, ...) come out in the same shape with their own codes.
Body: {"error": {"code", "message", "details"}}.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, has_request_context, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError

from backend.storage import StorageError

log = logging.getLogger("backend.errors")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


class AppError(Exception):
    """Base of every error the API answers on purpose."""

    status = 500
    code = "internal_error"
    message = "Internal error."

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details

    def headers(self) -> dict[str, str]:
        """Return extra response headers for this error."""
        return {}


class BadRequest(AppError):
    status, code, message = 400, "bad_request", "The request is not valid."


class ValidationFailed(BadRequest):
    code, message = "validation_failed", "The request body is not valid."

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        super().__init__(message, details={"fields": fields})


class OrgMissing(BadRequest):
    code = "org_missing"
    message = "X-Report-Bridge-Org-Id is required (the organization id from SDK.getHost())."


class AuthError(AppError):
    status, code, message = 401, "unauthorized", "Authentication failed."

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class TokenMissing(AuthError):
    code, message = "token_missing", "An Authorization: Bearer token is required."


class TokenMalformed(AuthError):
    code, message = "token_malformed", "The token is not a well-formed JWT."


class TokenExpired(AuthError):
    code, message = "token_expired", "The token has expired."


class TokenNotYetValid(AuthError):
    code, message = "token_not_yet_valid", "The token is not valid yet."


class TokenSignature(AuthError):
    code, message = "token_signature", "The token signature does not match any configured extension key."


class TokenIssuer(AuthError):
    code, message = "token_issuer", "The token issuer is not app.vstoken.visualstudio.com."


class TokenAudience(AuthError):
    code, message = "token_audience", "The token audience is not one of this extension's audiences."


class TokenClaims(AuthError):
    code, message = "token_claims", "The token lacks a required claim (nameid, tid, exp)."


class KeyMissing(AuthError):
    code, message = "key_missing", "An intake API key is required: Authorization: Bearer rbk_..."


class KeyInvalid(AuthError):
    code, message = "key_invalid", "The API key is unknown or revoked."


class Forbidden(AppError):
    status, code, message = 403, "forbidden", "Not allowed."


class OrgTenantMismatch(Forbidden):
    code, message = "org_tenant_mismatch", "This organization is bound to a different tenant."


class OrgUnbound(Forbidden):
    code = "org_unbound"
    message = (
        "This organization's data was set up by an operator without a tenant, so no app token may claim it; "
        "an administrator binds it with `report-bridge keys create --org <id> --tenant <tid>`."
    )


class NotFound(AppError):
    status, code, message = 404, "not_found", "Not found."


class Conflict(AppError):
    status, code, message = 409, "conflict", "The request conflicts with the current state."


class AlreadyLinked(Conflict):
    code, message = "already_linked", "The report's group is already linked to a work item."


class InvalidTransition(Conflict):
    code, message = "invalid_transition", "The report's status does not allow this action."


class IdempotencyConflict(Conflict):
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used with a different request body."


class AzureDevOpsNotConfigured(Conflict):
    code = "azure_devops_not_configured"
    message = "This organization has no Azure DevOps connection configured on the backend."


class OrganizationNotConfigured(Conflict):
    code = "organization_not_configured"
    message = (
        "None of the Azure DevOps organizations configured on the backend (REPORT_BRIDGE_AZDO_ORG_URLS) "
        "has this organization id."
    )


class BugPending(Conflict):
    code = "bug_pending"
    message = "A bug is being created for this report group; try again once it is linked."


class UnsupportedMediaType(AppError):
    status, code, message = 415, "unsupported_media_type", "The body must be sent as application/json."


class RateLimited(AppError):
    status, code = 429, "rate_limited"
    message = "Too many requests for this key; retry after Retry-After seconds."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message, details={"retryAfterSeconds": retry_after})
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class Unavailable(AppError):
    status, code, message = 503, "unavailable", "The service is not ready."


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> Response:
    """Build the one JSON error response."""
    if has_request_context():
        g.error_code = code  # the audit trail records the outcome by its code
    response = jsonify({"error": {"code": code, "message": message, "details": details}})
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """Render AppError and every werkzeug HTTPException as the one JSON error shape."""

    @app.errorhandler(AppError)
    def handle_app_error(exc: AppError) -> Response:
        if exc.status >= 500:
            log.error("request failed: %s", exc.code)
        response = error_response(exc.status, exc.code, exc.message, exc.details)
        response.headers.update(exc.headers())
        return response

    @app.errorhandler(StorageError)
    def handle_storage(exc: StorageError) -> Response:
        log.error("storage failure: %s", exc)
        return error_response(503, "storage_unavailable", "The database is not available; retry shortly.")

    @app.errorhandler(InternalServerError)
    def handle_internal(exc: InternalServerError) -> Response:
        # Flask routes unhandled exceptions here; log the cause, never show it.
        original = exc.original_exception or exc
        log.error("unhandled error: %s", type(original).__name__, exc_info=original)
        return error_response(500, "internal_error", "Internal error.")

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = HTTP_CODES.get(status, f"http_{status}")
        response = error_response(status, code, exc.description or exc.name)
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response
