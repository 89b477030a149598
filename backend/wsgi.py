"""WSGI entry point for plain gunicorn: `gunicorn backend.wsgi:app` (settings from REPORT_BRIDGE_*).

`gunicorn 'backend:create_app()'` works too, but a bad environment then ends in a traceback per
worker. Here a ConfigError or an unusable database prints one line and the worker exits with
gunicorn's boot-error code (3), so the master stops instead of respawning workers that cannot start.

Plain gunicorn answers what it refuses before the app (a bad request line or header) with its own HTML
page and logs plain text; for the JSON answers and log lines `report-bridge serve` gives, name its
worker and logger: `gunicorn --worker-class backend.serve_worker.JsonErrorWorker
--logger-class backend.serve.JsonAccessLogger backend.wsgi:app`.
"""

from __future__ import annotations

import sys

from flask import Flask

from backend import create_app
from backend.config import ConfigError
from backend.storage import StorageError

WORKER_BOOT_ERROR = 3  # gunicorn.arbiter.Arbiter.WORKER_BOOT_ERROR: the master halts, no respawn loop


def load() -> Flask:
    """Build the app from the environment, or print why not and exit."""
    try:
        return create_app()
    except (ConfigError, StorageError) as exc:
        print(f"report-bridge: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(WORKER_BOOT_ERROR) from None


app = load()
