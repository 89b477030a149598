"""Report group reads for the hub's default view: one row per problem, however many customers report it.

The list is one query per page, keyset-paginated on one of three orders, each served by an index of
0300_group_list.sql:

    newest     last_reported_at DESC, id DESC                  (report_groups_newest / _by_status)
    customers  customer_count DESC, last_reported_at DESC, id  (report_groups_customers)
    severity   severity_rank DESC, last_reported_at DESC, id   (report_groups_severity)

Search looks at the group's title and at every report of the group (title, customer name and id,
external id, description) through one EXISTS over reports_in_group.
"""

from __future__ import annotations

from typing import Any

from backend import errors, inputs
from backend.reports.queries import (
    WebBase,
    like_pattern,
    pack_cursor,
    page_rows,
    page_sql,
    report_matches,
    unpack_cursor,
    work_item_json,
)
from backend.storage import Tx, public_time

SORTS: dict[str, tuple[str, ...]] = {
    "newest": ("last_reported_at", "id"),
    "customers": ("customer_count", "last_reported_at", "id"),
    "severity": ("severity_rank", "last_reported_at", "id"),
}
SEVERITY_NAMES = {1: "low", 2: "medium", 3: "high", 4: "critical"}

_SELECT = (
    "SELECT g.id, g.project_id, g.title, g.status, g.bug_pending, g.work_item_id, g.report_count, "
    "g.customer_count, g.severity_rank, g.first_reported_at, g.last_reported_at, g.updated_at, "
    "w.title AS wi_title, w.state AS wi_state "
    "FROM report_groups g "
    "LEFT JOIN work_items w ON w.org_id = g.org_id AND w.work_item_id = g.work_item_id "
)
_SEARCH = (
    "(lower(g.title) LIKE :q ESCAPE '\\' OR EXISTS (SELECT 1 FROM reports r WHERE r.group_id = g.id AND "
    + report_matches("r") + "))"
)


def group_json(row: dict[str, Any], web_base: WebBase) -> dict[str, Any]:
    """Render one report_groups row (joined with its cached work item) as the API's Group object."""
    return {
        "id": row["id"], "projectId": row["project_id"], "title": row["title"], "status": row["status"],
        "severity": SEVERITY_NAMES.get(row["severity_rank"], "medium"),
        "customersAffected": row["customer_count"], "reportCount": row["report_count"],
        "newestReportAt": public_time(row["last_reported_at"]),
        "oldestReportAt": public_time(row["first_reported_at"]),
        "workItem": work_item_json(row, web_base), "bugPending": bool(row["bug_pending"]),
        "updatedAt": public_time(row["updated_at"]),
    }


def get_group(tx: Tx, org_id: str, project_id: str, group_id: str, web_base: WebBase) -> dict[str, Any]:
    """Return one Group of this organization's project, or raise NotFound."""
    row = tx.query_one(
        _SELECT + "WHERE g.id = :gid AND g.org_id = :org AND g.project_id = :project",
        {"gid": group_id, "org": org_id, "project": project_id},
    )
    if row is None:
        raise errors.NotFound("No such report group in this project.")
    return group_json(row, web_base)


def group_row(tx: Tx, org_id: str, project_id: str, group_id: str) -> dict[str, Any]:
    """Return the columns the triage actions need, or raise NotFound."""
    row = tx.query_one(
        "SELECT id, status, work_item_id, bug_pending FROM report_groups "
        "WHERE id = :gid AND org_id = :org AND project_id = :project",
        {"gid": group_id, "org": org_id, "project": project_id},
    )
    if row is None:
        raise errors.NotFound("No such report group in this project.")
    return row


def encode_cursor(sort: str, row: dict[str, Any]) -> str:
    """Encode the position after a row, for one sort order, as an opaque cursor."""
    return pack_cursor([sort, *(row[column] for column in SORTS[sort])])


def decode_cursor(cursor: str, sort: str) -> list[Any]:
    """Decode a cursor of the same sort order, or raise ValidationFailed naming the parameter."""
    values = unpack_cursor(cursor)
    if isinstance(values, list) and values[:1] == [sort] and len(values) == len(SORTS[sort]) + 1:
        position = values[1:]
        kinds = [int if column.endswith(("_count", "_rank")) else str for column in SORTS[sort]]
        if all(type(value) is kind for value, kind in zip(position, kinds, strict=True)):
            return position
    raise inputs.invalid_parameter("cursor", "is not a cursor from a previous page of this sort order")


def list_query(
    org_id: str, project_id: str, *, q: str | None, status: str | None, sort: str, limit: int,
    cursor: str | None,
) -> tuple[str, dict[str, Any]]:
    """Build the keyset-paginated group query (one extra row tells whether another page exists)."""
    columns = SORTS[sort]
    where = ["g.org_id = :org", "g.project_id = :project"]
    params: dict[str, Any] = {"org": org_id, "project": project_id}
    if status:
        where.append("g.status = :status")
        params["status"] = status
    if q:
        where.append(_SEARCH)
        params["q"] = like_pattern(q)
    if cursor:
        names = [f"c{i}" for i in range(len(columns))]
        params.update(zip(names, decode_cursor(cursor, sort), strict=True))
        where.append(f"({', '.join('g.' + c for c in columns)}) < ({', '.join(':' + n for n in names)})")
    order = ", ".join(f"g.{column} DESC" for column in columns)
    sql = f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT {page_rows(limit)}"
    return page_sql(sql, filtered=bool(q or status)), params


def list_groups(
    tx: Tx, org_id: str, project_id: str, *, web_base: WebBase, q: str | None, status: str | None, sort: str,
    limit: int, cursor: str | None,
) -> dict[str, Any]:
    """Return one page of a project's report groups in the given order, with the next page's cursor."""
    sql, params = list_query(org_id, project_id, q=q, status=status, sort=sort, limit=limit, cursor=cursor)
    rows = tx.query(sql, params)
    page = rows[:limit]
    next_cursor = encode_cursor(sort, page[-1]) if len(rows) > limit and page else None
    return {"items": [group_json(row, web_base) for row in page], "nextCursor": next_cursor}
