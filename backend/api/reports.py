"""Report routes for the extension UI (app token + organization headers); every query is org-scoped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, g, request

from backend import errors, inputs, schemas
from backend.app_state import get_storage, this_app
from backend.audit.request_hook import note_target
from backend.auth.guards import Identity, require_app_token
from backend.auth.org_ids import parse_project_id
from backend.auth.organizations import PROJECT_NAME_HEADER
from backend.azdo import linking
from backend.azdo.directory import Reach
from backend.reports import daily, projects, queries, service
from backend.storage import Tx

bp = Blueprint("reports", __name__, url_prefix="/api/v1/projects/<pid>")
MAX_PAGE = 100
MAX_CURSOR_LENGTH = 512  # an encoded cursor is under 150 characters
DEFAULT_PAGE = 25
MAX_KNOWN_PROJECTS = 10_000  # per worker; past it the memory starts again
# (org id, project id) -> name: a project row, once stored, stays; remembering it spares a list its
# lookup (a round trip on PostgreSQL). A new name from the caller is still written. Kept per app, under
# this feature's own key, as the other features keep their per-app objects.
KNOWN_PROJECTS_KEY = "report_bridge.known_projects"
bp.record_once(lambda setup: setup.app.extensions.setdefault(KNOWN_PROJECTS_KEY, {}))
Action = Callable[[Tx, dict[str, Any]], None]  # changes one report group inside a transaction


def project_scope(pid: str) -> tuple[str, str]:
    """Validate the project id, in its one spelling (a URL may write a GUID in capitals), and remember
    the project (and its display name) on first sight. Past this, use the id it returns, never `pid`."""
    project_id = parse_project_id(pid)
    if project_id is None:
        raise inputs.invalid_parameter("pid", "is not a valid project id", "path parameter")
    identity: Identity = g.identity
    name = inputs.header_text(request.headers.get(PROJECT_NAME_HEADER) or "", PROJECT_NAME_HEADER)
    known: dict[tuple[str, str], str] = this_app().extensions[KNOWN_PROJECTS_KEY]
    scope = (identity.org_id, project_id)
    note_target(pid=project_id)  # the trail records the project as the routes use it, not as written
    if scope in known and (not name or name == known[scope]):
        return scope
    storage = get_storage()
    with storage.snapshot() as tx:
        stored = projects.project_name(tx, identity.org_id, project_id)
    if stored is None or (name and name != stored):
        with storage.transaction() as tx:
            service.ensure_project(tx, identity.org_id, project_id, name)
    if len(known) > MAX_KNOWN_PROJECTS:
        known.clear()
    known[scope] = name or stored or ""
    return scope


def caller_web_base() -> str:
    """Where the caller's organization keeps its work item pages (one source for every link)."""
    identity: Identity = g.identity
    return linking.web_base(identity.org_id, identity.org_name)


def page_args(sorts: tuple[str, ...] = ()) -> dict[str, Any]:
    """A page's query parameters, all checked at once (one 400 names every bad one); `sort` with `sorts`."""
    fields: dict[str, str] = {}
    status = request.args.get("status")
    if status is not None and status not in queries.STATUSES:
        fields["status"] = f"must be one of: {', '.join(queries.STATUSES)}"
    sort = request.args.get("sort", sorts[0]) if sorts else None  # "?sort=" names no order: refused
    if sorts and sort not in sorts:
        fields["sort"] = f"must be one of: {', '.join(sorts)}"
    limit = DEFAULT_PAGE
    try:
        limit = inputs.parse_int(request.args.get("limit", str(DEFAULT_PAGE)), "limit", minimum=1,
                                 maximum=MAX_PAGE)
    except errors.ValidationFailed as exc:
        fields.update((exc.details or {})["fields"])
    raw_q = request.args.get("q") or ""
    if len(raw_q) > 200:  # before stripping: the document bounds what is sent
        fields["q"] = "must have at most 200 characters"
    q = raw_q.strip() or None
    cursor = request.args.get("cursor") or None
    if cursor is not None and len(cursor) > MAX_CURSOR_LENGTH:
        fields["cursor"] = "is not a cursor from a previous page"
    if fields:
        names = ", ".join(repr(name) for name in fields)
        raise errors.ValidationFailed(fields, f"The query parameter(s) {names} are not valid.")
    return {"q": q, "status": status, "limit": limit, "cursor": cursor, **({"sort": sort} if sorts else {})}


@bp.get("/reports")
@require_app_token
def list_reports(pid: str) -> dict[str, Any]:
    """List, search and filter a project's reports, newest first, one page at a time."""
    org_id, project_id = project_scope(pid)
    args = page_args()
    with get_storage().single_read() as tx:
        return queries.list_reports(tx, org_id, project_id, web_base=caller_web_base, **args)


@bp.get("/reports/<rid>")
@require_app_token
def get_report(pid: str, rid: str) -> dict[str, Any]:
    """Return one report."""
    org_id, project_id = project_scope(pid)
    with get_storage().snapshot() as tx:
        return queries.get_report(tx, org_id, project_id, rid, caller_web_base)


