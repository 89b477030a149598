"""Report Bridge backend: the Flask app factory.

Accessors for code running inside a request or app context: `backend.app_state.get_settings()` and
`backend.app_state.get_storage()`.
"""

from __future__ import annotations

import httpx
from flask import Flask

from backend.app_state import EXTENSION_KEY, AppState
from backend.audit.writer import AuditWriter
from backend.config import Settings
from backend.json_provider import JSONProvider
from backend.storage import Storage


def create_app(
    settings: Settings | None = None,
    *,
    azdo_transport: httpx.BaseTransport | None = None,
    storage: Storage | None = None,
) -> Flask:
    """Create the backend app; read settings from the environment when none are given."""
    from backend import azdo, errors, http_hardening, inputs, logs
    from backend.api import groups, intake, me, meta, reports
    from backend.audit import request_hook as audit
    from backend.auth import guards
    from backend.azdo import hook_receiver

    settings = settings or Settings.from_env()
    settings.validate()
    logs.configure_logging(settings.log_level)
    if storage is None:
        from backend.database import storage_for

        storage = storage_for(settings)
    storage.upgrade()  # idempotent; `report-bridge db upgrade` does the same ahead of time

    app = Flask(__name__)
    app.json = JSONProvider(app)
    app.extensions[EXTENSION_KEY] = AppState(settings, storage, azdo_transport)
    logs.init_app(app)
    errors.register_error_handlers(app)
    http_hardening.init_app(app, settings)
    inputs.init_app(app)
    guards.init_app(app, settings, storage)
    audit.init_app(app, storage, None if settings.audit_sync else AuditWriter(storage))
    for blueprint in (meta.bp, me.bp, reports.bp, groups.bp, intake.bp, hook_receiver.bp):
        app.register_blueprint(blueprint)
    # Other features register here.
    azdo.init_app(app, settings, azdo_transport)
    return app
