"""Azure DevOps REST client (api-version 7.1): one method per call, retries and pacing built in."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from adocommon.retry import RETRYABLE_STATUSES, never_reached_server, retry_after_seconds

from backend.azdo.errors import (
    AzureDevOpsAuthFailed,
    AzureDevOpsError,
    AzureDevOpsNotFound,
    AzureDevOpsRequestRejected,
    AzureDevOpsUnavailable,
    AzureDevOpsUnexpectedAnswer,
)
from backend.azdo.models import WorkItem
from backend.azdo.retry import OrgGate, RetryPolicy, pacing_delay

API_VERSION = "7.1"
COMMENTS_API_VERSION = "7.1-preview.4"  # the comments API is only published as a preview
CONNECTION_DATA_API_VERSION = "7.1-preview.1"  # the location area is only published as a preview
BATCH_LIMIT = 200  # workitemsbatch accepts at most 200 ids per call
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
READ_FIELDS = ("System.Id", "System.Title", "System.State", "System.WorkItemType", "System.Tags")
JsonPatch = list[dict[str, Any]]
T = TypeVar("T")


class AzureDevOpsClient:
    """Talk to one Azure DevOps organization over an injected httpx client."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        gate: OrgGate,
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._http = http
        self._gate = gate
        self._policy = policy or RetryPolicy()
        self._rng = rng or random.Random()
        self.web_base = str(http.base_url).rstrip("/")

    @property
    def sleep(self) -> Callable[[float], None]:
        """Return the (injectable) sleep used for back-off."""
        return self._gate.sleep

    def close(self) -> None:
        """Release the underlying connections."""
        self._http.close()

    # -- work items ---------------------------------------------------------------------------

    def create_work_item(self, project: str, work_item_type: str, patch: JsonPatch) -> WorkItem:
        """Create a work item from a JSON Patch document."""
        path = f"{quote(project)}/_apis/wit/workitems/${quote(work_item_type)}"
        data = self.call(
            "POST", path, json=patch, content_type="application/json-patch+json", idempotent=False
        )
        return _read("the new work item", lambda: self._item(data, project))

    def get_work_item(self, work_item_id: int, *, project: str | None = None) -> WorkItem:
        """Read one work item with its relations; AzureDevOpsNotFound when it does not exist."""
        prefix = f"{quote(project)}/" if project else ""
        data = self.call(
            "GET", f"{prefix}_apis/wit/workitems/{int(work_item_id)}", params={"$expand": "relations"}
        )
        return _read("a work item", lambda: _asked_for(self._item(data, project), {int(work_item_id)}))

    def get_work_items(self, ids: Iterable[int], *, project: str | None = None) -> list[WorkItem]:
        """Read many work items' title and state, at most 200 ids per call; missing ids are left out."""
        unique = sorted({int(i) for i in ids})
        prefix = f"{quote(project)}/" if project else ""
        items: list[WorkItem] = []
        for start in range(0, len(unique), BATCH_LIMIT):
            body = {
                "ids": unique[start : start + BATCH_LIMIT],
                "fields": list(READ_FIELDS),
                "errorPolicy": "omit",
            }
            data = self.call("POST", f"{prefix}_apis/wit/workitemsbatch", json=body)
            items.extend(self._batch(data, project, set(unique[start : start + BATCH_LIMIT])))
        return items

    def query_ids(self, project: str, wiql: str) -> list[int]:
        """Run a WIQL query in a project and return the matching ids (WIQL returns ids only)."""
        data = self.call("POST", f"{quote(project)}/_apis/wit/wiql", json={"query": wiql})
        return _read("a WIQL result", lambda: [int(w["id"]) for w in _list(data, "workItems")])

    def add_comment(self, project: str, work_item_id: int, text: str) -> int:
        """Add a comment to a work item and return the comment id."""
        path = f"{quote(project)}/_apis/wit/workItems/{int(work_item_id)}/comments"
        data = self.call(
            "POST", path, json={"text": text}, api_version=COMMENTS_API_VERSION, idempotent=False
        )
        return _read("the new comment", lambda: int(data["id"]))

    def list_comment_texts(self, project: str, work_item_id: int) -> list[str]:
        """Return the text of a work item's comments (first page, newest first)."""
        path = f"{quote(project)}/_apis/wit/workItems/{int(work_item_id)}/comments"
        data = self.call("GET", path, params={"$top": "200"}, api_version=COMMENTS_API_VERSION)
        return _read("comments", lambda: [str(c.get("text") or "") for c in _list(data, "comments")])

    # -- the organization itself ----------------------------------------------------------------

    def connection_data(self) -> dict[str, Any]:
        """Read the organization's connectionData; its `instanceId` is the organization id."""
        return self.call("GET", "_apis/connectionData", api_version=CONNECTION_DATA_API_VERSION)

    # -- projects and service hooks -----------------------------------------------------------

    def list_projects(self) -> list[dict[str, Any]]:
        """List the organization's projects."""
        data = self.call("GET", "_apis/projects")
        return _read("the projects", lambda: _list(data))

    def list_subscriptions(self) -> list[dict[str, Any]]:
        """List the organization's service-hook subscriptions."""
        data = self.call("GET", "_apis/hooks/subscriptions")
        return _read("the subscriptions", lambda: _list(data))

    def create_subscription(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a service-hook subscription (not resent after a timeout: a second would duplicate it)."""
        return self.call("POST", "_apis/hooks/subscriptions", json=body, idempotent=False)

    def replace_subscription(self, subscription_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Replace a service-hook subscription's settings."""
        return self.call("PUT", f"_apis/hooks/subscriptions/{quote(subscription_id)}", json=body)

    # -- transport ----------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        content_type: str = "application/json",
        api_version: str = API_VERSION,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """Send one REST call with retries, and return its JSON object.

        A call that is not idempotent is retried only when Azure DevOps explicitly refused it (429/503)
        or the connection never opened; after a timeout or another 5xx it may have been applied, so the
        caller decides (adocommon.retry.may_resend).
        """
        query = {**(params or {}), "api-version": api_version}
        headers = {"Accept": "application/json"}
        if json is not None:
            headers["Content-Type"] = content_type
        request = self._http.build_request(method, path, params=query, json=json, headers=headers)
        tries = 0
        while True:
            tries += 1
            response, never_sent = self._send(request)
            if response is not None and response.status_code not in RETRYABLE_STATUSES:
                self._gate.hold(pacing_delay(response, self._gate.clock(), self._policy.max_delay_s))
                return _json_body(response)
            wait = self._policy.wait_before_retry(
                tries,
                None if response is None else response.status_code,
                replay_safe=idempotent,
                never_sent=never_sent,
                retry_after_s=None if response is None else self._retry_after(response),
                draw=self._rng.random,
            )
            if wait is None:
                raise _unavailable(response)
            self._gate.hold(wait)

    def _send(self, request: httpx.Request) -> tuple[httpx.Response | None, bool]:
        """Send once; (None, never sent?) after a timeout or connection failure, both worth retrying."""
        with self._gate.slot():
            try:
                return self._http.send(request), False
            except httpx.TransportError as exc:
                return None, never_reached_server(exc)

    def _retry_after(self, response: httpx.Response) -> float | None:
        return retry_after_seconds(response.headers.get("Retry-After"), self._gate.clock)

    def _batch(self, data: dict[str, Any], project: str | None, asked: set[int]) -> list[WorkItem]:
        return _read(
            "a work item batch", lambda: [_asked_for(self._item(v, project), asked) for v in _list(data) if v]
        )

    def _item(self, data: dict[str, Any], project: str | None) -> WorkItem:
        base = f"{self.web_base}/{quote(project)}" if project else self.web_base
        return WorkItem.from_json(data, web_base=base)


def _read(what: str, parse: Callable[[], T]) -> T:
    """Read a served answer with `parse`; a shape it cannot read is AzureDevOpsUnexpectedAnswer."""
    try:
        return parse()
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise AzureDevOpsUnexpectedAnswer(
            f"Azure DevOps answered {what} in a shape this backend cannot read ({type(exc).__name__}: {exc})"
        ) from exc


def _asked_for(item: WorkItem, asked: set[int]) -> WorkItem:
    """`item`, if it is one of the items asked for: an answer about another item (a proxy's cache, a
    changed API) would be cached, and its state given to the asked item's reports, under the wrong id."""
    if item.id not in asked:
        raise ValueError(f"the answer is about work item {item.id}, which was not asked for")
    return item


def _list(data: dict[str, Any], key: str = "value") -> list[Any]:
    """The list under `key` (empty when absent); anything else there is no list this client can read."""
    items = data.get(key, [])
    if not isinstance(items, list):
        raise TypeError(f"{key!r} is {type(items).__name__}, not a list")
    return items


def _json_body(response: httpx.Response) -> dict[str, Any]:
    """Turn a non-retryable response into JSON or the matching error."""
    status = response.status_code
    if status == 203 or status in (401, 403):
        raise AzureDevOpsAuthFailed(
            f"Azure DevOps did not accept the backend's credentials (HTTP {status}); "
            "check the managed identity, service principal or PAT",
            status=status,
        )
    if status == 404:
        raise AzureDevOpsNotFound(_message(response, "not found"), status=status)
    if status >= 400:
        error: type[AzureDevOpsError] = AzureDevOpsRequestRejected if status < 500 else AzureDevOpsUnavailable
        raise error(_message(response, f"HTTP {status}"), status=status)
    if status == 204:
        return {}
    if "json" not in response.headers.get("Content-Type", "").lower():
        # Without a working credential Azure DevOps may serve an HTML sign-in page with a 2xx.
        raise AzureDevOpsAuthFailed(
            f"Azure DevOps answered with {response.headers.get('Content-Type') or 'no content type'} "
            "instead of JSON (a sign-in page?); check the backend's credentials",
            status=status,
        )
    try:
        data = response.json()
    except ValueError as exc:
        raise AzureDevOpsAuthFailed(
            "Azure DevOps answered with a body that is not JSON", status=status
        ) from exc
    return data if isinstance(data, dict) else {"value": data}


def _message(response: httpx.Response, fallback: str) -> str:
    """Extract Azure DevOps' error message (`{"message": ...}`) when there is one."""
    try:
        data = response.json()
    except ValueError:
        return f"Azure DevOps: {fallback}"
    text = data.get("message") if isinstance(data, dict) else None
    return f"Azure DevOps: {text or fallback}"


def _unavailable(response: httpx.Response | None) -> AzureDevOpsUnavailable:
    if response is None:
        return AzureDevOpsUnavailable("Azure DevOps could not be reached (timeout or connection error)")
    resource = response.headers.get("X-RateLimit-Resource")
    detail = f" (rate limited: {resource})" if resource else ""
    return AzureDevOpsUnavailable(
        f"Azure DevOps kept answering HTTP {response.status_code}{detail}", status=response.status_code
    )


def chunked(values: Sequence[int], size: int = BATCH_LIMIT) -> list[list[int]]:
    """Split ids into lists of at most `size`."""
    return [list(values[i : i + size]) for i in range(0, len(values), size)]
