"""Per-app state kept in `app.extensions["report_bridge"]`, and its accessors."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from flask import Flask, current_app

from backend.config import Settings
from backend.storage import Storage

EXTENSION_KEY = "report_bridge"


@dataclass(frozen=True)
class AppState:
    """What the factory built for one app: settings, storage, and the Azure DevOps transport."""

    settings: Settings
    storage: Storage
    azdo_transport: httpx.BaseTransport | None = None


def get_state(app: Flask | None = None) -> AppState:
    """Return the app state of `app` (default: the current app)."""
    state: AppState = (app or current_app).extensions[EXTENSION_KEY]
    return state


def get_settings(app: Flask | None = None) -> Settings:
    """Return the settings of `app` (default: the current app)."""
    return get_state(app).settings


def get_storage(app: Flask | None = None) -> Storage:
    """Return the storage of `app` (default: the current app)."""
    return get_state(app).storage
