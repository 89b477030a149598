"""What we read from Azure DevOps, reduced to the fields the backend uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

# States that end the work across the Agile, Scrum, Basic and CMMI processes. "Removed" (Agile,
# Scrum, CMMI) ends it too: nobody will work on the item, so its reports are no longer open work
# (issue 11); moving the item back out of Removed reopens them like any other state.
DONE_STATES = frozenset({"resolved", "closed", "done", "removed"})


@dataclass(frozen=True)
class WorkItem:
    """A work item's identity, title, state and links."""

    id: int
    title: str
    state: str
    work_item_type: str
    url: str  # the web page a person opens, not the REST resource
    tags: tuple[str, ...] = ()
    hyperlinks: tuple[str, ...] = ()

    @property
    def is_done(self) -> bool:
        """Tell whether the item's state means the work is finished."""
        return self.state.lower() in DONE_STATES

    @classmethod
    def from_json(cls, data: dict[str, Any], *, web_base: str) -> WorkItem:
        """Build from a REST WorkItem, reading every member as the type Azure DevOps sends it.

        An empty field may be left out (Azure DevOps omits it), but a member of another type is a
        TypeError or ValueError, which the client reports as an unexpected answer (kept for a retry):
        read with str() and int(), a state of 5 or null became "5" or "", which is "not done", and a
        resolved report reopened.
        """
        item_id = data["id"]
        if not isinstance(item_id, int) or isinstance(item_id, bool) or item_id <= 0:
            raise ValueError(f"the work item id is {item_id!r}, not a positive integer")
        fields = _member(data, "fields", dict, {})
        state = _member(fields, "System.State", str, "")
        if not state.strip():
            raise ValueError("the work item has no System.State")
        html = _member(_member(_member(data, "_links", dict, {}), "html", dict, {}), "href", str, "")
        relations = _member(data, "relations", list, [])
        if not all(isinstance(r, dict) for r in relations):
            raise TypeError("the work item's relations are not objects")
        raw_tags = _member(fields, "System.Tags", str, "")
        return cls(
            id=item_id,
            title=_member(fields, "System.Title", str, ""),
            state=state,
            work_item_type=_member(fields, "System.WorkItemType", str, ""),
            url=html or f"{web_base.rstrip('/')}/_workitems/edit/{item_id}",
            tags=tuple(t.strip() for t in raw_tags.split(";") if t.strip()),
            hyperlinks=tuple(
                _member(r, "url", str, "") for r in relations if r.get("rel") == "Hyperlink"
            ),
        )


def _member(data: dict[str, Any], name: str, kind: type[T], absent: T) -> T:
    """The member `name` of `data` if it is a `kind`; `absent` when it is missing; else a TypeError."""
    value = data.get(name)
    if value is None and name not in data:
        return absent
    if not isinstance(value, kind):
        raise TypeError(f"{name!r} is {type(value).__name__}, not {kind.__name__}")
    return value
