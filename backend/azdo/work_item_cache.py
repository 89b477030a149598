"""The work items groups link to, as last read from Azure DevOps: title, state and URL for the Report JSON."""

from __future__ import annotations

from backend.azdo.models import WorkItem
from backend.storage import Tx, utcnow

DELETED_STATE = "Deleted"


def store(tx: Tx, org_id: str, item: WorkItem) -> None:
    """Store a work item's title, state and URL."""
    tx.execute(
        "INSERT INTO work_items (org_id, work_item_id, title, state, url, updated_at) "
        "VALUES (:org, :id, :title, :state, :url, :now) ON CONFLICT (org_id, work_item_id) DO UPDATE SET "
        "title = excluded.title, state = excluded.state, url = excluded.url, "
        "updated_at = excluded.updated_at",
        {
            "org": org_id,
            "id": item.id,
            "title": item.title,
            "state": item.state,
            "url": item.url,
            "now": utcnow(),
        },
    )


def mark_deleted(tx: Tx, org_id: str, work_item_id: int) -> None:
    """Record that Azure DevOps no longer has the work item (its groups keep their link)."""
    tx.execute(
        "UPDATE work_items SET state = :state, updated_at = :now WHERE org_id = :org AND work_item_id = :id",
        {"state": DELETED_STATE, "now": utcnow(), "org": org_id, "id": work_item_id},
    )
