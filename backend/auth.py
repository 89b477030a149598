"""Extension app tokens (SDK.getAppToken()), organization binding, and the request guards.

Verification checks everything Microsoft's samples skip: HS256 pinned, issuer, audience (when
configured), exp/nbf with at most 60 s leeway, required nameid/tid/exp, a length cap, and every
configured key in turn so key rotation never locks an organization out (see the reference §1.4-1.5).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

import jwt
from flask import g, request

from backend import errors
from backend.config import Settings
from backend.org_ids import canonical_id, parse_org_id
from backend.state import AppState, get_state
from backend.storage import Tx, utcnow

APP_TOKEN_ISSUER = "app.vstoken.visualstudio.com"
APP_TOKEN_ALGORITHM = "HS256"
ORG_ID_HEADER = "X-Report-Bridge-Org-Id"
ORG_NAME_HEADER = "X-Report-Bridge-Org-Name"
PROJECT_NAME_HEADER = "X-Report-Bridge-Project-Name"
_ORG_ID_KEY, _ORG_NAME_KEY = "HTTP_X_REPORT_BRIDGE_ORG_ID", "HTTP_X_REPORT_BRIDGE_ORG_NAME"  # WSGI names
MAX_CLAIM_LENGTH = 128
MAX_CACHED_ORGS = 10_000

log = logging.getLogger("backend.auth")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class AppClaims:
    """What a verified app token proves."""

    user_id: str
    tenant_id: str
    audience: str | None
    key_index: int  # 0 = current extension key, 1.. = previous keys


@dataclass(frozen=True)
class Identity:
    """A verified UI caller bound to one organization."""

    user_id: str
    tenant_id: str
    org_id: str
    org_name: str


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


def read_org_headers(environ: Mapping[str, Any]) -> tuple[str, str]:
    """Return the canonical organization id and the display name the UI sent.

    The id is checked against the tenant's binding by the caller; the name is display text only and
    never chooses an Azure DevOps URL or credential (those follow the id, see backend/azdo/directory.py).
    """
    # Read from the WSGI environ: werkzeug's Headers view costs a few µs per lookup, on every UI call.
    raw = (environ.get(_ORG_ID_KEY) or "").strip()
    if not raw:
        raise errors.OrgMissing()
    org_id = parse_org_id(raw)
    if org_id is None:
        raise errors.BadRequest(f"{ORG_ID_HEADER} is not a valid organization id.")
    org_name = (environ.get(_ORG_NAME_KEY) or "").strip()[:256]
    return org_id, org_name


def find_organization(tx: Tx, org_id: str) -> dict[str, Any] | None:
    """Return an organization row, or None."""
    return tx.query_one("SELECT id, name, tenant_id FROM organizations WHERE id = :id", {"id": org_id})


def bind_organization(
    tx: Tx, org_id: str, org_name: str, tenant_id: str | None, *, verified: bool = False
) -> dict[str, Any]:
    """Create an organization, or bind it to a tenant; refuse a different tenant later.

    An app token (`verified=False`) may create an organization it is the first to name, but never
    claim an existing one that has no tenant: such rows were made by another path (an operator's
    `keys create`, older versions), and their data belongs to whoever the operator says. Only a
    verified source (`verified=True`: the operator, through the CLI) binds an unbound organization.
    """
    row = find_organization(tx, org_id)
    now = utcnow()
    if row is None:
        # Two instances may see the organization first at once: the primary key picks one row, and
        # the loser (its INSERT does nothing) goes on as a later caller would, against the winner's row.
        created = tx.execute(
            "INSERT INTO organizations (id, name, tenant_id, created_at, updated_at) "
            "VALUES (:id, :name, :tid, :now, :now) ON CONFLICT (id) DO NOTHING",
            {"id": org_id, "name": org_name, "tid": tenant_id, "now": now},
        )
        if created == 1:
            return {"id": org_id, "name": org_name, "tenant_id": tenant_id}
        row = find_organization(tx, org_id)
        assert row is not None, "a conflicting organization row exists once the INSERT gave way"
    if tenant_id is not None and row["tenant_id"] not in (None, tenant_id):
        raise errors.OrgTenantMismatch()
    if tenant_id is not None and row["tenant_id"] is None and not verified:
        raise errors.OrgUnbound()
    if (tenant_id is not None and row["tenant_id"] is None) or (org_name and org_name != row["name"]):
        # COALESCE keeps a tenant another instance bound meanwhile; RETURNING tells us which one won.
        bound = tx.query_one(
            "UPDATE organizations SET tenant_id = COALESCE(tenant_id, :tid), name = :name, updated_at = :now "
            "WHERE id = :id RETURNING tenant_id, name",
            {"id": org_id, "tid": tenant_id, "name": org_name or row["name"], "now": now},
        )
        row = bound or row
        if tenant_id is not None and row["tenant_id"] not in (None, tenant_id):
            raise errors.OrgTenantMismatch()
    return {"id": org_id, "name": org_name or row["name"], "tenant_id": row["tenant_id"] or tenant_id}


def _bound_org_name(state: AppState, org_id: str, org_name: str, tenant_id: str) -> str:
    """Bind or check the organization; return its name. Bindings never change, so they are cached."""
    cached = state.org_bindings.get(org_id)
    if cached is not None and cached[0] == tenant_id and (not org_name or org_name == cached[1]):
        return cached[1]
    if cached is not None and cached[0] != tenant_id:
        raise errors.OrgTenantMismatch()
    with state.storage.snapshot() as tx:
        row = find_organization(tx, org_id)
    if row is None or row["tenant_id"] != tenant_id or (org_name and org_name != row["name"]):
        with state.storage.transaction() as tx:
            row = bind_organization(tx, org_id, org_name, tenant_id)
    if row["tenant_id"] != tenant_id:
        raise errors.OrgTenantMismatch()
    if len(state.org_bindings) > MAX_CACHED_ORGS:
        state.org_bindings.clear()
    state.org_bindings[org_id] = (tenant_id, row["name"])
    name: str = row["name"]
    return name


def require_app_token(view: F) -> F:
    """Guard a UI view: verify the app token, bind the organization, set `g.identity`."""
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        state = get_state()
        # `g` and `request` are context-local proxies (about 1 µs per access): resolve each once.
        context, environ = g._get_current_object(), request._get_current_object().environ  # type: ignore[attr-defined]
        verifier = state.token_verifier or AppTokenVerifier(state.settings, cache_size=0)
        claims = verifier.verify(bearer_token(environ.get("HTTP_AUTHORIZATION")))
        actor = {"actor": "user", "user_id": claims.user_id, "tenant_id": claims.tenant_id}
        context.actor = actor
        org_id, org_name = read_org_headers(environ)
        actor["org_id"] = org_id
        name = _bound_org_name(state, org_id, org_name, claims.tenant_id)
        context.identity = Identity(claims.user_id, claims.tenant_id, org_id, name)
        return view(*args, **kwargs)

    return cast(F, guarded)
