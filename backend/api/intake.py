"""Intake routes for customer tools holding a project API key (`Authorization: Bearer rbk_...`).

A report is created once: a retry with the same Idempotency-Key replays the first answer (201,
`Idempotent-Replayed: true`), and a report whose (source, externalId) the project already has returns
that report (200) instead of a duplicate. POSTs are rate-limited per key (backend.ratelimit).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from backend import errors, ratelimit, schemas
from backend.auth import bearer_token
from backend.azdo.linking import stored_web_base
from backend.keys import IntakeKey, verify_key
from backend.reports import queries, service
from backend.state import get_settings, get_storage
from backend.storage import ConstraintViolation, Tx, utcnow

bp = Blueprint("intake", __name__, url_prefix="/api/v1/intake")
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"  # visible ASCII, as the OpenAPI document says
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


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
    """Accept one customer report; a retry (same Idempotency-Key, or same source and externalId) gets it."""
    storage = get_storage()
    with storage.snapshot() as tx:
        _authenticate(tx)  # 401 before 400: never tell an anonymous caller what a valid body looks like
    body = schemas.json_body(schemas.INTAKE_REPORT)
    idem = _idempotency_key()
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    try:
        return _create_once(body, idem, digest)
    except ConstraintViolation:
        # Another instance stored the same externalId (or key) between our check and insert; the
        # second attempt finds that row. SQLite's single writer never gets here; PostgreSQL can.
        return _create_once(body, idem, digest)


def _create_once(body: dict[str, Any], idem: str | None, digest: str) -> tuple[Response, int]:
    with get_storage().transaction() as tx:
        key = _authenticate(tx)
        ratelimit.count_request(tx, key.id, get_settings().intake_rate_limit)
        existing = _same_external_id(tx, key, body)
        report_id, status = (existing, 200) if existing is not None else (service.new_id("r"), 201)
        replay = _replay(tx, key, idem, digest)
        if replay is None and idem is not None and not _claim(tx, key, idem, digest, report_id, status):
            replay = _replay(tx, key, idem, digest)  # another instance won the key meanwhile
        if replay is not None:
            response = jsonify(replay[0])
            response.headers["Idempotent-Replayed"] = "true"
            return response, replay[1]
        if existing is None:
            service.create_report(tx, org_id=key.org_id, project_id=key.project_id, data=body,
                                  key_id=key.id, report_id=report_id)
        g.audit_target = {"projectId": key.project_id, "reportId": report_id}
        report = _report(tx, key, report_id)
    return jsonify(report), status


def _same_external_id(tx: Tx, key: IntakeKey, body: dict[str, Any]) -> str | None:
    """Return the id of the project's report with this body's source and externalId, if any."""
    if body.get("externalId") is None:
        return None
    row = tx.query_one(
        "SELECT id FROM reports WHERE org_id = :org AND project_id = :project AND source = :source "
        "AND external_id = :external",
        {"org": key.org_id, "project": key.project_id, "source": body.get("source") or "",
         "external": body["externalId"]},
    )
    return None if row is None else str(row["id"])


def _claim(tx: Tx, key: IntakeKey, idem: str, digest: str, report_id: str, status: int) -> bool:
    """Take the Idempotency-Key for the answer about to be given; False if another request has it.

    The primary key decides between concurrent requests on any instance: PostgreSQL makes the second
    INSERT wait for the first transaction and then do nothing, and its next statement sees the winner.
    """
    inserted = tx.execute(
        "INSERT INTO idempotency_keys (key_id, idem_key, org_id, request_hash, status_code, "
        "report_id, created_at) VALUES (:key, :idem, :org, :hash, :status, :rid, :now) "
        "ON CONFLICT (key_id, idem_key) DO NOTHING",
        {"key": key.id, "idem": idem, "org": key.org_id, "hash": digest, "status": status, "rid": report_id,
         "now": utcnow()},
    )
    return inserted == 1


def _replay(tx: Tx, key: IntakeKey, idem: str | None, digest: str) -> tuple[dict[str, Any], int] | None:
    """Return the report (and status) a previous call with this Idempotency-Key answered, if any."""
    if idem is None:
        return None
    row = tx.query_one(
        "SELECT request_hash, report_id, status_code FROM idempotency_keys "
        "WHERE key_id = :key AND idem_key = :idem",
        {"key": key.id, "idem": idem},
    )
    if row is None:
        return None
    if row["request_hash"] != digest:
        raise errors.IdempotencyConflict()
    g.audit_target = {"projectId": key.project_id, "reportId": row["report_id"], "replayed": True}
    return _report(tx, key, row["report_id"]), int(row["status_code"])


def _report(tx: Tx, key: IntakeKey, report_id: str) -> dict[str, Any]:
    """The Report, its work item URL built as every UI route builds it."""
    return queries.get_report(tx, key.org_id, key.project_id, report_id, stored_web_base(tx, key.org_id))


@bp.get("/reports/<rid>")
def get_report(rid: str) -> dict[str, Any]:
    """Return one report the caller's project owns (status included)."""
    with get_storage().snapshot() as tx:
        key = _authenticate(tx)
        g.audit_target = {"projectId": key.project_id}
        return _report(tx, key, rid)
