"""Intake routes for customer tools holding a project API key (`Authorization: Bearer rbk_...`).

A report is created once: a retry with the same Idempotency-Key replays the first answer (201,
`Idempotent-Replayed: true`), and a report whose (source, externalId) the project already has returns
that report (200) instead of a duplicate. POSTs are rate-limited per key (backend.ratelimit).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from backend import errors, ratelimit, schemas
from backend.app_state import get_settings, get_storage, this_app
from backend.audit.request_hook import note_target
from backend.auth.intake_keys import IntakeKey, KnownKeys, verify_key
from backend.auth.tokens import bearer_token
from backend.azdo.linking import stored_web_base
from backend.reports import intake as report_intake
from backend.reports import intake_postgres, queries
from backend.storage import Storage, Tx

bp = Blueprint("intake", __name__, url_prefix="/api/v1/intake")
KNOWN_KEYS_KEY = "report_bridge.known_intake_keys"  # per app, under this feature's own key
bp.record_once(lambda setup: setup.app.extensions.setdefault(KNOWN_KEYS_KEY, KnownKeys()))
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"  # visible ASCII, as the OpenAPI document says
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


def _authenticate(tx: Tx) -> IntakeKey:
    """Verify the caller's key inside `tx` (so a revocation is seen at once) and record the actor."""
    key = verify_key(tx, bearer_token(request.headers.get("Authorization"), errors.KeyMissing))
    _record_actor(key)
    return key


def _record_actor(key: IntakeKey) -> None:
    g.actor = {"actor": "key", "key_id": key.id, "org_id": key.org_id}


def _idempotency_key() -> str | None:
    value = request.headers.get(IDEMPOTENCY_HEADER)
    if value is None:
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(value):
        raise errors.ValidationFailed({IDEMPOTENCY_HEADER: "must be 1-200 visible ASCII characters"})
    return value


def _read_request() -> tuple[dict[str, Any], str | None] | HTTPException | errors.AppError:
    """The validated body and Idempotency-Key, or the error to answer with once the key is verified."""
    try:
        return schemas.json_body(schemas.INTAKE_REPORT), _idempotency_key()
    except (errors.AppError, HTTPException) as refused:  # 400, 413, 415
        return refused


@bp.post("/reports")
def create_report() -> tuple[Response, int]:
    """Accept one customer report; a retry (same Idempotency-Key, or same source and externalId) gets it.

    The body is judged only after the key: an anonymous caller never learns what a valid body looks
    like (401 before 400). Then one statement on PostgreSQL (backend.reports.intake_postgres); on
    SQLite one transaction of steps: the key and its count (backend.ratelimit), then the report's.
    """
    presented = bearer_token(request.headers.get("Authorization"), errors.KeyMissing)
    read = _read_request()
    storage = get_storage()
    if not isinstance(read, tuple):
        with storage.single_read() as tx:
            _record_actor(verify_key(tx, presented))
        raise read
    body, idem = read
    per_minute = get_settings().intake_rate_limit
    if storage.dialect == "postgresql":
        stored, key = _store_at_once(storage, presented, body, idem, per_minute)
    else:
        with storage.transaction() as tx:
            key = _authenticate(tx)
            ratelimit.count_request(tx, key.id, per_minute)
            stored = report_intake.store(tx, key, body, idem, _web_base(tx, key))
    note_target(projectId=key.project_id, reportId=stored.report["id"])
    response = jsonify(stored.report)
    if stored.replayed:
        note_target(replayed=True)
        response.headers["Idempotent-Replayed"] = "true"
    return response, stored.status


def _store_at_once(
    storage: Storage, presented: str, body: dict[str, Any], idem: str | None, per_minute: int
) -> tuple[report_intake.Stored, IntakeKey]:
    known: KnownKeys = this_app().extensions[KNOWN_KEYS_KEY]
    key = known.verify(storage, presented)
    try:
        stored = intake_postgres.store(
            storage, key, body, idem, per_minute, lambda tx: stored_web_base(tx, key.org_id)
        )
    except errors.KeyInvalid:  # revoked since this app read it: no caller to record, as on SQLite
        known.forget(key.id)
        raise
    except errors.AppError:  # a 409 or a 429: the key is the caller, as on SQLite
        _record_actor(key)
        raise
    _record_actor(key)
    return stored, key


def _web_base(tx: Tx, key: IntakeKey) -> queries.WebBase:
    """Work item URLs as every UI route builds them; the organization's name is read only when needed."""
    return lambda: stored_web_base(tx, key.org_id)


@bp.get("/reports/<rid>")
def get_report(rid: str) -> dict[str, Any]:
    """Return one report the caller's project owns (status included)."""
    with get_storage().snapshot() as tx:
        key = _authenticate(tx)
        note_target(projectId=key.project_id)
        return queries.get_report(tx, key.org_id, key.project_id, rid, _web_base(tx, key))