def _act(pid: str, rid: str, action: Action) -> dict[str, Any]:
    """Apply `action(tx, group)` to a report's group and return the Report."""
    org_id, project_id = project_scope(pid)
    return _act_in(org_id, project_id, rid, action)


def _act_in(org_id: str, project_id: str, rid: str, action: Action) -> dict[str, Any]:
    with get_storage().transaction() as tx:
        group = service.group_of_report(tx, org_id, project_id, rid)
        note_target(groupId=group["id"])
        action(tx, group)
        return queries.get_report(tx, org_id, project_id, rid, caller_web_base)


def check_link_target(org_id: str, project_id: str, work_item_id: int) -> None:
    """Check the work item through Azure DevOps, unless the backend has no Azure DevOps connection at all.

    Only the verified organization id picks the Azure DevOps organization. Call it outside the write
    transaction: the REST call must not hold SQLite's write lock.
    """
    if linking.reach(org_id) is not Reach.UNCONFIGURED:
        linking.check_work_item(org_id, project_id, work_item_id)


def refuse_unreachable_bug(reach: Reach) -> None:
    """Refuse "Create bug" when no configured organization can take it (UNDETERMINED queues: the worker
    learns the binding before it creates anything)."""
    if reach is Reach.UNCONFIGURED:
        raise errors.AzureDevOpsNotConfigured()
    if reach is Reach.UNKNOWN:
        raise errors.OrganizationNotConfigured()


def _require_report(org_id: str, project_id: str, rid: str) -> None:
    """Raise 404 for an unknown report before anything asks Azure DevOps."""
    with get_storage().snapshot() as tx:
        service.group_of_report(tx, org_id, project_id, rid)


@bp.post("/reports/<rid>/link")
@require_app_token
def link(pid: str, rid: str) -> dict[str, Any]:
    """Link a report's group to a work item, after checking the item exists when Azure DevOps is reachable."""
    work_item_id = int(schemas.json_body(schemas.LINK)["workItemId"])
    note_target(workItemId=work_item_id)
    org_id, project_id = project_scope(pid)
    _require_report(org_id, project_id, rid)
    check_link_target(org_id, project_id, work_item_id)
    return _act_in(org_id, project_id, rid, lambda tx, group: service.link(tx, group, work_item_id))


@bp.post("/reports/<rid>/unlink")
@require_app_token
def unlink(pid: str, rid: str) -> dict[str, Any]:
    """Remove a report group's work item link."""
    schemas.json_body(schemas.EMPTY, optional=True)
    return _act(pid, rid, service.unlink)


@bp.post("/reports/<rid>/dismiss")
@require_app_token
def dismiss(pid: str, rid: str) -> dict[str, Any]:
    """Dismiss a report's group, with an optional reason."""
    reason = schemas.json_body(schemas.DISMISS, optional=True).get("reason")
    return _act(pid, rid, lambda tx, group: service.dismiss(tx, group, reason))


@bp.post("/reports/<rid>/reopen")
@require_app_token
def reopen(pid: str, rid: str) -> dict[str, Any]:
    """Reopen a dismissed or resolved report group."""
    schemas.json_body(schemas.EMPTY, optional=True)
    return _act(pid, rid, service.reopen)


@bp.post("/reports/<rid>/create-bug")
@require_app_token
def create_bug(pid: str, rid: str) -> tuple[dict[str, Any], int]:
    """Queue creation of a bug for a report's group (the integration's outbox worker creates it)."""
    schemas.json_body(schemas.EMPTY, optional=True)
    org_id, project_id = project_scope(pid)
    _require_report(org_id, project_id, rid)
    reach = linking.reach(org_id)  # may ask Azure DevOps once: outside the write transaction

    def request_bug(tx: Tx, group: dict[str, Any]) -> None:
        refuse_unreachable_bug(reach)  # an unknown report is still a 404 first; nothing is queued
        service.request_bug(tx, org_id, project_id, group)

    return _act(pid, rid, request_bug), 202


@bp.get("/work-items/<wid>/impact")
@require_app_token
def impact(pid: str, wid: str) -> dict[str, Any]:
    """Summarize the reports and customers behind one work item."""
    work_item_id = inputs.parse_int(wid, "wid", minimum=1, maximum=inputs.WORK_ITEM_ID_MAX,
                                    where="path parameter")
    org_id, project_id = project_scope(pid)
    days = _period_arg()
    with get_storage().snapshot() as tx:
        return queries.work_item_impact(tx, org_id, project_id, work_item_id, web_base=caller_web_base,
                                        days=days)


@bp.get("/dashboard")
@require_app_token
def dashboard(pid: str) -> dict[str, Any]:
    """Return a project's counts by status and its oldest untriaged report."""
    org_id, project_id = project_scope(pid)
    days = _period_arg()
    with get_storage().snapshot() as tx:
        return queries.dashboard(tx, org_id, project_id, days=days)


def _period_arg() -> int:
    """`?days=` of the per-day counts: one of the periods the widget offers."""
    raw = request.args.get("days", str(daily.DEFAULT_PERIOD))
    if raw not in {str(period) for period in daily.PERIODS}:  # exact spellings: no int() of "²" or " 7"
        raise inputs.invalid_parameter("days", f"must be one of: {', '.join(map(str, daily.PERIODS))}")
    return int(raw)
