"""State of the local Azure DevOps emulator: projects, work items, JSON Patch, the WIQL subset, faults.

This is a local stand-in for Azure DevOps used by `report-bridge dev`, the tests and the bench.
Shapes follow MicrosoftDocs/vsts-rest-api-specs (wit/7.1, hooks/7.1); see ado_emulator.py.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import jsonpatch  # type: ignore[import-untyped]

DEFAULT_STATE = "New"
WIQL_PATTERN = re.compile(
    r"^\s*select\s+.+?\s+from\s+workitems(?:\s+where\s+(?P<where>.+?))?"
    r"(?:\s+order\s+by\s+\[(?P<order>[\w.]+)\](?:\s+(?P<dir>asc|desc))?)?\s*$",
    re.IGNORECASE | re.DOTALL,
)
CONDITION = re.compile(
    r"^\[(?P<field>[\w.]+)\]\s*(?P<op>=|<>|contains)\s*(?P<value>'(?:[^']|'')*'|@project)$", re.I
)


class EmulatorError(Exception):
    """A request the real service would refuse; carries the HTTP status and Azure DevOps' message."""

    def __init__(self, status: int, message: str, type_key: str = "InvalidArgumentValueException") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type_key = type_key


@dataclass
class Fault:
    """One injected failure, consumed by the next `count` matching REST calls."""

    kind: str  # "429" | "503" | "slow" | "203" | "html-200" | "401" | "retry-after-200" | "json-200"
    count: int = 1
    retry_after: float | None = None
    delay: float = 0.0
    path_contains: str = ""


@dataclass(frozen=True)
class AnswerEdit:
    """Set (or, with `remove`, leave out) the member at `path` (names from the top) of an answer."""

    path: tuple[str, ...]
    value: Any = None
    remove: bool = False

    def apply(self, body: dict[str, Any]) -> None:
        node: Any = body
        for name in self.path[:-1]:
            node = node.get(name) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            return  # an earlier edit replaced the parent: nothing left to edit
        if self.remove:
            node.pop(self.path[-1], None)
        else:
            node[self.path[-1]] = self.value


