"""Run the app under gunicorn programmatically: JSON logs, and JSON answers even where gunicorn refuses.

`JsonAccessLogger` writes one JSON line per request, and gunicorn's own lines as JSON too;
`serve_worker.JsonErrorWorker` answers what gunicorn refuses before the app in the app's JSON shape.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from backend import create_app
from backend.config import ConfigError, Settings, shown
from backend.logs import JsonFormatter
from backend.serve_worker import WORKER_TIMEOUT_SECONDS, JsonErrorWorker, Refusal


class JsonAccessLogger(Logger):  # type: ignore[misc]
    """Gunicorn logger writing one JSON object per request (path only: query strings are not logged)."""

    def setup(self, cfg: Any) -> None:
        """Write gunicorn's own lines (boot, worker timeouts, errors) as JSON too, without tracebacks."""
        super().setup(cfg)
        for handler in self.error_log.handlers:
            if getattr(handler, "_gunicorn", False):  # the handlers gunicorn made, not a syslog's
                handler.setFormatter(JsonFormatter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        """Log one request."""
        headers = {name.lower(): value for name, value in (getattr(resp, "headers", None) or [])}
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        self._write_access(
            remote=environ.get("REMOTE_ADDR", "-"), method=environ.get("REQUEST_METHOD"),
            path=environ.get("PATH_INFO"), status=int(status), sent=getattr(resp, "sent", None),
            seconds=request_time.total_seconds(), request_id=headers.get("x-request-id"),
            user_agent=environ.get("HTTP_USER_AGENT"),
        )

    def refused(  # noqa: PLR0913 - the fields of one access line
        self, req: Any, remote: str, refusal: Refusal, sent: int, seconds: float, request_id: str
    ) -> None:
        """Log one request the worker answered itself, in the shape of `access`, plus the error code."""
        headers = dict(getattr(req, "headers", None) or [])  # gunicorn's names are upper case
        self._write_access(
            remote=remote, method=getattr(req, "method", None), path=getattr(req, "path", None),
            status=refusal.status, sent=sent, seconds=seconds, request_id=request_id,
            user_agent=headers.get("USER-AGENT"), error=refusal.code,
        )

    def _write_access(self, *, sent: int | None, seconds: float, **fields: Any) -> None:
        if not self.access_log_enabled:
            return
        entry = {
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "remote": fields.pop("remote"),
            "method": fields.pop("method"),
            "path": fields.pop("path"),
            "status": fields.pop("status"),
            "bytes": sent,
            "duration_ms": round(seconds * 1000, 3),
            **fields,
        }
        self.access_log.info(json.dumps(entry))


def default_workers() -> int:
    """Return gunicorn's recommended worker count (2 x cores + 1) for the CPUs this process may use.

    Counted from the CPU affinity, not the machine: an instance started under `taskset` or on a
    container's cpuset would otherwise start a worker pair for every CPU it cannot run on. Where the
    system has no affinity call (macOS), every CPU counts.
    """
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    return len(usable) * 2 + 1


class ReportBridgeServer(BaseApplication):  # type: ignore[misc]
    """A gunicorn application serving `create_app(settings)` (each worker builds its own app)."""

    def __init__(self, factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply our options to gunicorn's config."""
        for name, value in self._options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        """Build the WSGI app inside the worker, after the fork (SQLite connections never cross it)."""
        return self._factory()


def gunicorn_options(settings: Settings, *, bind: str | None, workers: int | None) -> dict[str, Any]:
    """Return the gunicorn settings `report-bridge serve` uses."""
    return {
        "bind": bind or settings.bind,
        "workers": workers or settings.workers or default_workers(),
        "worker_class": JsonErrorWorker,
        "timeout": WORKER_TIMEOUT_SECONDS,
        "graceful_timeout": 20,
        "keepalive": 5,
        "limit_request_line": 8190,
        "limit_request_field_size": 8190,
        "accesslog": "-",
        "errorlog": "-",
        "logger_class": JsonAccessLogger,
        "forwarded_allow_ips": "*" if settings.proxy_hops else "127.0.0.1",
        "proc_name": "report-bridge",
    }


def check_listen(bind: str) -> None:
    """Try the address gunicorn will listen on (its shape is checked already: config.parse_bind).

    A name that does not resolve or a port in use is then one ConfigError line, before the database is
    migrated, instead of gunicorn's retries and a page of its log lines.
    """
    if bind.startswith("unix:"):
        return  # gunicorn replaces a stale socket file itself
    host, _, port = bind.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
            probe.bind(address)
    except OSError as exc:  # socket.gaierror is an OSError
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"cannot listen on {shown(bind)}: {reason}") from None


def run(settings: Settings, *, bind: str | None = None, workers: int | None = None) -> None:
    """Serve until stopped."""
    options = gunicorn_options(settings, bind=bind, workers=workers)
    ReportBridgeServer(lambda: create_app(settings), options).run()
