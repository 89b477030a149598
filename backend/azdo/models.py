"""What we read from Azure DevOps, reduced to the fields the backend uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
        """Build from a REST WorkItem (fields may be missing when empty)."""
        fields = data.get("fields") or {}
        links = data.get("_links") or {}
        html = (links.get("html") or {}).get("href")
        item_id = int(data["id"])
        raw_tags = str(fields.get("System.Tags") or "")
        relations = data.get("relations") or []
        return cls(
            id=item_id,
            title=str(fields.get("System.Title") or ""),
            state=str(fields.get("System.State") or ""),
            work_item_type=str(fields.get("System.WorkItemType") or ""),
            url=str(html or f"{web_base.rstrip('/')}/_workitems/edit/{item_id}"),
            tags=tuple(t.strip() for t in raw_tags.split(";") if t.strip()),
            hyperlinks=tuple(str(r.get("url")) for r in relations if r.get("rel") == "Hyperlink"),
        )
