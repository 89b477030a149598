"""Report changes: intake with grouping, triage actions, and the transitions the integration calls.

Triage state lives on the group and is copied to its reports (`reports.status`) in the same
statement pair, so status filters stay indexed. Group status machine:

    new ──link──► linked ──(work item resolved: resolve_groups_for_work_item)──► resolved
     ▲  ◄─unlink──┘  ▲ └──────────(work item reopened: reopen_groups_for_work_item)◄─┘
     │               └── create-bug: outbox "create_bug", then link_group_to_work_item
     └──reopen── dismissed ◄──dismiss── new

While a bug is being created for a group (`bug_pending`), every other triage action on it is refused
with 409 bug_pending: the outbox worker links the group when the bug exists, so a dismissal or a
hand-made link in between would be overwritten or would strand the marker. Once the worker has
linked the group (or given up, or found nothing to do), the marker is cleared and actions work again.

Functions for the integration (issue 5), all taking the caller's open Tx:
`link_group_to_work_item`, `resolve_groups_for_work_item`, `reopen_groups_for_work_item`,
`clear_bug_pending` (a create failed for good).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Any

from backend import errors
from backend.outbox.queue import Kind, enqueue_outbox
from backend.storage import Tx, utcnow

# report_groups.severity_rank: the highest severity of a group's reports, as a sortable number.
SEVERITY_RANKS = {"low": 1, "medium": 2, "high": 3, "critical": 4}


def new_id(prefix: str) -> str:
    """Return a random public id such as r_3k9x... (unguessable, so ids never leak other rows)."""
    return f"{prefix}_{secrets.token_hex(10)}"


def normalize(text: str) -> str:
    """Normalize text for grouping: Unicode-fold, lower-case, punctuation and spacing collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


def group_key_for(title: str, source: str, explicit: str | None) -> str:
    """Return the key that decides which group a report joins."""
    if explicit and explicit.strip():
        return "k:" + explicit.strip()
    return f"t:{normalize(title)}|{normalize(source)}"


def ensure_project(tx: Tx, org_id: str, project_id: str, name: str = "") -> None:
    """Create the project row on first sight; keep its display name current."""
    tx.execute(
        "INSERT INTO projects (org_id, id, name, created_at) VALUES (:org, :id, :name, :now) "
        "ON CONFLICT (org_id, id) DO UPDATE SET name = excluded.name "
        "WHERE excluded.name <> '' AND excluded.name <> projects.name",
        {"org": org_id, "id": project_id, "name": name, "now": utcnow()},
    )


def set_auto_create_bug(tx: Tx, org_id: str, project_id: str, enabled: bool) -> bool:
    """Turn automatic bug creation for new groups on or off; return False for an unknown project."""
    changed = tx.execute(
        "UPDATE projects SET auto_create_bug = :on WHERE org_id = :org AND id = :id",
        {"on": int(enabled), "org": org_id, "id": project_id},
    )
    return changed > 0


def create_report(
    tx: Tx, *, org_id: str, project_id: str, data: dict[str, Any], key_id: str | None, now: str | None = None,
    report_id: str | None = None,
) -> str:
    """Store one validated intake report, joining or starting its group; return the report id."""
    now = now or utcnow()
    group = _find_or_create_group(tx, org_id, project_id, data, now)
    report_id = report_id or new_id("r")
    tx.execute(
        "INSERT INTO reports (id, org_id, project_id, group_id, status, title, description, customer_id, "
        "customer_name, source, external_id, severity, link, key_id, created_at, updated_at) VALUES "
        "(:id, :org, :project, :group, :status, :title, :description, :customer_id, :customer_name, "
        ":source, :external_id, :severity, :link, :key_id, :now, :now)",
        {
            "id": report_id, "org": org_id, "project": project_id, "group": group["id"],
            "status": group["status"], "title": data["title"], "description": data.get("description") or "",
            "customer_id": data["customerId"], "customer_name": data.get("customerName") or "",
            "source": data.get("source") or "", "external_id": data.get("externalId"),
            "severity": data.get("severity") or "medium", "link": data.get("link"),
            "key_id": key_id, "now": now,
        },
    )
    new_customer = tx.execute(
        "INSERT INTO group_customers (group_id, customer_id, org_id) VALUES (:group, :customer, :org) "
        "ON CONFLICT DO NOTHING",
        {"group": group["id"], "customer": data["customerId"], "org": org_id},
    )
    tx.execute(
        "UPDATE report_groups SET report_count = report_count + 1, customer_count = customer_count + :new, "
        "last_reported_at = CASE WHEN last_reported_at < :now THEN :now ELSE last_reported_at END, "
        "first_reported_at = CASE WHEN first_reported_at > :now THEN :now ELSE first_reported_at END, "
        "severity_rank = CASE WHEN severity_rank < :rank THEN :rank ELSE severity_rank END, "
        "updated_at = :now WHERE id = :group",
        {"new": new_customer, "now": now, "group": group["id"],
         "rank": SEVERITY_RANKS[data.get("severity") or "medium"]},
    )
    if group["status"] == "linked" and group["work_item_id"] is not None:
        enqueue_outbox(tx, org_id=org_id, project_id=project_id, kind=Kind.ADD_COMMENT,
                       payload={"groupId": group["id"], "reportId": report_id})
    return report_id


