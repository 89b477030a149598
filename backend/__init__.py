"""Report Bridge backend: the Flask app factory.

Accessors for code running inside a request or app context: `backend.state.get_settings()` and
`backend.state.get_storage()`.
"""

from __future__ import annotations

import httpx
from flask import Flask

from backend.audit_writer import AuditWriter
from backend.auth import AppTokenVerifier
from backend.config import Settings
from backend.json_provider import JSONProvider
from backend.state import EXTENSION_KEY, AppState
from backend.storage import Storage


def create_app(
    settings: Settings | None = None,
    *,
    azdo_transport: httpx.BaseTransport | None = None,
    storage: Storage | None = None,
) -> Flask:
    """Create the backend app; read settings from the environment when none are given."""
    from backend import audit, azdo, errors, http, inputs, logs
    from backend.api import groups, intake, me, meta, reports

    settings = settings or Settings.from_env()
    settings.validate()
    logs.configure_logging(settings.log_level)
    if storage is None:
        from backend.storage.configured import storage_for

        storage = storage_for(settings)
    storage.upgrade()  # idempotent; `report-bridge db upgrade` does the same ahead of time

    app = Flask(__name__)
    app.json = JSONProvider(app)
    app.extensions[EXTENSION_KEY] = AppState(
        settings=settings, storage=storage, azdo_transport=azdo_transport,
        token_verifier=AppTokenVerifier(settings),
        audit_writer=None if settings.audit_sync else AuditWriter(storage),
    )
    logs.init_app(app)
    errors.register_error_handlers(app)
    http.init_app(app, settings)
    inputs.init_app(app)
    audit.init_app(app)
    for blueprint in (meta.bp, me.bp, reports.bp, groups.bp, intake.bp):
        app.register_blueprint(blueprint)
    # Other features register here.
    azdo.init_app(app, settings, azdo_transport)
    return app
