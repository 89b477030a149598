"""The report and group reads of the work item side: the outbox handlers, the worker and the service-hook
receiver ask these instead of writing report_groups/reports SQL of their own."""

from __future__ import annotations

from typing import Any

from backend.storage import Tx

NEWEST_REPORTS_IN_A_BUG = 100


def group_for_work(tx: Tx, org_id: str, group_id: str) -> dict[str, Any] | None:
    """Return the group's project, title, status and work item id, or None."""
    return tx.query_one(
        "SELECT id, project_id, title, status, work_item_id FROM report_groups "
        "WHERE id = :g AND org_id = :org",
        {"g": group_id, "org": org_id},
    )


def newest_reports(tx: Tx, group_id: str) -> list[dict[str, Any]]:
    """Return the group's newest reports (at most NEWEST_REPORTS_IN_A_BUG), newest first."""
    return tx.query(
        "SELECT id, title, description, customer_id, customer_name, severity, created_at FROM reports "
        "WHERE group_id = :g ORDER BY created_at DESC, id DESC LIMIT :limit",
        {"g": group_id, "limit": NEWEST_REPORTS_IN_A_BUG},
    )


def linked_work_item_ids(tx: Tx, org_id: str, *, only_uncached: bool = False) -> list[int]:
    """Return the work items this organization's groups link to (only those not cached yet, if asked)."""
    sql = (
        "SELECT DISTINCT g.work_item_id AS id FROM report_groups g "
        "WHERE g.org_id = :org AND g.work_item_id IS NOT NULL"
    )
    if only_uncached:
        sql += (
            " AND NOT EXISTS (SELECT 1 FROM work_items w "
            "WHERE w.org_id = g.org_id AND w.work_item_id = g.work_item_id)"
        )
    return [int(row["id"]) for row in tx.query(sql, {"org": org_id})]


def organizations_with_links(tx: Tx) -> list[str]:
    """Return the organizations that have at least one group linked to a work item."""
    rows = tx.query("SELECT DISTINCT org_id FROM report_groups WHERE work_item_id IS NOT NULL")
    return [str(row["org_id"]) for row in rows]


def is_linked(tx: Tx, org_id: str, work_item_id: int) -> bool:
    """Say whether any group of the organization links to the work item."""
    row = tx.query_one(
        "SELECT 1 AS linked FROM report_groups WHERE org_id = :org AND work_item_id = :wid LIMIT 1",
        {"org": org_id, "wid": work_item_id},
    )
    return row is not None
