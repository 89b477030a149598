"""Structured JSON logs and the per-request id (never a token, key or secret in either)."""

from __future__ import annotations

import json
import logging
import random
import re
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import Flask, has_request_context, request

from backend.http_hardening import HeaderMiddleware

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

REQUEST_ID_HEADER = "X-Request-Id"
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HANDLER_NAME = "report-bridge-json"
REQUEST_ID_KEY = "report_bridge.request_id"


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object per line, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id is not None:
            entry["request_id"] = request_id
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str) -> None:
    """Send the backend's logs to stderr as JSON lines (idempotent)."""
    logger = logging.getLogger("backend")
    logger.setLevel(level)
    if not any(handler.get_name() == _HANDLER_NAME for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)


def request_id_for(environ: WSGIEnvironment) -> str:
    """Return the caller's X-Request-Id when well-formed, else a new one; remember it in the environ."""
    request_id: str | None = environ.get(REQUEST_ID_KEY)
    if request_id is None:
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _CLIENT_REQUEST_ID.fullmatch(incoming) else _new_request_id()
        environ[REQUEST_ID_KEY] = request_id
    return request_id


def current_request_id() -> str | None:
    """Return the id of the request being served (None outside a request)."""
    return request.environ.get(REQUEST_ID_KEY) if has_request_context() else None


def _new_request_id() -> str:
    """Return 32 random hex digits.

    A request id must be unique, not secret: `random` (reseeded in every forked worker by CPython)
    costs a fraction of `secrets`, whose os.urandom() is a system call on every request.
    """
    return f"{random.getrandbits(128):032x}"


def init_app(app: Flask) -> None:
    """Give every request an id (the caller's, when well-formed) and echo it in X-Request-Id."""
    # Echoed at the WSGI layer, so even a response no Flask hook saw carries the id. It is kept in the
    # WSGI environ (see current_request_id), not copied into `g` by a hook: that hook cost every request.
    app.wsgi_app = HeaderMiddleware.around(  # type: ignore[method-assign]
        app.wsgi_app, lambda environ: [(REQUEST_ID_HEADER, request_id_for(environ))]
    )
