"""Development app tokens: minted like Azure DevOps' for the local host page, the tests and the benches.

Production only verifies app tokens (backend/auth); nothing outside devtools, tests and bench mints one.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt

from backend.auth.tokens import APP_TOKEN_ALGORITHM, APP_TOKEN_ISSUER


def mint_app_token(
    secret: str,
    *,
    user_id: str,
    tenant_id: str,
    audience: str | None = None,
    lifetime: int = 4200,
) -> str:
    """Mint an app token shaped like Azure DevOps' (local dev host and tests only)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "nameid": user_id,
        "tid": tenant_id,
        "jti": str(uuid.uuid4()),
        "iss": APP_TOKEN_ISSUER,
        "nbf": now,
        "exp": now + lifetime,
    }
    if audience is not None:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm=APP_TOKEN_ALGORITHM)
