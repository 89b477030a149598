"""Which configured Azure DevOps URL belongs to which organization id — as Azure DevOps itself says.

The browser sends an organization id (SDK.getHost().id) and a name; neither may choose a URL or a
credential. So each URL in REPORT_BRIDGE_AZDO_ORG_URLS is asked once, with the backend's own
credential, for its `_apis/connectionData`, whose `instanceId` is the organization's id (the same
id the SDK and service hooks carry). Requests are then matched by that id only:

    BOUND         the id is a configured URL's instanceId     -> use that URL
    UNKNOWN       every URL answered, none with this id        -> refuse (409 organization_not_configured)
    UNDETERMINED  a URL could not be asked (outage, credential) -> "try again later", never a guess
    UNCONFIGURED  no URL or no usable credential at all        -> the integration is off

A URL's id never changes, so an answer is kept for the life of the process; a failed lookup is
retried after `retry_after_s`, so a down Azure DevOps costs one attempt per URL per minute, not one
per request. Once every URL has answered, a lookup is a dictionary read.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from backend.auth.org_ids import canonical_id
from backend.azdo.errors import AzureDevOpsError

log = logging.getLogger("backend.azdo.directory")
RETRY_AFTER_S = 60.0


class Reach(enum.Enum):
    """What the backend knows about an organization id (see the module docstring)."""

    BOUND = "bound"
    UNKNOWN = "unknown"
    UNDETERMINED = "undetermined"
    UNCONFIGURED = "unconfigured"


@dataclass(frozen=True)
class Binding:
    """The answer for one organization id: its URL when BOUND, a lookup failure when UNDETERMINED."""

    reach: Reach
    url: str | None = None
    failure: AzureDevOpsError | None = None


class OrgDirectory:
    """Map organization ids to configured URLs by asking each URL for its instance id."""

    def __init__(
        self,
        urls: tuple[str, ...],
        instance_id_of: Callable[[str], str],
        *,
        clock: Callable[[], float],
        retry_after_s: float = RETRY_AFTER_S,
    ) -> None:
        self._urls = tuple(dict.fromkeys(url.rstrip("/") for url in urls))
        self._instance_id_of = instance_id_of
        self._clock = clock
        self._retry_after_s = retry_after_s
        self._url_by_id: dict[str, str] = {}
        self._answered: set[str] = set()
        self._failed: dict[str, tuple[float, AzureDevOpsError]] = {}  # url -> (when, why)
        self._lock = threading.Lock()

    def find(self, org_id: str) -> Binding:
        """Return the binding of a canonical organization id, asking Azure DevOps when still needed."""
        if not self._urls:
            return Binding(Reach.UNCONFIGURED)
        url = self._url_by_id.get(org_id)
        if url is not None:
            return Binding(Reach.BOUND, url)
        with self._lock:  # concurrent first requests ask each URL once between them
            self._ask_pending()
            url = self._url_by_id.get(org_id)
            if url is not None:
                return Binding(Reach.BOUND, url)
            if len(self._answered) == len(self._urls):
                return Binding(Reach.UNKNOWN)
            failures = [why for _, why in self._failed.values()]
            return Binding(Reach.UNDETERMINED, failure=failures[0] if failures else None)

    def _ask_pending(self) -> None:
        now = self._clock()
        for url in self._urls:
            failed = self._failed.get(url)
            if url in self._answered or (failed is not None and now - failed[0] < self._retry_after_s):
                continue
            try:
                instance_id = canonical_id(self._instance_id_of(url))
            except (AzureDevOpsError, ValueError) as exc:
                failure = exc if isinstance(exc, AzureDevOpsError) else AzureDevOpsError(str(exc))
                log.warning("cannot learn the organization id of %s yet: %s", url, failure.message)
                self._failed[url] = (now, failure)
                continue
            self._failed.pop(url, None)
            self._answered.add(url)
            if instance_id in self._url_by_id:
                log.info("%s is the same organization as %s", url, self._url_by_id[instance_id])
                continue
            self._url_by_id[instance_id] = url
            log.info("Azure DevOps organization %s is %s", instance_id, url)
