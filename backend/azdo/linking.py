"""Check that a work item exists before a report group is linked to it, and cache its title and state.

For the UI's link route (a person is waiting): a short retry budget, and Azure DevOps failures come
out as the API's one error shape — 404 work_item_not_found, 409 organization_not_configured, or 502
with the Azure DevOps error code. `reach(org_id)` says what the backend knows about the caller's
organization (backend/azdo/directory.py): only its id, never the name the browser sent, picks the
Azure DevOps URL and credential. `web_base(org_id, org_name)` is where the organization's work item
pages are, for every link any route answers (`stored_web_base` for callers without a browser).
"""

from __future__ import annotations

from urllib.parse import quote

from backend import errors
from backend.app_state import get_storage
from backend.auth.organizations import find_organization
from backend.azdo import get_azdo, work_item_cache
from backend.azdo.connector import OrganizationNotConfigured
from backend.azdo.directory import Reach
from backend.azdo.errors import AzureDevOpsError, AzureDevOpsNotFound
from backend.azdo.models import WorkItem
from backend.storage import Tx


class WorkItemNotFound(errors.NotFound):
    code, message = "work_item_not_found", "No such work item in this project."


class UpstreamFailed(errors.AppError):
    status = 502

    def __init__(self, exc: AzureDevOpsError) -> None:
        super().__init__(exc.message)
        self.code = exc.code


def reach(org_id: str) -> Reach:
    """Say whether this organization id is one of the configured Azure DevOps organizations."""
    return get_azdo().binding(org_id).reach


def can_create_bugs(org_id: str) -> bool:
    """Whether "Create bug" can work: the id is bound, or Azure DevOps could not be asked yet."""
    return reach(org_id) in (Reach.BOUND, Reach.UNDETERMINED)


def web_base(org_id: str, org_name: str) -> str:
    """The organization's Azure DevOps web URL: the configured one bound to its id, else the cloud's.

    The name (display text from the browser) only ever builds a dev.azure.com link for the caller's own
    browser; it never selects a configured URL.
    """
    binding = get_azdo().binding(org_id)
    if binding.reach is Reach.BOUND and binding.url is not None:
        return binding.url.rstrip("/")
    return f"https://dev.azure.com/{quote(org_name or 'unknown')}"


def stored_web_base(tx: Tx, org_id: str) -> str:
    """web_base for a caller that sends no organization name (an intake key): the stored one.

    A UI caller's name is the stored one too (auth binds it), so intake and UI answer the same URL.
    """
    organization = find_organization(tx, org_id)
    return web_base(org_id, organization["name"] if organization else "")


def check_work_item(org_id: str, project_id: str, work_item_id: int) -> WorkItem:
    """Read a work item through REST, cache it, and return it; raise an AppError otherwise."""
    try:
        client = get_azdo().client_for(org_id, interactive=True)
    except OrganizationNotConfigured:
        raise errors.OrganizationNotConfigured() from None
    except AzureDevOpsError as exc:  # even a 404 here is a broken configured URL, not a missing item
        raise UpstreamFailed(exc) from exc
    try:
        item = client.get_work_item(work_item_id, project=project_id)
    except AzureDevOpsNotFound:
        raise WorkItemNotFound(f"Work item {work_item_id} does not exist in this project.") from None
    except AzureDevOpsError as exc:
        raise UpstreamFailed(exc) from exc
    with get_storage().transaction() as tx:
        work_item_cache.store(tx, org_id, item)
    return item
