"""GET /api/v1/me: who the verified caller is, the organization bound to its tenant, what it can do."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from backend.auth.guards import Identity, require_app_token
from backend.azdo.linking import can_create_bugs

bp = Blueprint("me", __name__, url_prefix="/api/v1")


@bp.get("/me")
@require_app_token
def me() -> dict[str, Any]:
    """Return the verified user, tenant, bound organization and the features usable for it."""
    identity: Identity = g._get_current_object().identity  # resolved once: this route is the hottest
    return {
        "userId": identity.user_id,
        "tenantId": identity.tenant_id,
        "organization": {"id": identity.org_id, "name": identity.org_name},
        # The UI disables "Create bug" up front instead of letting the click fail with a 409. The
        # verified id decides, never the display name (the first call may ask Azure DevOps once).
        "capabilities": {"createBug": can_create_bugs(identity.org_id)},
    }
