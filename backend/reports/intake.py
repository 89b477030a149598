"""Storing one intake report: Idempotency-Key replay, externalId dedupe, grouping, counters, outbox.

`store` answers with the Report it created (201), the project's report with the same source and
externalId (200), or, for a repeated Idempotency-Key, the first call's answer (replayed; 409 when the
body differs). Each engine runs the same steps its own way:

- PostgreSQL: one data-modifying statement (WITH ... INSERT ... RETURNING), its answer built from what
  it wrote, so a report costs one round trip here. It runs after `lock_names` were locked by the
  request's first statement (backend.ratelimit.admit): a concurrent request naming the same
  Idempotency-Key, externalId or group waited there for this one's commit, so every statement that
  could race starts with the winner's rows in its snapshot. The unique keys (idempotency_keys' primary
  key, reports_by_external_id, the group key) still decide: a writer that took no lock makes the
  statement fail whole or, for a group it started meanwhile, write nothing (then it runs once more).
- SQLite: the steps one statement each (in process, a statement costs no round trip); writers take
  turns on the database's write lock, so nothing can change between the steps.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from backend import errors
from backend.auth.intake_keys import IntakeKey
from backend.outbox.queue import Kind, enqueue_from
from backend.reports import queries, service
from backend.storage import StorageError, Tx, utcnow


@dataclass(frozen=True)
class Stored:
    """The answer to one intake call."""

    report: dict[str, Any]  # the Report object
    status: int  # 201 created, 200 an existing report with this source and externalId
    replayed: bool  # the answer of an earlier call with the same Idempotency-Key


def lock_names(key: str, body: dict[str, Any], idem: str | None) -> list[str]:
    """Names (within the key's project) a concurrent request storing `body` would race on."""
    names = [json.dumps(["group", group_key(body)])]
    if body.get("externalId") is not None:
        names.append(json.dumps(["external", body.get("source") or "", body["externalId"]]))
    if idem is not None:
        names.append(json.dumps(["idempotency", key, idem]))  # Idempotency-Keys are per API key
    return names


def group_key(body: dict[str, Any]) -> str:
    return service.group_key_for(body["title"], body.get("source") or "", body.get("groupKey"))


def request_hash(body: dict[str, Any]) -> str:
    """What tells a replay (same body) from a reuse of an Idempotency-Key (another body)."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def store(
    tx: Tx, dialect: str, key: IntakeKey, body: dict[str, Any], idem: str | None, web_base: queries.WebBase
) -> Stored:
    """Store (or find) the report of one intake call in `tx`; raise IdempotencyConflict (409)."""
    if dialect == "postgresql":
        return _store_in_one_statement(tx, key, body, idem, web_base)
    return _store_step_by_step(tx, key, body, idem, web_base)


def _store_step_by_step(
    tx: Tx, key: IntakeKey, body: dict[str, Any], idem: str | None, web_base: queries.WebBase
) -> Stored:
    digest = request_hash(body)
    if idem is not None:
        prior = tx.query_one(
            "SELECT request_hash, report_id, status_code FROM idempotency_keys "
            "WHERE key_id = :key AND idem_key = :idem", {"key": key.id, "idem": idem},
        )
        if prior is not None:
            _refuse_other_body(prior["request_hash"], digest)
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


def _refuse_other_body(stored_hash: str, digest: str) -> None:
    if stored_hash != digest:
        raise errors.IdempotencyConflict()


_GROUP_COLUMNS = "id, org_id, status, work_item_id, bug_pending, report_count, customer_count"
_QUEUE_BUG = enqueue_from(
    "new_group WHERE bug_pending = 1", kind=Kind.CREATE_BUG, payload="jsonb_build_object('groupId', id)::text"
)
_QUEUE_COMMENT = enqueue_from(
    "joined WHERE status = 'linked' AND work_item_id IS NOT NULL", kind=Kind.ADD_COMMENT,
    payload="jsonb_build_object('groupId', id, 'reportId', :report_id)::text",
)

# Read top to bottom: an earlier answer, else the report joins (or starts) its group, counts its
# customer once, queues the group's work and claims the Idempotency-Key; then the Report as written.
# Sub-statements share one snapshot and see each other only through RETURNING, so a group started
# here is counted by its INSERT (1 report, 1 customer) and an existing one by the UPDATE, never both.
_STORE_POSTGRESQL = f"""
WITH prior AS (
    SELECT report_id AS id, status_code, request_hash, true AS replayed FROM idempotency_keys
    WHERE key_id = :key_id AND idem_key = :idem
), duplicate AS (
    SELECT id, 200 AS status_code, NULL AS request_hash, false AS replayed FROM reports
    WHERE org_id = :org AND project_id = :project AND source = :source AND external_id = :external_id
      AND NOT EXISTS (SELECT 1 FROM prior)
), answered AS (
    SELECT * FROM prior UNION ALL SELECT * FROM duplicate
), old_group AS (
    SELECT {_GROUP_COLUMNS} FROM report_groups
    WHERE org_id = :org AND project_id = :project AND group_key = :group_key
      AND NOT EXISTS (SELECT 1 FROM answered)
), new_group AS (
    INSERT INTO report_groups (id, org_id, project_id, group_key, title, status, bug_pending,
        severity_rank, report_count, customer_count, first_reported_at, last_reported_at, created_at,
        updated_at)
    SELECT :group_id, :org, :project, :group_key, :title, 'new', auto_create_bug, :rank, 1, 1,
        :now, :now, :now, :now
    FROM projects WHERE org_id = :org AND id = :project
      AND NOT EXISTS (SELECT 1 FROM answered) AND NOT EXISTS (SELECT 1 FROM old_group)
    ON CONFLICT (org_id, project_id, group_key) DO NOTHING
    RETURNING {_GROUP_COLUMNS}
), report AS (
    INSERT INTO reports (id, org_id, project_id, group_id, status, title, description, customer_id,
        customer_name, source, external_id, severity, link, key_id, created_at, updated_at)
    SELECT :report_id, :org, :project, id, status, :title, :description, :customer_id, :customer_name,
        :source, :external_id, :severity, :link, :key_id, :now, :now
    FROM (SELECT id, status FROM old_group UNION ALL SELECT id, status FROM new_group) AS chosen
    RETURNING *
), customer AS (
    INSERT INTO group_customers (group_id, customer_id, org_id)
    SELECT group_id, customer_id, org_id FROM report
    ON CONFLICT DO NOTHING RETURNING customer_id
), joined AS (
    UPDATE report_groups SET report_count = report_count + 1,
        customer_count = customer_count + (SELECT count(*) FROM customer),
        last_reported_at = GREATEST(last_reported_at, :now),
        first_reported_at = LEAST(first_reported_at, :now),
        severity_rank = GREATEST(severity_rank, :rank), updated_at = :now
    WHERE id IN (SELECT group_id FROM report) AND id IN (SELECT id FROM old_group)
    RETURNING {_GROUP_COLUMNS}
), written_group AS (
    SELECT * FROM joined UNION ALL SELECT * FROM new_group
), bug AS ({_QUEUE_BUG}
), comment AS ({_QUEUE_COMMENT}
), claim AS (
    INSERT INTO idempotency_keys (key_id, idem_key, org_id, request_hash, status_code, report_id,
        created_at)
    SELECT :key_id, :idem, :org, :hash, status_code, id, :now
    FROM (SELECT id, 201 AS status_code FROM report UNION ALL SELECT id, status_code FROM duplicate) AS answer
    WHERE :idem IS NOT NULL
)
SELECT {queries.REPORT_COLUMNS}, 201 AS status_code, NULL AS request_hash, false AS replayed
{queries.report_rows("report", "written_group")}
UNION ALL
SELECT {queries.REPORT_COLUMNS}, a.status_code, a.request_hash, a.replayed
{queries.report_rows()}JOIN answered a ON a.id = r.id
"""


def _store_in_one_statement(
    tx: Tx, key: IntakeKey, body: dict[str, Any], idem: str | None, web_base: queries.WebBase
) -> Stored:
    digest = request_hash(body)
    severity = body.get("severity") or "medium"
    params = {
        "key_id": key.id, "idem": idem, "hash": digest, "org": key.org_id, "project": key.project_id,
        "group_key": group_key(body), "group_id": service.new_id("g"), "report_id": service.new_id("r"),
        "title": body["title"], "description": body.get("description") or "",
        "customer_id": body["customerId"], "customer_name": body.get("customerName") or "",
        "source": body.get("source") or "", "external_id": body.get("externalId"), "severity": severity,
        "rank": service.SEVERITY_RANKS[severity], "link": body.get("link"), "now": utcnow(),
    }
    row = tx.query_one(_STORE_POSTGRESQL, params)
    if row is None:  # a writer that takes no locks started this group after the snapshot: join it now
        row = tx.query_one(_STORE_POSTGRESQL, params)
    if row is None:
        raise StorageError("intake found neither a group nor an answer twice")
    if row["replayed"]:
        _refuse_other_body(row["request_hash"], digest)
    return Stored(queries.report_json(row, web_base), int(row["status_code"]), replayed=bool(row["replayed"]))
