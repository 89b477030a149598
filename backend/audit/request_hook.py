"""The audit trail's request hook: one audit row per API call (who, what, outcome, when, request id).

Guards record the caller in `g.actor` ({"actor": "user"|"key"|"webhook", "user_id", "tenant_id",
"key_id", "org_id"}). URL path parameters are added automatically; views add target ids with
`note_target`, which also replaces a path parameter by the id the view used (a project GUID the URL
wrote in capitals is recorded in its one spelling, so one project's trail is one set of rows). The
query string is never stored (tokens must not be there, but if a client puts one there anyway it must
not end up in the trail).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Request, Response, g, request

from backend.audit.rows import record_rows
from backend.audit.writer import AuditWriter
from backend.logs import REQUEST_ID_KEY
from backend.storage import Storage, StorageError, utcnow

log = logging.getLogger("backend.audit")
AUDITED_PREFIXES = ("/api/", "/hooks/")
NOT_AUDITED = ("/api/v1/openapi.json",)
WRITER_KEY = "report_bridge.audit_writer"


def _row(response: Response, req: Request, path: str) -> tuple[Any, ...]:
    """Return the audit row of a call, in column order (a tuple: this runs on every API call)."""
    # Flask's `g` is a context-local proxy (about 1 µs per access): resolve it once.
    context = g._get_current_object()
    # Guards set g.actor once the caller is known; before that, the route says who is calling.
    actor = context.get("actor") or {"actor": "webhook" if path.startswith("/hooks/") else "anonymous"}
    view_args, audit_target = req.view_args, context.get("audit_target")
    target = {**(view_args or {}), **audit_target} if audit_target else view_args
    status = response.status_code
    rule = req.url_rule
    return (
        utcnow(),
        req.environ.get(REQUEST_ID_KEY, ""),
        actor.get("org_id"),
        actor["actor"],
        actor.get("user_id"),
        actor.get("tenant_id"),
        actor.get("key_id"),
        req.method,
        rule.rule if rule is not None else path[:200],
        json.dumps(target, sort_keys=True, default=str) if target else "{}",
        status,
        "ok" if status < 400 else context.get("error_code") or f"http_{status}",
    )


def note_target(**ids: Any) -> None:
    """Add ids to this call's audit target; a name that is also a path parameter replaces its value."""
    context = g._get_current_object()
    context.audit_target = {**(context.get("audit_target") or {}), **ids}


def init_app(app: Flask, storage: Storage, writer: AuditWriter | None) -> None:
    """Audit every API call (including refused ones), through `writer`, or on the request path if None."""
    app.extensions[WRITER_KEY] = writer

    @app.after_request
    def audit_call(response: Response) -> Response:
        req: Request = request._get_current_object()  # type: ignore[attr-defined]
        path = req.path
        if req.method == "OPTIONS" or not path.startswith(AUDITED_PREFIXES) or path in NOT_AUDITED:
            return response
        if writer is not None:
            writer.submit(_row(response, req, path))
            response.call_on_close(writer.commit_if_due)  # after the answer is on its way
            return response
        try:
            with storage.transaction() as tx:
                record_rows(tx, [_row(response, req, path)])
        except StorageError:
            log.exception("could not write the audit row")
        return response


def audit_writer(app: Flask) -> AuditWriter | None:
    """Return the app's audit writer (None when AUDIT_SYNC writes rows on the request path)."""
    writer: AuditWriter | None = app.extensions[WRITER_KEY]
    return writer
