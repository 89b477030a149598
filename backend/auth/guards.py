"""The UI's request guard: a verified app token, bound to one organization, becomes `g.identity`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, g, request

from backend.app_state import this_app
from backend.auth.organizations import OrganizationBindings, read_org_headers
from backend.auth.tokens import AppTokenVerifier, bearer_token
from backend.config import Settings
from backend.storage import Storage

AUTH_KEY = "report_bridge.auth"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Identity:
    """A verified UI caller bound to one organization."""

    user_id: str
    tenant_id: str
    org_id: str
    org_name: str



@dataclass(frozen=True)
class AppAuth:
    """One app's token verifier (with its cache of verified tokens) and organization bindings."""

    verifier: AppTokenVerifier
    organizations: OrganizationBindings


def init_app(app: Flask, settings: Settings, storage: Storage) -> None:
    """Give the app the verifier and the organization bindings its guarded views use."""
    app.extensions[AUTH_KEY] = AppAuth(AppTokenVerifier(settings), OrganizationBindings(storage))


def require_app_token(view: F) -> F:
    """Guard a UI view: verify the app token, bind the organization, set `g.identity`."""
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        auth: AppAuth = this_app().extensions[AUTH_KEY]
        # `g` and `request` are context-local proxies (about 1 µs per access): resolve each once.
        context, environ = g._get_current_object(), request._get_current_object().environ  # type: ignore[attr-defined]
        claims = auth.verifier.verify(bearer_token(environ.get("HTTP_AUTHORIZATION")))
        actor = {"actor": "user", "user_id": claims.user_id, "tenant_id": claims.tenant_id}
        context.actor = actor
        org_id, org_name = read_org_headers(environ)
        actor["org_id"] = org_id
        name = auth.organizations.bound_name(org_id, org_name, claims.tenant_id)
        context.identity = Identity(claims.user_id, claims.tenant_id, org_id, name)
        return view(*args, **kwargs)

    return cast(F, guarded)
