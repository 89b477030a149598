"""Intake on PostgreSQL: the key's check, the rate limit's count and the report, in one statement.

One data-modifying statement (WITH ... INSERT ... RETURNING) in autocommit is atomic by itself, so a
new report costs one round trip: no BEGIN, no COMMIT, and no row lock held for a round trip to
COMMIT. The statement checks what the route cannot know from memory (that the key is not revoked:
its secret was checked by backend.auth.intake_keys.KnownKeys), counts the request in its window
(backend.ratelimit.COUNT_POSTGRESQL), and stores the report only when the count is within the limit.
A 409 (the Idempotency-Key's first body was another) is not counted; a 429 is (see backend.ratelimit).

Two requests naming the same thing at once take no lock beforehand; the unique keys decide, as
they would for any writer:
- the same Idempotency-Key (idempotency_keys' primary key) or externalId (reports_by_external_id):
  the later statement waits for the earlier one's row, then fails whole, and runs again: its new
  snapshot holds the winner's row, so it answers with it (a replay, a 409 or the 200 report);
- the same new group (the group key): the later statement waits, then writes nothing (ON CONFLICT DO
  NOTHING) but its count, and runs again without counting: it joins the winner's group.
A replay or an externalId answer reads the earlier report afterwards, as it is now.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from backend import errors, ratelimit
from backend.auth.intake_keys import IntakeKey
from backend.outbox.queue import Kind, enqueue_from
from backend.reports import queries, service
from backend.reports.intake import Stored, group_key, refuse_other_body, request_hash
from backend.storage import ConstraintViolation, PreparedSQL, Storage, StorageError, Tx, utcnow

RUNS = 3  # a lost race costs one more run (the winner has committed); a third is to spare
OrgWebBase = Callable[[Tx], str]  # the key's organization's work item URL base, read in the Tx given

_GROUP_COLUMNS = "id, org_id, status, work_item_id, bug_pending, report_count, customer_count"
# A new group's bug (auto-create on) and a linked group's comment: the work this report queues.
_QUEUE_WORK = enqueue_from(
    f"(SELECT '{Kind.CREATE_BUG.value}' AS kind, jsonb_build_object('groupId', id)::text AS payload "
    "FROM new_group WHERE bug_pending = 1 "
    f"UNION ALL SELECT '{Kind.ADD_COMMENT.value}', "
    "jsonb_build_object('groupId', id, 'reportId', :report_id)::text "
    "FROM joined WHERE status = 'linked' AND work_item_id IS NOT NULL) AS work"
)

# Read top to bottom: the key (no row: revoked), an earlier answer to its Idempotency-Key, the count
# (not for a 409) and whether it is within the limit; then an earlier report with this externalId,
# else the report joins (or starts) its group, counts its customer once, queues the group's work and
# claims the Idempotency-Key; then the count and the Report as written. Sub-statements share one
# snapshot and see each other only through RETURNING, so a group started here is counted by its
# INSERT (1 report, 1 customer) and an existing one by the UPDATE, never both. Sent with its
# whitespace collapsed (no literal holds a space).
STORE = PreparedSQL(" ".join(f"""
WITH presented AS (
    SELECT id FROM intake_keys
    WHERE id = :key_id AND org_id = :org AND project_id = :project AND revoked_at IS NULL
), prior AS (
    SELECT report_id AS id, status_code, request_hash, true AS replayed FROM idempotency_keys
    WHERE key_id = :key_id AND idem_key = :idem
), counting AS (
    SELECT id FROM presented WHERE :limited AND NOT EXISTS (SELECT 1 FROM prior WHERE request_hash <> :hash)
), {ratelimit.COUNT_POSTGRESQL}, admitted AS (
    SELECT 1 FROM presented, tally WHERE NOT :limited OR tally.requests <= :limit
), duplicate AS (
    SELECT id, 200 AS status_code, NULL AS request_hash, false AS replayed FROM reports
    WHERE org_id = :org AND project_id = :project AND source = :source AND external_id = :external_id
      AND NOT EXISTS (SELECT 1 FROM prior) AND EXISTS (SELECT 1 FROM admitted)
), answered AS (
    SELECT * FROM prior UNION ALL SELECT * FROM duplicate
), storing AS (
    SELECT 1 FROM admitted WHERE NOT EXISTS (SELECT 1 FROM answered)
), old_group AS (
    SELECT {_GROUP_COLUMNS} FROM report_groups
    WHERE org_id = :org AND project_id = :project AND group_key = :group_key
      AND EXISTS (SELECT 1 FROM storing)
), new_group AS (
    INSERT INTO report_groups (id, org_id, project_id, group_key, title, status, bug_pending,
        severity_rank, report_count, customer_count, first_reported_at, last_reported_at, created_at,
        updated_at)
    SELECT :group_id, :org, :project, :group_key, :title, 'new', auto_create_bug, :rank, 1, 1,
        :now, :now, :now, :now
    FROM projects WHERE org_id = :org AND id = :project
      AND EXISTS (SELECT 1 FROM storing) AND NOT EXISTS (SELECT 1 FROM old_group)
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
), queued AS ({_QUEUE_WORK}
), claim AS (
    INSERT INTO idempotency_keys (key_id, idem_key, org_id, request_hash, status_code, report_id,
        created_at)
    SELECT :key_id, :idem, :org, :hash, status_code, id, :now
    FROM (SELECT id, 201 AS status_code FROM report UNION ALL SELECT id, status_code FROM duplicate) AS answer
    WHERE :idem IS NOT NULL
)
SELECT t.requests, a.id AS answer_id, a.status_code, a.request_hash, a.replayed, {queries.REPORT_COLUMNS}
FROM presented CROSS JOIN tally t
LEFT JOIN (SELECT * FROM answered UNION ALL SELECT id, 201, NULL, false FROM report) AS a ON true
LEFT JOIN report r ON r.id = a.id LEFT JOIN written_group g ON g.id = r.group_id
LEFT JOIN work_items w ON w.org_id = g.org_id AND w.work_item_id = g.work_item_id
""".split()).replace("( ", "(").replace(" )", ")"))


def store(
    storage: Storage, key: IntakeKey, body: dict[str, Any], idem: str | None, per_minute: int,
    web_base: OrgWebBase, *, now: float | None = None,
) -> Stored:
    """Store (or find) the report of one intake call by a key whose secret was checked.

    Raise KeyInvalid (revoked), RateLimited (429) or IdempotencyConflict (409). `web_base` is read
    only for a report whose group has a work item.
    """
    moment = time.time() if now is None else now
    params = statement_params(key, body, idem, per_minute, moment)
    window, digest = params["window"], params["hash"]
    lost: ConstraintViolation | None = None
    for _ in range(RUNS):
        try:
            with storage.single_write() as tx:
                row = tx.query_one(STORE, params)
        except ConstraintViolation as exc:  # another request claimed this Idempotency-Key or externalId
            lost = exc  # first; it has committed, so the next run's snapshot answers with its row
            continue
        if row is None:  # keys are never deleted: it was revoked since this app read it
            raise errors.KeyInvalid("The API key has been revoked.")
        if per_minute > 0:
            ratelimit.refuse_past_limit(int(row["requests"]), per_minute, window, moment)
        if row["answer_id"] is not None:
            return _answer(storage, key, row, digest, web_base)
        params["limited"] = False  # a group another request started meanwhile: join it, counted once
    raise StorageError(f"intake stored no report and found no answer in {RUNS} runs") from lost


def statement_params(
    key: IntakeKey, body: dict[str, Any], idem: str | None, per_minute: int, moment: float
) -> dict[str, Any]:
    """STORE's parameters for one intake call at `moment` (a Unix time)."""
    severity = body.get("severity") or "medium"
    return {
        "key_id": key.id, "idem": idem, "hash": request_hash(body), "org": key.org_id,
        "project": key.project_id, "window": ratelimit.window_of(moment), "limited": per_minute > 0,
        "limit": per_minute,
        "group_key": group_key(body), "group_id": service.new_id("g"), "report_id": service.new_id("r"),
        "title": body["title"], "description": body.get("description") or "",
        "customer_id": body["customerId"], "customer_name": body.get("customerName") or "",
        "source": body.get("source") or "", "external_id": body.get("externalId"), "severity": severity,
        "rank": service.SEVERITY_RANKS[severity], "link": body.get("link"), "now": utcnow(),
    }


def _answer(
    storage: Storage, key: IntakeKey, row: dict[str, Any], digest: str, web_base: OrgWebBase
) -> Stored:
    if row["replayed"]:
        refuse_other_body(row["request_hash"], digest)
    status, replayed = int(row["status_code"]), bool(row["replayed"])
    if row["id"] is None:  # an earlier report answers (replay or externalId): read it as it is now
        with storage.snapshot() as tx:
            report = queries.get_report(
                tx, key.org_id, key.project_id, row["answer_id"], lambda: web_base(tx)
            )
        return Stored(report, status, replayed)

    def read_web_base() -> str:
        with storage.single_read() as tx:
            return web_base(tx)

    return Stored(queries.report_json(row, read_web_base), status, replayed)
