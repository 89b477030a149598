"""Intake routes for customer tools holding a project API key (`Authorization: Bearer rbk_...`)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from backend import errors, schemas
from backend.auth import bearer_token
from backend.keys import IntakeKey, verify_key
from backend.reports import queries, service
from backend.state import get_storage
from backend.storage import Tx, utcnow

bp = Blueprint("intake", __name__, url_prefix="/api/v1/intake")
IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def _authenticate(tx: Tx) -> IntakeKey:
    """Verify the caller's key inside `tx` (so a revocation is seen at once) and record the actor."""
    key = verify_key(tx, bearer_token(request.headers.get("Authorization"), errors.KeyMissing))
    g.actor = {"actor": "key", "key_id": key.id, "org_id": key.org_id}
    return key


def _idempotency_key() -> str | None:
    value = request.headers.get(IDEMPOTENCY_HEADER)
    if value is None:
        return None
    if not _IDEMPOTENCY_KEY.match(value):
        raise errors.ValidationFailed({IDEMPOTENCY_HEADER: "must be 1-200 visible ASCII characters"})
    return value


@bp.post("/reports")
def create_report() -> tuple[Response, int]:
    """Accept one customer report; a retry with the same Idempotency-Key returns the first answer."""
    storage = get_storage()
    with storage.snapshot() as tx:
        _authenticate(tx)  # 401 before 400: never tell an anonymous caller what a valid body looks like
    body = schemas.json_body(schemas.INTAKE_REPORT)
    idem = _idempotency_key()
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    with storage.transaction() as tx:
        key = _authenticate(tx)
        report_id = service.new_id("r")
        replay = _replay(tx, key, idem, digest)
        if replay is None and idem is not None and not _claim(tx, key, idem, digest, report_id):
            replay = _replay(tx, key, idem, digest)  # another instance won the key meanwhile
        if replay is not None:
            response = jsonify(replay)
            response.headers["Idempotent-Replayed"] = "true"
            return response, 201
        service.create_report(tx, org_id=key.org_id, project_id=key.project_id, data=body,
                              key_id=key.id, report_id=report_id)
        g.audit_target = {"projectId": key.project_id, "reportId": report_id}
        report = queries.get_report(tx, key.org_id, key.project_id, report_id)
    return jsonify(report), 201


def _claim(tx: Tx, key: IntakeKey, idem: str, digest: str, report_id: str) -> bool:
    """Take the Idempotency-Key for the report about to be created; False if another request has it.

    The primary key decides between concurrent requests on any instance: PostgreSQL makes the second
    INSERT wait for the first transaction and then do nothing, and its next statement sees the winner.
    """
    inserted = tx.execute(
        "INSERT INTO idempotency_keys (key_id, idem_key, org_id, request_hash, status_code, "
        "report_id, created_at) VALUES (:key, :idem, :org, :hash, 201, :rid, :now) "
        "ON CONFLICT (key_id, idem_key) DO NOTHING",
        {"key": key.id, "idem": idem, "org": key.org_id, "hash": digest, "rid": report_id, "now": utcnow()},
    )
    return inserted == 1


def _replay(tx: Tx, key: IntakeKey, idem: str | None, digest: str) -> dict[str, Any] | None:
    """Return the report a previous call with this Idempotency-Key created, if any."""
    if idem is None:
        return None
    row = tx.query_one(
        "SELECT request_hash, report_id FROM idempotency_keys WHERE key_id = :key AND idem_key = :idem",
        {"key": key.id, "idem": idem},
    )
    if row is None:
        return None
    if row["request_hash"] != digest:
        raise errors.IdempotencyConflict()
    g.audit_target = {"projectId": key.project_id, "reportId": row["report_id"], "replayed": True}
    return queries.get_report(tx, key.org_id, key.project_id, row["report_id"])


@bp.get("/reports/<rid>")
def get_report(rid: str) -> dict[str, Any]:
    """Return one report the caller's project owns (status included)."""
    with get_storage().snapshot() as tx:
        key = _authenticate(tx)
        g.audit_target = {"projectId": key.project_id}
        return queries.get_report(tx, key.org_id, key.project_id, rid)