def _find_or_create_group(
    tx: Tx, org_id: str, project_id: str, data: dict[str, Any], now: str
) -> dict[str, Any]:
    key = group_key_for(data["title"], data.get("source") or "", data.get("groupKey"))
    params = {"org": org_id, "project": project_id, "key": key}
    select = (
        "SELECT id, status, work_item_id FROM report_groups "
        "WHERE org_id = :org AND project_id = :project AND group_key = :key"
    )
    group = tx.query_one(select, params)
    if group is not None:
        return group
    auto = tx.query_one(
        "SELECT auto_create_bug FROM projects WHERE org_id = :org AND id = :project", params
    )
    pending = bool(auto and auto["auto_create_bug"])
    group = {"id": new_id("g"), "status": "new", "work_item_id": None}
    # The unique group key decides between two instances starting the same group at once: the
    # loser's INSERT does nothing (PostgreSQL waits for the winner's commit), and it joins that group.
    created = tx.execute(
        "INSERT INTO report_groups (id, org_id, project_id, group_key, title, status, bug_pending, "
        "severity_rank, first_reported_at, last_reported_at, created_at, updated_at) VALUES "
        "(:id, :org, :project, :key, :title, 'new', :pending, :rank, :now, :now, :now, :now) "
        "ON CONFLICT (org_id, project_id, group_key) DO NOTHING",
        {**params, "id": group["id"], "title": data["title"], "pending": int(pending), "now": now,
         "rank": SEVERITY_RANKS[data.get("severity") or "medium"]},
    )
    if created == 0:
        winner = tx.query_one(select, params)
        assert winner is not None, "a conflicting group row exists once the INSERT gave way"
        return winner
    if pending:
        enqueue_outbox(tx, org_id=org_id, project_id=project_id, kind=Kind.CREATE_BUG,
                       payload={"groupId": group["id"]})
    return group


def group_of_report(tx: Tx, org_id: str, project_id: str, report_id: str) -> dict[str, Any]:
    """Return the group row of a report in this organization and project, or raise NotFound."""
    group = tx.query_one(
        "SELECT g.id, g.status, g.work_item_id, g.bug_pending FROM reports r "
        "JOIN report_groups g ON g.id = r.group_id "
        "WHERE r.id = :rid AND r.org_id = :org AND r.project_id = :project",
        {"rid": report_id, "org": org_id, "project": project_id},
    )
    if group is None:
        raise errors.NotFound("No such report in this project.")
    return group


def _update_group(tx: Tx, group_id: str, **fields: Any) -> None:
    """Set group columns (and copy status to its reports) in one go."""
    fields["updated_at"] = utcnow()
    assignments = ", ".join(f"{name} = :{name}" for name in fields)
    tx.execute(f"UPDATE report_groups SET {assignments} WHERE id = :gid", {**fields, "gid": group_id})
    if "status" in fields:
        tx.execute(
            "UPDATE reports SET status = :status, updated_at = :now "
            "WHERE group_id = :gid AND status <> :status",
            {"status": fields["status"], "now": fields["updated_at"], "gid": group_id},
        )


def _refuse_while_bug_pending(group: dict[str, Any]) -> None:
    if group["bug_pending"]:
        raise errors.BugPending()


