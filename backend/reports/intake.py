"""Storing one intake report: Idempotency-Key replay, externalId dedupe, grouping, counters, outbox.

`store` answers with the Report it created (201), the project's report with the same source and
externalId (200), or, for a repeated Idempotency-Key, the first call's answer (replayed; 409 when the
body differs). These are the steps on SQLite, one statement each, inside the request's transaction
(in process, a statement costs no round trip); writers take turns on the database's write lock, so
nothing can change between the steps. PostgreSQL runs the same steps, with the key's check and the
rate limit's count, as one statement in autocommit: backend.reports.intake_postgres.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from backend import errors
from backend.auth.intake_keys import IntakeKey
from backend.reports import queries, service
from backend.storage import Tx, utcnow


@dataclass(frozen=True)
class Stored:
    """The answer to one intake call."""

    report: dict[str, Any]  # the Report object
    status: int  # 201 created, 200 an existing report with this source and externalId
    replayed: bool  # the answer of an earlier call with the same Idempotency-Key


def group_key(body: dict[str, Any]) -> str:
    return service.group_key_for(body["title"], body.get("source") or "", body.get("groupKey"))


def request_hash(body: dict[str, Any]) -> str:
    """What tells a replay (same body) from a reuse of an Idempotency-Key (another body)."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def store(
    tx: Tx, key: IntakeKey, body: dict[str, Any], idem: str | None, web_base: queries.WebBase
) -> Stored:
    """Store (or find) the report of one intake call in `tx`; raise IdempotencyConflict (409)."""
    digest = request_hash(body)
    if idem is not None:
        prior = tx.query_one(
            "SELECT request_hash, report_id, status_code FROM idempotency_keys "
            "WHERE key_id = :key AND idem_key = :idem", {"key": key.id, "idem": idem},
        )
        if prior is not None:
            refuse_other_body(prior["request_hash"], digest)
            report = queries.get_report(tx, key.org_id, key.project_id, prior["report_id"], web_base)
            return Stored(report, int(prior["status_code"]), replayed=True)
    report_id, status = _same_external_id(tx, key, body), 200
    if report_id is None:
        report_id, status = service.create_report(
            tx, org_id=key.org_id, project_id=key.project_id, data=body, key_id=key.id
        ), 201
    if idem is not None:
        tx.execute(
            "INSERT INTO idempotency_keys (key_id, idem_key, org_id, request_hash, status_code, "
            "report_id, created_at) VALUES (:key, :idem, :org, :hash, :status, :rid, :now)",
            {"key": key.id, "idem": idem, "org": key.org_id, "hash": digest, "status": status,
             "rid": report_id, "now": utcnow()},
        )
    report = queries.get_report(tx, key.org_id, key.project_id, report_id, web_base)
    return Stored(report, status, replayed=False)


def _same_external_id(tx: Tx, key: IntakeKey, body: dict[str, Any]) -> str | None:
    if body.get("externalId") is None:
        return None
    row = tx.query_one(
        "SELECT id FROM reports WHERE org_id = :org AND project_id = :project AND source = :source "
        "AND external_id = :external_id",
        {"org": key.org_id, "project": key.project_id, "source": body.get("source") or "",
         "external_id": body["externalId"]},
    )
    return None if row is None else str(row["id"])


def refuse_other_body(stored_hash: str, digest: str) -> None:
    """Raise IdempotencyConflict (409) when an Idempotency-Key's first body was another one."""
    if stored_hash != digest:
        raise errors.IdempotencyConflict()
