"""Azure Boards operations for report groups: create a bug once, link, read states, comment once."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from backend.azdo.client import AzureDevOpsClient, JsonPatch
from backend.azdo.models import WorkItem

BUG_TAG = "report-bridge"
MAX_REPORTS_IN_REPRO = 20  # keep the repro-steps field readable; the hub shows every report


@dataclass(frozen=True)
class ReportSummary:
    """What a bug or comment says about one customer report."""

    id: str
    title: str
    description: str
    customer: str
    severity: str
    created_at: str


def group_tag(group_id: str) -> str:
    """Return the tag that marks the one bug of a group (WIQL finds it before any retried create)."""
    return f"report-bridge-{group_id}"


def bug_patch(title: str, group_id: str, reports: Sequence[ReportSummary], link: str) -> JsonPatch:
    """Build the JSON Patch that creates a group's bug: title, repro steps, tags, a link back."""
    return [
        {"op": "add", "path": "/fields/System.Title", "value": title[:255]},
        {"op": "add", "path": "/fields/Microsoft.VSTS.TCM.ReproSteps", "value": repro_steps(reports)},
        {"op": "add", "path": "/fields/System.Tags", "value": f"{BUG_TAG}; {group_tag(group_id)}"},
        {
            "op": "add",
            "path": "/relations/-",
            "value": {
                "rel": "Hyperlink",
                "url": link,
                "attributes": {"comment": "Customer reports in Report Bridge"},
            },
        },
    ]


def repro_steps(reports: Sequence[ReportSummary]) -> str:
    """Render the reports as HTML for Microsoft.VSTS.TCM.ReproSteps, escaping everything customers wrote."""
    shown = list(reports)[:MAX_REPORTS_IN_REPRO]
    items = "".join(
        f"<li><b>{html.escape(r.customer)}</b> ({html.escape(r.severity)}, {html.escape(r.created_at)}): "
        f"{html.escape(r.title)}<br>{html.escape(r.description).replace(chr(10), '<br>')}</li>"
        for r in shown
    )
    more = len(reports) - len(shown)
    tail = f"<p>… and {more} more in Report Bridge.</p>" if more > 0 else ""
    return f"<p>Customer reports collected by Report Bridge:</p><ul>{items}</ul>{tail}"


def find_group_bug(client: AzureDevOpsClient, project: str, group_id: str) -> WorkItem | None:
    """Return the bug already created for a group, if an earlier attempt got that far."""
    wiql = (
        "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project "
        f"AND [System.Tags] CONTAINS '{group_tag(group_id)}' ORDER BY [System.Id] ASC"
    )
    ids = client.query_ids(project, wiql)
    if not ids:
        return None
    items = client.get_work_items(ids[:1], project=project)
    return items[0] if items else None


def create_group_bug(
    client: AzureDevOpsClient,
    project: str,
    group_id: str,
    title: str,
    reports: Sequence[ReportSummary],
    link: str,
) -> WorkItem:
    """Create the group's bug unless one already carries its tag (safe to retry)."""
    existing = find_group_bug(client, project, group_id)
    if existing is not None:
        return existing
    return client.create_work_item(project, "Bug", bug_patch(title, group_id, reports, link))


def comment_text(report: ReportSummary) -> str:
    """Render the comment added when another customer reports a linked problem."""
    return (
        f"<p>Another customer reported this problem: <b>{html.escape(report.customer)}</b> "
        f"({html.escape(report.severity)}).</p><p>{html.escape(report.title)}</p>"
        f"<p>{html.escape(report.description).replace(chr(10), '<br>')}</p>"
        f"<p><small>{comment_marker(report.id)}</small></p>"
    )


def comment_marker(report_id: str) -> str:
    """Return the text that identifies a report's comment (so a retry never comments twice)."""
    return f"Report Bridge report {report_id}"


def comment_once(client: AzureDevOpsClient, project: str, work_item_id: int, report: ReportSummary) -> bool:
    """Add the report's comment unless an earlier attempt already did; return True when added."""
    marker = comment_marker(report.id)
    if any(marker in text for text in client.list_comment_texts(project, work_item_id)):
        return False
    client.add_comment(project, work_item_id, comment_text(report))
    return True
