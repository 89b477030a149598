"""Health, readiness and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from backend import errors
from backend.api.openapi import build_spec
from backend.app_state import get_storage
from backend.storage import StorageError

bp = Blueprint("meta", __name__)


@bp.get("/healthz")
def healthz() -> dict[str, Any]:
    """Answer while the process is up (liveness)."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> dict[str, Any]:
    """Answer 200 only when the database is reachable and migrated (readiness)."""
    try:
        get_storage().ping()
    except StorageError:
        raise errors.Unavailable("The database is not reachable.") from None
    return {"status": "ready"}


@bp.get("/api/v1/openapi.json")
def openapi() -> dict[str, Any]:
    """Return the OpenAPI 3.1 description of this API."""
    return build_spec()
