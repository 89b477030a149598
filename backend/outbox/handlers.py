"""The outbox's handlers, one per Kind (backend/outbox/queue.py): each reads storage, calls Azure
DevOps, and writes the result back through the reports."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.azdo import operations, work_item_cache
from backend.azdo.client import AzureDevOpsClient
from backend.azdo.connector import AzureDevOps
from backend.azdo.errors import AzureDevOpsNotFound
from backend.azdo.models import WorkItem
from backend.outbox.queue import Kind
from backend.reports import linked_work, service
from backend.storage import Storage, Tx

log = logging.getLogger("backend.outbox.handlers")
HUB_LINK = "{org_url}/{project_id}/_apps/hub/{hub}?reportId={report_id}"


@dataclass(frozen=True)
class HandlerContext:
    """What every handler needs."""

    storage: Storage
    azdo: AzureDevOps
    hub_contribution: str = "report-bridge.report-bridge.customer-reports"


class HandlerFailed(Exception):
    """The work can never succeed (bad payload, unknown kind); the row is marked failed."""


Row = dict[str, Any]


def run(ctx: HandlerContext, row: Row, payload: dict[str, Any]) -> None:
    """Run one outbox row's handler; raise AzureDevOpsError or HandlerFailed on failure."""
    try:
        kind = Kind(row["kind"])
    except ValueError:
        raise HandlerFailed(f"unknown outbox kind {row['kind']!r}") from None
    HANDLERS[kind](ctx, row, payload)


def give_up(ctx: HandlerContext, row: Row, payload: dict[str, Any]) -> None:
    """Undo the visible "in progress" marker of work that failed for good."""
    if row["kind"] == Kind.CREATE_BUG and payload.get("groupId"):
        with ctx.storage.transaction() as tx:
            service.clear_bug_pending(tx, row["org_id"], str(payload["groupId"]))


def create_bug(ctx: HandlerContext, row: Row, payload: dict[str, Any]) -> None:
    """Create (or find the earlier) bug for a group and link the group to it."""
    org_id, group_id = row["org_id"], _text(payload, "groupId")
    with ctx.storage.snapshot() as tx:
        group = linked_work.group_for_work(tx, org_id, group_id)
        wanted = group is not None and group["work_item_id"] is None and group["status"] != "dismissed"
        reports = _reports(tx, group_id) if wanted else []
    if group is None or not wanted:
        # Gone, linked by hand meanwhile, or dismissed: nothing to create. The marker is cleared all
        # the same; one that no outbox row will ever clear would refuse every action on the group.
        with ctx.storage.transaction() as tx:
            service.clear_bug_pending(tx, org_id, group_id)
        return
    client = ctx.azdo.client_for(org_id)
    link = HUB_LINK.format(
        org_url=client.web_base,
        project_id=group["project_id"],
        hub=ctx.hub_contribution,
        report_id=reports[0].id,
    )
    item = operations.create_group_bug(client, group["project_id"], group_id, group["title"], reports, link)
    with ctx.storage.transaction() as tx:
        work_item_cache.store(tx, org_id, item)
        service.link_group_to_work_item(tx, org_id, group_id, item.id)
    log.info("group %s linked to bug %s", group_id, item.id)


def add_comment(ctx: HandlerContext, row: Row, payload: dict[str, Any]) -> None:
    """Comment on the group's work item about a new report (once per report)."""
    org_id, group_id, report_id = row["org_id"], _text(payload, "groupId"), _text(payload, "reportId")
    with ctx.storage.snapshot() as tx:
        group = linked_work.group_for_work(tx, org_id, group_id)
        report = [r for r in _reports(tx, group_id) if r.id == report_id]
    if group is None or group["work_item_id"] is None or not report:
        return  # unlinked meanwhile: nobody to tell
    client = ctx.azdo.client_for(org_id)
    operations.comment_once(client, group["project_id"], int(group["work_item_id"]), report[0])


def sync_work_item(ctx: HandlerContext, row: Row, payload: dict[str, Any]) -> None:
    """Re-read a work item a service hook told us about, and let its groups follow its state."""
    org_id, work_item_id = row["org_id"], int(payload.get("workItemId") or 0)
    if work_item_id <= 0:
        raise HandlerFailed("sync_work_item needs a positive workItemId")
    client = ctx.azdo.client_for(org_id)
    try:
        item = client.get_work_item(work_item_id)
    except AzureDevOpsNotFound:
        with ctx.storage.transaction() as tx:
            work_item_cache.mark_deleted(tx, org_id, work_item_id)
        return
    with ctx.storage.transaction() as tx:
        work_item_cache.store(tx, org_id, item)
        follow_state(tx, org_id, item)


def refresh_linked(ctx: HandlerContext, org_id: str, *, only_uncached: bool = False) -> tuple[int, int]:
    """Re-read every work item this organization's groups link to (200 per call); return (asked, found)."""
    with ctx.storage.snapshot() as tx:
        ids = linked_work.linked_work_item_ids(tx, org_id, only_uncached=only_uncached)
    if not ids:
        return 0, 0
    client: AzureDevOpsClient = ctx.azdo.client_for(org_id)
    items = client.get_work_items(ids)
    with ctx.storage.transaction() as tx:
        for item in items:
            work_item_cache.store(tx, org_id, item)
            follow_state(tx, org_id, item)
    return len(ids), len(items)


def follow_state(tx: Tx, org_id: str, item: WorkItem) -> None:
    """Resolve linked groups when the item is done; reopen resolved groups when it is active again."""
    if item.is_done:
        service.resolve_groups_for_work_item(tx, org_id, item.id)
    else:
        service.reopen_groups_for_work_item(tx, org_id, item.id)


def _reports(tx: Tx, group_id: str) -> list[operations.ReportSummary]:
    return [
        operations.ReportSummary(
            id=r["id"],
            title=r["title"],
            description=r["description"],
            customer=r["customer_name"] or r["customer_id"],
            severity=r["severity"],
            created_at=r["created_at"][:19] + "Z",
        )
        for r in linked_work.newest_reports(tx, group_id)
    ]


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise HandlerFailed(f"outbox payload lacks {key}")
    return value


Handler = Callable[[HandlerContext, Row, dict[str, Any]], None]
HANDLERS: dict[Kind, Handler] = {
    Kind.CREATE_BUG: create_bug,
    Kind.ADD_COMMENT: add_comment,
    Kind.SYNC_WORK_ITEM: sync_work_item,
}
