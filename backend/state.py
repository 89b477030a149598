"""Per-app state kept in `app.extensions["report_bridge"]`, and its accessors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx
from flask import Flask, current_app

from backend.config import Settings
from backend.storage import Storage

if TYPE_CHECKING:
    from backend.audit_writer import AuditWriter
    from backend.auth import AppTokenVerifier

EXTENSION_KEY = "report_bridge"


@dataclass(frozen=True)
class AppState:
    """What the factory built for one app: settings, storage, and the Azure DevOps transport."""

    settings: Settings
    storage: Storage
    azdo_transport: httpx.BaseTransport | None = None
    token_verifier: AppTokenVerifier | None = None
    audit_writer: AuditWriter | None = None  # None: audit rows are written on the request path
    # org id -> (tenant id, name): a binding never changes once made, so every worker may remember it.
    org_bindings: dict[str, tuple[str, str]] = field(default_factory=dict)
    # (org id, project id) -> name: a project row, once stored, stays; remembering it spares a list
    # its lookup (a round trip on PostgreSQL). A new name from the caller is still written.
    known_projects: dict[tuple[str, str], str] = field(default_factory=dict)


def this_app() -> Flask:
    """Return the current app itself, not Flask's proxy to it.

    Every attribute read through the proxy resolves the context again (about 2 µs each on the bench
    machine); code on every request's path reads the app's attributes through this instead.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app


def get_state(app: Flask | None = None) -> AppState:
    """Return the app state of `app` (default: the current app)."""
    state: AppState = (app or this_app()).extensions[EXTENSION_KEY]
    return state


def get_settings(app: Flask | None = None) -> Settings:
    """Return the settings of `app` (default: the current app)."""
    return get_state(app).settings


def get_storage(app: Flask | None = None) -> Storage:
    """Return the storage of `app` (default: the current app)."""
    return get_state(app).storage
