"""Check that a work item exists before a report group is linked to it, and cache its title and state.

For the UI's link route (a person is waiting): a short retry budget, and Azure DevOps failures come
out as the API's one error shape — 404 work_item_not_found, or 502 with the Azure DevOps error code.
`can_reach(org_name)` says whether the backend has a connection for an organization at all (the
`createBug` capability of /api/v1/me); without one, links are recorded unchecked.
`web_base(org_name)` is where the organization's work item pages are, for every link the UI shows.
"""

from __future__ import annotations

from urllib.parse import quote

from backend import errors
from backend.azdo import get_azdo
from backend.azdo.connector import OrganizationNotConfigured
from backend.azdo.errors import AzureDevOpsError, AzureDevOpsNotFound
from backend.azdo.models import WorkItem
from backend.azdo.tasks import cache_work_item
from backend.state import get_storage


class WorkItemNotFound(errors.NotFound):
    code, message = "work_item_not_found", "No such work item in this project."


class UpstreamFailed(errors.AppError):
    status = 502

    def __init__(self, exc: AzureDevOpsError) -> None:
        super().__init__(exc.message)
        self.code = exc.code


def can_reach(org_name: str) -> bool:
    """Say whether an Azure DevOps URL and a usable credential are configured for this organization."""
    return bool(org_name) and get_azdo().configured_for(org_name)


def web_base(org_name: str) -> str:
    """The organization's Azure DevOps web URL: the configured one the integration calls, else the cloud's."""
    try:
        return get_azdo().org_url(org_name)
    except OrganizationNotConfigured:
        return f"https://dev.azure.com/{quote(org_name or 'unknown')}"


def check_work_item(org_id: str, project_id: str, work_item_id: int) -> WorkItem:
    """Read a work item through REST, cache it, and return it; raise an AppError otherwise."""
    storage = get_storage()
    with storage.snapshot() as tx:
        row = tx.query_one("SELECT name FROM organizations WHERE id = :org", {"org": org_id})
    try:
        client = get_azdo().client(str(row["name"]) if row else "", interactive=True)
        item = client.get_work_item(work_item_id, project=project_id)
    except AzureDevOpsNotFound:
        raise WorkItemNotFound(f"Work item {work_item_id} does not exist in this project.") from None
    except AzureDevOpsError as exc:
        raise UpstreamFailed(exc) from exc
    with storage.transaction() as tx:
        cache_work_item(tx, org_id, item)
    return item
