"""GET /api/v1/me: who the verified caller is, and the organization bound to its tenant."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from backend.auth import Identity, require_app_token

bp = Blueprint("me", __name__, url_prefix="/api/v1")


@bp.get("/me")
@require_app_token
def me() -> dict[str, Any]:
    """Return the verified user, tenant and bound organization."""
    identity: Identity = g.identity
    return {
        "userId": identity.user_id,
        "tenantId": identity.tenant_id,
        "organization": {"id": identity.org_id, "name": identity.org_name},
    }
