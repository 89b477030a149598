"""Report reads: the Report JSON, keyset-paginated lists, work-item impact and dashboard aggregates.

Every query is scoped by org_id and project_id and served by an index from 0001_initial.sql.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from backend import errors, inputs
from backend.reports.daily import DEFAULT_PERIOD, daily_counts
from backend.storage import PreparedSQL, Tx, public_time

STATUSES = ("new", "linked", "dismissed", "resolved")
MAX_PAGE_ROWS = 1000  # bounds what page_rows writes into SQL (the routes allow up to 100)
# The organization's Azure DevOps web URL (backend.azdo.linking.web_base), asked for only when a work item
# needs its URL: an intake answer without one costs no statement to learn the organization's name.
WebBase = Callable[[], str]

REPORT_COLUMNS = (
    "r.id, r.group_id, r.project_id, r.title, r.description, r.customer_id, r.customer_name, "
    "r.source, r.external_id, r.severity, r.link, r.status, r.created_at, r.updated_at, "
    "g.work_item_id, g.bug_pending, g.report_count, g.customer_count, "
    "w.title AS wi_title, w.state AS wi_state"
)


def report_rows(reports: str = "reports", groups: str = "report_groups") -> str:
    """FROM clause of REPORT_COLUMNS: reports `r`, their groups `g`, the groups' cached work items `w`.

    Intake names its own just-written rows here (WITH ... RETURNING on PostgreSQL) instead of tables.
    """
    return (
        f"FROM {reports} r JOIN {groups} g ON g.id = r.group_id "
        "LEFT JOIN work_items w ON w.org_id = g.org_id AND w.work_item_id = g.work_item_id "
    )


_SELECT = f"SELECT {REPORT_COLUMNS} {report_rows()}"


def work_item_url(web_base: str, project_id: str, work_item_id: int) -> str:
    """The work item's web page: the one URL source for every work item link the UI shows."""
    return f"{web_base}/{project_id}/_workitems/edit/{work_item_id}"


def work_item_json(row: dict[str, Any], web_base: WebBase) -> dict[str, Any] | None:
    """The Report's and Group's workItem: the cached title and state, the URL from `web_base`.

    Every route passes one (the configured URL the integration calls, or https://dev.azure.com/<org>),
    so a work item has the same URL in every answer; the URL REST gave when it was cached is not used.
    """
    if row["work_item_id"] is None:
        return None
    url = work_item_url(web_base(), row["project_id"], row["work_item_id"])
    return {"id": row["work_item_id"], "title": row["wi_title"], "state": row["wi_state"], "url": url}


def report_json(row: dict[str, Any], web_base: WebBase) -> dict[str, Any]:
    """Render one joined report row as the API's Report object."""
    work_item = work_item_json(row, web_base)
    return {
        "id": row["id"], "groupId": row["group_id"], "projectId": row["project_id"],
        "title": row["title"], "description": row["description"],
        "customerId": row["customer_id"], "customerName": row["customer_name"],
        "source": row["source"], "externalId": row["external_id"], "severity": row["severity"],
        "link": row["link"], "status": row["status"], "workItem": work_item,
        "bugPending": bool(row["bug_pending"]),
        "customersAffected": row["customer_count"], "reportCount": row["report_count"],
        "createdAt": public_time(row["created_at"]), "updatedAt": public_time(row["updated_at"]),
    }


def get_report(
    tx: Tx, org_id: str, project_id: str | None, report_id: str, web_base: WebBase
) -> dict[str, Any]:
    """Return one Report in this organization (and project, when given), or raise NotFound."""
    row = tx.query_one(
        _SELECT + "WHERE r.id = :rid AND r.org_id = :org AND (:project IS NULL OR r.project_id = :project)",
        {"rid": report_id, "org": org_id, "project": project_id},
    )
    if row is None:
        raise errors.NotFound("No such report.")
    return report_json(row, web_base)


def pack_cursor(values: list[Any]) -> str:
    """Encode a page position (JSON values) as an opaque cursor."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def unpack_cursor(cursor: str) -> Any:
    """Decode a cursor from pack_cursor; None when it is not one.

    inputs.load_json applies the same depth, integer and text bounds as every other JSON the edge reads.
    """
    try:
        return inputs.load_json(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)), "cursor")
    except (binascii.Error, ValueError, errors.BadRequest):
        return None


def encode_cursor(created_at: str, report_id: str) -> str:
    """Encode the position after a report as an opaque cursor."""
    return pack_cursor([created_at, report_id])


def decode_cursor(cursor: str) -> tuple[str, str]:
    """Decode a cursor from encode_cursor, or raise ValidationFailed naming the parameter."""
    values = unpack_cursor(cursor)
    if isinstance(values, list) and len(values) == 2 and all(isinstance(value, str) for value in values):
        return values[0], values[1]
    raise inputs.invalid_parameter("cursor", "is not a cursor from a previous page")


def like_pattern(text: str) -> str:
    """A LIKE pattern (ESCAPE '\\') matching `text` anywhere in a lower-cased column."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


SEARCHED_COLUMNS = ("title", "customer_name", "customer_id", "external_id", "description")


def report_matches(alias: str) -> str:
    """SQL that is true when the report `alias` has :q (a like_pattern) in any searched column.

    lower() on the column: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
    """
    tests = (f"lower({alias}.{column}) LIKE :q ESCAPE '\\'" for column in SEARCHED_COLUMNS)
    return "(" + " OR ".join(tests) + ")"


