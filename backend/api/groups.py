"""Report group routes for the hub's default view (issue 14): list, read, a group's reports, triage.

A group is one problem however many customers report it; triage state lives on it (see
backend/reports/service.py for the status machine and the 409 bug_pending rule). The action routes
take the group id and answer the Group, so the hub needs no report id to act on a problem.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint

from backend import errors, schemas
from backend.api.reports import (
    caller_web_base,
    check_link_target,
    page_args,
    project_scope,
    refuse_unreachable_bug,
)
from backend.app_state import get_storage
from backend.audit.request_hook import note_target
from backend.auth.guards import require_app_token
from backend.azdo import linking
from backend.reports import groups, queries, service
from backend.storage import Tx

bp = Blueprint("groups", __name__, url_prefix="/api/v1/projects/<pid>")
Action = Callable[[Tx, dict[str, Any]], None]


@bp.get("/groups")
@require_app_token
def list_groups(pid: str) -> dict[str, Any]:
    """List, search and filter a project's report groups, one page at a time, in the chosen order."""
    org_id, project_id = project_scope(pid)
    args = page_args(sorts=tuple(groups.SORTS))  # the first is the default
    with get_storage().single_read() as tx:
        return groups.list_groups(tx, org_id, project_id, web_base=caller_web_base, **args)


@bp.get("/groups/<gid>")
@require_app_token
def get_group(pid: str, gid: str) -> dict[str, Any]:
    """Return one group."""
    org_id, project_id = project_scope(pid)
    with get_storage().snapshot() as tx:
        return groups.get_group(tx, org_id, project_id, gid, caller_web_base)


@bp.get("/groups/<gid>/reports")
@require_app_token
def group_reports(pid: str, gid: str) -> dict[str, Any]:
    """List one group's reports, newest first, one page at a time."""
    org_id, project_id = project_scope(pid)
    args = {**page_args(), "q": None, "status": None}
    with get_storage().snapshot() as tx:
        groups.group_row(tx, org_id, project_id, gid)  # an unknown group is a 404, not an empty page
        return queries.list_reports(tx, org_id, project_id, web_base=caller_web_base, group_id=gid, **args)


def _act(pid: str, gid: str, action: Action) -> dict[str, Any]:
    org_id, project_id = project_scope(pid)
    return _act_in(org_id, project_id, gid, action)


def _act_in(org_id: str, project_id: str, gid: str, action: Action) -> dict[str, Any]:
    note_target(groupId=gid)
    with get_storage().transaction() as tx:
        action(tx, groups.group_row(tx, org_id, project_id, gid))
        return groups.get_group(tx, org_id, project_id, gid, caller_web_base)


@bp.post("/groups/<gid>/link")
@require_app_token
def link(pid: str, gid: str) -> dict[str, Any]:
    """Link a group to a work item, after checking the item exists when Azure DevOps is reachable."""
    work_item_id = int(schemas.json_body(schemas.LINK)["workItemId"])
    note_target(workItemId=work_item_id)
    org_id, project_id = project_scope(pid)
    with get_storage().snapshot() as tx:  # an unknown or bug-pending group fails before any REST call
        if groups.group_row(tx, org_id, project_id, gid)["bug_pending"]:
            raise errors.BugPending()
    check_link_target(org_id, project_id, work_item_id)
    return _act_in(org_id, project_id, gid, lambda tx, group: service.link(tx, group, work_item_id))


@bp.post("/groups/<gid>/unlink")
@require_app_token
def unlink(pid: str, gid: str) -> dict[str, Any]:
    """Remove a group's work item link."""
    schemas.json_body(schemas.EMPTY, optional=True)
    return _act(pid, gid, service.unlink)


@bp.post("/groups/<gid>/dismiss")
@require_app_token
def dismiss(pid: str, gid: str) -> dict[str, Any]:
    """Dismiss a group, with an optional reason."""
    reason = schemas.json_body(schemas.DISMISS, optional=True).get("reason")
    return _act(pid, gid, lambda tx, group: service.dismiss(tx, group, reason))


@bp.post("/groups/<gid>/reopen")
@require_app_token
def reopen(pid: str, gid: str) -> dict[str, Any]:
    """Reopen a dismissed or resolved group."""
    schemas.json_body(schemas.EMPTY, optional=True)
    return _act(pid, gid, service.reopen)


@bp.post("/groups/<gid>/create-bug")
@require_app_token
def create_bug(pid: str, gid: str) -> tuple[dict[str, Any], int]:
    """Queue creation of a bug for a group (the integration's outbox worker creates it)."""
    schemas.json_body(schemas.EMPTY, optional=True)
    org_id, project_id = project_scope(pid)
    with get_storage().snapshot() as tx:  # an unknown group is a 404 before anything asks Azure DevOps
        groups.group_row(tx, org_id, project_id, gid)
    reach = linking.reach(org_id)  # may ask Azure DevOps once: outside the write transaction

    def request_bug(tx: Tx, group: dict[str, Any]) -> None:
        refuse_unreachable_bug(reach)
        service.request_bug(tx, org_id, project_id, group)

    return _act(pid, gid, request_bug), 202