def link(tx: Tx, group: dict[str, Any], work_item_id: int) -> None:
    """Link a group to a work item (from any status); a resolved link is reopened."""
    _refuse_while_bug_pending(group)
    _update_group(
        tx, group["id"], status="linked", work_item_id=work_item_id, bug_pending=0, dismiss_reason=None
    )


def unlink(tx: Tx, group: dict[str, Any]) -> None:
    """Remove a group's work item link and put it back to untriaged."""
    _refuse_while_bug_pending(group)
    if group["work_item_id"] is None:
        raise errors.InvalidTransition("The report is not linked to a work item.")
    _update_group(tx, group["id"], status="new", work_item_id=None)


def dismiss(tx: Tx, group: dict[str, Any], reason: str | None) -> None:
    """Dismiss an untriaged group (dismissing twice is harmless)."""
    _refuse_while_bug_pending(group)
    if group["status"] not in ("new", "dismissed"):
        raise errors.InvalidTransition(f"A {group['status']} report cannot be dismissed; unlink it first.")
    _update_group(tx, group["id"], status="dismissed", dismiss_reason=reason)


def reopen(tx: Tx, group: dict[str, Any]) -> None:
    """Reopen a dismissed group (to new) or a resolved one (back to linked)."""
    _refuse_while_bug_pending(group)
    if group["status"] == "dismissed":
        _update_group(tx, group["id"], status="new", dismiss_reason=None)
    elif group["status"] == "resolved":
        _update_group(tx, group["id"], status="linked")
    else:
        raise errors.InvalidTransition(f"A {group['status']} report is already open.")


def request_bug(tx: Tx, org_id: str, project_id: str, group: dict[str, Any]) -> None:
    """Queue creation of a bug for a group, once; refuse when it already has a work item."""
    if group["work_item_id"] is not None:
        raise errors.AlreadyLinked()
    if group["status"] == "dismissed":
        raise errors.InvalidTransition("Reopen the dismissed report before creating a bug.")
    if group["bug_pending"]:
        return
    # Conditional, so two instances asking at once queue one bug: the second UPDATE waits for the
    # first one's commit, sees bug_pending = 1 and changes nothing.
    claimed = tx.execute(
        "UPDATE report_groups SET bug_pending = 1, updated_at = :now "
        "WHERE id = :gid AND bug_pending = 0 AND work_item_id IS NULL",
        {"gid": group["id"], "now": utcnow()},
    )
    if claimed != 1:
        return
    enqueue_outbox(
        tx, org_id=org_id, project_id=project_id, kind=Kind.CREATE_BUG, payload={"groupId": group["id"]}
    )


def link_group_to_work_item(tx: Tx, org_id: str, group_id: str, work_item_id: int) -> bool:
    """Link a group to the work item created for it; return False for an unknown group."""
    row = tx.query_one(
        "SELECT id FROM report_groups WHERE id = :g AND org_id = :org", {"g": group_id, "org": org_id}
    )
    if row is None:
        return False
    _update_group(tx, group_id, status="linked", work_item_id=work_item_id, bug_pending=0)
    return True


def clear_bug_pending(tx: Tx, org_id: str, group_id: str) -> None:
    """Drop the "creating bug" marker after a create failed for good."""
    tx.execute(
        "UPDATE report_groups SET bug_pending = 0, updated_at = :now WHERE id = :g AND org_id = :org",
        {"g": group_id, "org": org_id, "now": utcnow()},
    )


def _groups_for_work_item(tx: Tx, org_id: str, work_item_id: int, status: str) -> list[str]:
    rows = tx.query(
        "SELECT id FROM report_groups WHERE org_id = :org AND work_item_id = :wid AND status = :status",
        {"org": org_id, "wid": work_item_id, "status": status},
    )
    return [row["id"] for row in rows]


def resolve_groups_for_work_item(tx: Tx, org_id: str, work_item_id: int) -> int:
    """Mark every group linked to a resolved/closed work item as resolved; return how many."""
    groups = _groups_for_work_item(tx, org_id, work_item_id, "linked")
    for group_id in groups:
        _update_group(tx, group_id, status="resolved")
    return len(groups)


def reopen_groups_for_work_item(tx: Tx, org_id: str, work_item_id: int) -> int:
    """Move resolved groups of a reopened work item back to linked; return how many."""
    groups = _groups_for_work_item(tx, org_id, work_item_id, "resolved")
    for group_id in groups:
        _update_group(tx, group_id, status="linked")
    return len(groups)