@dataclass
class EmulatorState:
    """Everything the emulator remembers; survives a restart of its HTTP server when reused."""

    organization: str = "devorg"
    organization_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    deployment_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    service_identity_id: str = field(default_factory=lambda: str(uuid.uuid4()))  # who the credential is
    pat: str | None = field(default=None, repr=False)
    bearer_tokens: set[str] = field(default_factory=set, repr=False)
    projects: dict[str, str] = field(default_factory=dict)  # id -> name
    work_items: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    # Per item, members its REST answers get changed or left out ("answer edits", control.py): a
    # gateway's or a changed API's answer, e.g. a state that is no text or another item's id.
    answer_edits: dict[int, list[AnswerEdit]] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0  # REST calls being served right now, and the most at once (per-org limit checks)
    peak_in_flight: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _next_id: int = 1

    def add_project(self, name: str, project_id: str | None = None) -> str:
        """Create a project and return its id."""
        pid = project_id or str(uuid.uuid4())
        self.projects[pid] = name
        return pid

    def project_id(self, id_or_name: str) -> str:
        """Resolve a project path segment (id or name, like Azure DevOps)."""
        for pid, name in self.projects.items():
            if id_or_name.lower() in (pid.lower(), name.lower()):
                return pid
        raise EmulatorError(
            404, f"TF200016: The following project does not exist: {id_or_name}.", "ProjectDoesNotExist"
        )

    def take_fault(self, path: str) -> Fault | None:
        """Consume the first injected fault that applies to this path."""
        for fault in self.faults:
            if fault.path_contains in path:
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    # -- work items ---------------------------------------------------------------------------

    def create(
        self, project: str, work_item_type: str, patch: Any, base_url: str, *, item_id: int | None = None
    ) -> dict[str, Any]:
        """Create a work item from a JSON Patch document."""
        pid = self.project_id(project)
        doc = _apply_patch({"fields": {}, "relations": []}, patch)
        fields = doc["fields"]
        if not str(fields.get("System.Title") or "").strip():
            raise EmulatorError(
                400,
                "TF401320: Rule Error for field Title. Error code: Required, InvalidEmpty.",
                "RuleValidationException",
            )
        if item_id is None or item_id in self.work_items:
            item_id = self._next_id
        self._next_id = max(self._next_id, item_id) + 1
        now = now_text()
        fields.update(
            {
                "System.Id": item_id,
                "System.WorkItemType": work_item_type,
                "System.TeamProject": self.projects[pid],
                "System.State": fields.get("System.State") or DEFAULT_STATE,
                "System.CreatedDate": now,
                "System.ChangedDate": now,
                "System.Reason": "New",
            }
        )
        self.work_items[item_id] = {
            "id": item_id,
            "rev": 1,
            "projectId": pid,
            "fields": fields,
            "relations": doc["relations"],
        }
        return self.render(item_id, base_url, expand=True)

    def update(self, item_id: int, patch: Any, base_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Apply a JSON Patch to an item; return it and the {field: {oldValue,newValue}} changes."""
        item = self.get(item_id)
        doc = _apply_patch({"fields": dict(item["fields"]), "relations": list(item["relations"])}, patch)
        changes = {
            name: {"oldValue": item["fields"].get(name), "newValue": value}
            for name, value in doc["fields"].items()
            if item["fields"].get(name) != value
        }
        item["fields"], item["relations"] = doc["fields"], doc["relations"]
        item["rev"] += 1
        item["fields"]["System.ChangedDate"] = now_text()
        return self.render(item_id, base_url, expand=True), changes

    def get(self, item_id: int) -> dict[str, Any]:
        """Return the stored item or raise the service's 404."""
        item = self.work_items.get(item_id)
        if item is None or item.get("deleted"):
            raise EmulatorError(
                404,
                f"TF401232: Work item {item_id} does not exist, or you do not have permissions to read it.",
                "WorkItemUnauthorizedAccessException",
            )
        return item

    def served(self, item_id: int, base_url: str, **options: Any) -> dict[str, Any]:
        """The item as the REST API answers it: rendered, then with its answer edits applied."""
        body = self.render(item_id, base_url, **options)
        for edit in self.answer_edits.get(item_id, []):
            edit.apply(body)
        return body

    def render(
        self, item_id: int, base_url: str, *, expand: bool = False, fields: list[str] | None = None
    ) -> dict[str, Any]:
        """Shape a stored item as the REST WorkItem JSON."""
        item = self.get(item_id)
        api = f"{base_url}/{self.organization}/_apis/wit/workItems/{item_id}"
        project = self.projects[item["projectId"]]
        shown = {k: v for k, v in item["fields"].items() if fields is None or k in fields}
        body: dict[str, Any] = {
            "id": item_id,
            "rev": item["rev"],
            "fields": shown,
            "url": api,
            "_links": {
                "self": {"href": api},
                "html": {
                    "href": f"{base_url}/{self.organization}/{quote(project)}/_workitems/edit/{item_id}"
                },
            },
        }
        if expand:
            body["relations"] = [{**r, "attributes": r.get("attributes", {})} for r in item["relations"]]
        return body

    def query(self, project: str, wiql: str) -> list[int]:
        """Run the supported WIQL subset: AND-ed `=`, `<>`, `CONTAINS` conditions and ORDER BY one field."""
        match = WIQL_PATTERN.match(wiql)
        if match is None:
            raise EmulatorError(
                400,
                "the local emulator supports SELECT … FROM WorkItems [WHERE …] [ORDER BY …] only",
            )
        conditions = [
            _condition(part, self.projects[self.project_id(project)])
            for part in re.split(r"\s+and\s+", match["where"] or "", flags=re.I)
            if part.strip()
        ]
        hits = [
            i
            for i, item in self.work_items.items()
            if not item.get("deleted") and all(check(item["fields"]) for check in conditions)
        ]
        order = match["order"] or "System.Id"
        hits.sort(
            key=lambda i: str(self.work_items[i]["fields"].get(order, "")).zfill(12),
            reverse=(match["dir"] or "").lower() == "desc",
        )
        return hits


def _apply_patch(doc: dict[str, Any], patch: Any) -> dict[str, Any]:
    if not isinstance(patch, list) or not all(isinstance(op, dict) for op in patch):
        raise EmulatorError(400, "You must pass a valid patch document in the body of the request.")
    try:
        result: dict[str, Any] = jsonpatch.apply_patch(doc, patch)
    except jsonpatch.JsonPatchTestFailed as exc:
        raise EmulatorError(
            412, f"Test operation failed: {exc}", "WorkItemPatchTestFailedException"
        ) from None
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise EmulatorError(400, f"Invalid patch operation: {exc}") from None
    return result


def _condition(text: str, project_name: str) -> Any:
    match = CONDITION.match(text.strip())
    if match is None:
        raise EmulatorError(400, f"the local emulator's WIQL subset does not support: {text.strip()}")
    name, op = match["field"], match["op"].lower()
    raw = match["value"]
    value = project_name if raw.lower() == "@project" else raw[1:-1].replace("''", "'")

    def check(fields: dict[str, Any]) -> bool:
        current = str(fields.get(name) or "")
        if op == "contains" and name == "System.Tags":  # tag CONTAINS matches a whole tag
            return value.lower() in {t.strip().lower() for t in current.split(";")}
        if op == "contains":
            return value.lower() in current.lower()
        return (current.lower() == value.lower()) == (op == "=")

    return check


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
