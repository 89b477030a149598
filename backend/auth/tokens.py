"""Extension app tokens (SDK.getAppToken()): reading the Authorization header and verifying the token.

Verification checks everything Microsoft's samples skip: HS256 pinned, issuer, audience (when
configured), exp/nbf with at most 60 s leeway, required nameid/tid/exp, a length cap, and every
configured key in turn so key rotation never locks an organization out (see the reference §1.4-1.5).
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
from typing import Any, cast

import jwt

from backend import errors
from backend.auth.org_ids import canonical_id
from backend.config import Settings

APP_TOKEN_ISSUER = "app.vstoken.visualstudio.com"
APP_TOKEN_ALGORITHM = "HS256"
MAX_CLAIM_LENGTH = 128

log = logging.getLogger("backend.auth")


@dataclass(frozen=True)
class AppClaims:
    """What a verified app token proves."""

    user_id: str
    tenant_id: str
    audience: str | None
    key_index: int  # 0 = current extension key, 1.. = previous keys


def bearer_token(header: str | None, missing: type[errors.AuthError] = errors.TokenMissing) -> str:
    """Return the credential of an `Authorization: Bearer` header (scheme case-insensitive)."""
    scheme, _, credential = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise missing()
    return credential.strip()


class AppTokenVerifier:
    """Verify app tokens for one app; a token string verified once is remembered until it expires.

    The UI reuses one token for up to 70 minutes, and full verification (PyJWT's key hardening
    checks included) dominates a cheap request. A cache hit is the same token string, so its
    signature, issuer, audience and claims cannot differ; only the time window is re-checked.
    """

    def __init__(self, settings: Settings, cache_size: int = 4096) -> None:
        self._settings = settings
        self._verified = functools.lru_cache(maxsize=cache_size)(self._verify_fully)

    def verify(self, token: str) -> AppClaims:
        """Return the claims of a valid token; raise a Token* error otherwise."""
        if len(token) > self._settings.token_max_length or token.count(".") != 2:
            raise errors.TokenMalformed()
        claims, expires, not_before = self._verified(token)
        now, leeway = time.time(), min(self._settings.token_leeway_seconds, 60)
        if expires < now - leeway:
            raise errors.TokenExpired()
        if not_before is not None and not_before > now + leeway:
            raise errors.TokenNotYetValid()
        return claims

    def _verify_fully(self, token: str) -> tuple[AppClaims, float, float | None]:
        try:
            header = jwt.get_unverified_header(token)
        except (jwt.PyJWTError, RecursionError):  # PyJWT's root error: `crit`, a non-string `kid`, ...
            raise errors.TokenMalformed() from None
        if header.get("alg") != APP_TOKEN_ALGORITHM:
            # alg:none, HS512, RS256 (algorithm confusion): never let the token choose the algorithm.
            raise errors.TokenSignature("The token must be signed with HS256.")
        for index, secret in enumerate(self._settings.extension_secrets):
            try:
                payload = _decode(token, secret, self._settings)
            except jwt.InvalidSignatureError:
                continue
            except jwt.InvalidKeyError:
                log.error("extension key #%d is not usable as an HS256 secret", index)
                continue
            if index:
                log.info("app token matched previous extension key #%d; retire it once this stops", index)
            else:
                log.debug("app token matched the current extension key")
            return _claims(payload, index), _seconds(payload["exp"]), _optional_seconds(payload.get("nbf"))
        raise errors.TokenSignature()


def verify_app_token(token: str, settings: Settings) -> AppClaims:
    """Verify one app token against every configured key; raise a Token* error on any failure."""
    return AppTokenVerifier(settings, cache_size=0).verify(token)


def _decode(token: str, secret: str, settings: Settings) -> dict[str, Any]:
    """Decode with PyJWT and translate its errors (except a signature or key mismatch) to ours."""
    try:
        return jwt.decode(
            token,
            secret,  # a str key is used as its UTF-8 bytes, exactly like the .NET samples
            algorithms=[APP_TOKEN_ALGORITHM],
            issuer=APP_TOKEN_ISSUER,
            audience=list(settings.extension_audiences) or None,
            leeway=min(settings.token_leeway_seconds, 60),
            options={"require": ["exp", "nameid", "tid"], "verify_aud": bool(settings.extension_audiences)},
        )
    except (jwt.InvalidSignatureError, jwt.InvalidKeyError):  # the caller tries the next key
        raise
    except jwt.ExpiredSignatureError:
        raise errors.TokenExpired() from None
    except jwt.ImmatureSignatureError:
        raise errors.TokenNotYetValid() from None
    except jwt.InvalidIssuerError:
        raise errors.TokenIssuer() from None
    except jwt.InvalidAudienceError:
        _log_rejected_audience(token)
        raise errors.TokenAudience() from None
    except jwt.MissingRequiredClaimError as exc:
        if exc.claim == "iss":
            raise errors.TokenIssuer() from None
        if exc.claim == "aud":
            raise errors.TokenAudience() from None
        raise errors.TokenClaims(f"The token lacks the required claim {exc.claim!r}.") from None
    except jwt.InvalidAlgorithmError:
        raise errors.TokenSignature("The token must be signed with HS256.") from None
    except jwt.DecodeError:
        raise errors.TokenMalformed() from None
    except jwt.InvalidTokenError:
        raise errors.TokenClaims() from None
    except (jwt.PyJWTError, RecursionError):  # PyJWT's root error, or JSON nested past the stack
        raise errors.TokenMalformed() from None


def _seconds(value: Any) -> float:
    """Return a time claim PyJWT accepted as float seconds; one past float's range is a bad claim."""
    try:
        return float(value)
    except (OverflowError, TypeError, ValueError):
        raise errors.TokenClaims("The token's time claims are not valid.") from None


def _optional_seconds(value: Any) -> float | None:
    return None if value is None else _seconds(value)


def _log_rejected_audience(token: str) -> None:
    """Log the audience of a signed-but-rejected token so operators can learn theirs (never the token)."""
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except (jwt.PyJWTError, RecursionError):
        return
    audience = unverified.get("aud")
    log.warning("app token audience %r is not in REPORT_BRIDGE_EXTENSION_AUDIENCES", str(audience)[:100])


def _claims(payload: dict[str, Any], key_index: int) -> AppClaims:
    user_id, tenant_id = payload.get("nameid"), payload.get("tid")
    for name, value in (("nameid", user_id), ("tid", tenant_id)):
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_CLAIM_LENGTH:
            raise errors.TokenClaims(f"The token's {name!r} claim must be a non-empty string.")
    audience = payload.get("aud")
    return AppClaims(
        user_id=cast(str, user_id),
        tenant_id=canonical_id(cast(str, tenant_id)),
        audience=audience if isinstance(audience, str) else None,
        key_index=key_index,
    )


