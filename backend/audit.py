"""The audit trail: one database row per API call (who, what, outcome, when, request id).

Guards record the caller in `g.actor` ({"actor": "user"|"key"|"webhook", "user_id", "tenant_id",
"key_id", "org_id"}); views may add target ids in `g.audit_target`. URL path parameters are added
automatically. The query string is never stored (tokens must not be there, but if a client puts
one there anyway it must not end up in the trail).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, g, request

from backend.state import get_state
from backend.storage import StorageError, Tx, utcnow

log = logging.getLogger("backend.audit")
AUDITED_PREFIXES = ("/api/", "/hooks/")
NOT_AUDITED = ("/api/v1/openapi.json",)

_COLUMNS = (
    "at", "request_id", "org_id", "actor", "user_id", "tenant_id", "key_id", "method", "route", "target",
    "status_code", "outcome",
)
# Positional parameters: sqlite3 binds a tuple in half the time of a dict of names (measured ~9 -> ~4.5 µs
# per row), and the writer thread inserts one row per API call.
_INSERT = f"INSERT INTO audit_log ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


def record(tx: Tx, entry: dict[str, Any]) -> None:
    """Insert one audit row (missing optional fields are NULL; `at` defaults to now)."""
    record_many(tx, [entry])


def record_many(tx: Tx, entries: list[dict[str, Any]]) -> None:
    """Insert audit rows in one statement batch."""
    defaults = {"at": utcnow(), "target": "{}"}
    tx.execute_many(
        _INSERT, [tuple(entry.get(c, defaults.get(c)) for c in _COLUMNS) for entry in entries]
    )


def tail(tx: Tx, *, limit: int, org_id: str | None = None) -> list[dict[str, Any]]:
    """Return the newest audit rows, oldest first (like tail)."""
    rows = tx.query(
        "SELECT * FROM audit_log WHERE (:org IS NULL OR org_id = :org) ORDER BY id DESC LIMIT :limit",
        {"org": org_id, "limit": limit},
    )
    return rows[::-1]


def _entry(response: Response) -> dict[str, Any]:
    # Guards set g.actor once the caller is known; before that, the route says who is calling.
    default = "webhook" if request.path.startswith("/hooks/") else "anonymous"
    actor: dict[str, Any] = dict(g.get("actor") or {"actor": default})
    target = {**(request.view_args or {}), **(g.get("audit_target") or {})}
    return {
        **actor,
        "request_id": g.get("request_id", ""),
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule else request.path[:200],
        "target": json.dumps(target, sort_keys=True, default=str) if target else "{}",
        "status_code": response.status_code,
        "outcome": "ok" if response.status_code < 400 else _error_code(response),
    }


def _error_code(response: Response) -> str:
    code: str = g.get("error_code") or f"http_{response.status_code}"
    return code


def init_app(app: Flask) -> None:
    """Audit every API call (including refused ones), through the writer thread unless AUDIT_SYNC."""

    @app.after_request
    def audit_call(response: Response) -> Response:
        if request.method == "OPTIONS" or not request.path.startswith(AUDITED_PREFIXES):
            return response
        if request.path in NOT_AUDITED:
            return response
        state = get_state()
        if state.audit_writer is not None:
            state.audit_writer.submit(_entry(response))
            return response
        try:
            with state.storage.transaction() as tx:
                record(tx, _entry(response))
        except StorageError:
            log.exception("could not write the audit row")
        return response