def list_query(
    org_id: str, project_id: str, *, q: str | None, status: str | None, limit: int, cursor: str | None,
    group_id: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """Build the keyset-paginated list query (one extra row tells whether another page exists)."""
    where = ["r.org_id = :org", "r.project_id = :project"]
    params: dict[str, Any] = {"org": org_id, "project": project_id}
    if group_id:
        where.append("r.group_id = :group")
        params["group"] = group_id
    if status:
        where.append("r.status = :status")
        params["status"] = status
    if q:
        where.append(report_matches("r"))
        params["q"] = like_pattern(q)
    if cursor:
        params["c_at"], params["c_id"] = decode_cursor(cursor)
        where.append("(r.created_at, r.id) < (:c_at, :c_id)")
    order = f"ORDER BY r.created_at DESC, r.id DESC LIMIT {page_rows(limit)}"
    sql = f"{_SELECT} WHERE {' AND '.join(where)} {order}"
    return page_sql(sql, filtered=bool(q or status or group_id)), params


def page_sql(sql: str, *, filtered: bool) -> str:
    """A list page's SQL: PreparedSQL unless filtered or searched.

    A page of a project's reports or groups in one of its orders (a cursor or not) is a busy statement
    (every hub load) whose generic plan reads the order's index, so PostgreSQL plans it once per
    connection. A filtered or searched page is planned for its values each time: how many rows a status
    or a search term matches is what picks its plan, and a generic plan cannot see it. The LIMIT is
    written in (page_rows): a generic plan cannot see a `$n` LIMIT either; it guessed a tenth of a
    project's rows and, at a million, chose a parallel scan (10 ms a page instead of 0.1).
    """
    return sql if filtered else PreparedSQL(sql)


def page_rows(limit: int) -> int:
    """The rows a page's query asks for: the page and one more (which tells whether another exists)."""
    if not 1 <= limit <= MAX_PAGE_ROWS:
        raise ValueError(f"a page has 1 to {MAX_PAGE_ROWS} rows, not {limit}")
    return int(limit) + 1


def list_reports(
    tx: Tx, org_id: str, project_id: str, *, q: str | None, status: str | None, limit: int,
    cursor: str | None, web_base: WebBase, group_id: str | None = None,
) -> dict[str, Any]:
    """Return one page of a project's reports (of one group, when given), newest first, with a cursor."""
    sql, params = list_query(
        org_id, project_id, q=q, status=status, limit=limit, cursor=cursor, group_id=group_id
    )
    rows = tx.query(sql, params)
    page = rows[:limit]
    more = len(rows) > limit
    next_cursor = encode_cursor(page[-1]["created_at"], page[-1]["id"]) if more and page else None
    return {"items": [report_json(row, web_base) for row in page], "nextCursor": next_cursor}


def work_item_impact(
    tx: Tx, org_id: str, project_id: str, work_item_id: int, *, web_base: WebBase, days: int = DEFAULT_PERIOD
) -> dict[str, Any]:
    """Summarize the reports linked (through their groups) to one work item, with its last `days` days."""
    params = {"org": org_id, "project": project_id, "wid": work_item_id}
    rows = tx.query(
        _SELECT + "WHERE g.org_id = :org AND g.project_id = :project AND g.work_item_id = :wid "
        "ORDER BY r.created_at DESC, r.id DESC LIMIT 100",
        params,
    )
    totals = tx.query_one(
        "SELECT COUNT(DISTINCT c.customer_id) AS customers FROM group_customers c "
        "JOIN report_groups g ON g.id = c.group_id "
        "WHERE g.org_id = :org AND g.project_id = :project AND g.work_item_id = :wid",
        params,
    )
    span = tx.query_one(
        "SELECT COALESCE(SUM(report_count), 0) AS reports, MIN(first_reported_at) AS first_at, "
        "MAX(last_reported_at) AS last_at FROM report_groups "
        "WHERE org_id = :org AND project_id = :project AND work_item_id = :wid",
        params,
    )
    assert totals is not None and span is not None
    return {
        "workItemId": work_item_id,
        "reports": [report_json(row, web_base) for row in rows],
        "customersAffected": totals["customers"],
        "reportCount": span["reports"],
        "firstReportedAt": public_time(span["first_at"]),
        "lastReportedAt": public_time(span["last_at"]),
        "dailyCounts": daily_counts(tx, org_id, project_id, days=days, work_item_id=work_item_id),
    }


def dashboard(
    tx: Tx, org_id: str, project_id: str, now: datetime | None = None, days: int = DEFAULT_PERIOD
) -> dict[str, Any]:
    """Count a project's reports by status and per day of the last `days`, and age the oldest untriaged."""
    params = {"org": org_id, "project": project_id}
    counts = dict.fromkeys(STATUSES, 0)
    for row in tx.query(
        "SELECT status, COUNT(*) AS n FROM reports WHERE org_id = :org AND project_id = :project "
        "GROUP BY status",
        params,
    ):
        counts[row["status"]] = row["n"]
    oldest = tx.query_one(
        "SELECT MIN(created_at) AS at FROM reports "
        "WHERE org_id = :org AND project_id = :project AND status = 'new'",
        params,
    )
    oldest_at = oldest["at"] if oldest else None
    age = None
    if oldest_at:
        started = datetime.strptime(oldest_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        age = max(0, int(((now or datetime.now(UTC)) - started).total_seconds()))
    return {
        "countsByStatus": counts,
        "untriagedCount": counts["new"],
        "oldestUntriagedAt": public_time(oldest_at),
        "oldestUntriagedAgeSeconds": age,
        "dailyCounts": daily_counts(tx, org_id, project_id, days=days, now=now),
    }
