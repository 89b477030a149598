"""Organization, tenant and project ids: their one shape and their one spelling.

Azure DevOps ids are GUIDs, and different sources spell the same GUID differently (the SDK's host id,
service-hook containers, a URL written by hand, an operator typing it into the CLI). Every entry
point — the UI's X-Report-Bridge-Org-Id header, the app token's tid, service-hook containers, the
hub's /projects/<id> routes, CLI options — passes the raw value through `canonical_id`, and
everything after that compares ids exactly (migrations 0200 and 0400 moved rows written before).
"""

from __future__ import annotations

import re

# A GUID, or the short ids tests and the local tools use; never a path or a URL. The OpenAPI document
# states the same pattern for the X-Report-Bridge-Org-Id header; it is matched whole (fullmatch), as a
# JSON Schema pattern is: Python's `$` would also let a trailing newline through.
ORG_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_ID = re.compile(ORG_ID_PATTERN)


# Project ids (the hub's routes, intake keys, the CLI) have the same shape and the same spelling.
PROJECT_ID_PATTERN = ORG_ID_PATTERN


def parse_project_id(raw: str) -> str | None:
    """Return the canonical project id, or None when the value, exactly as given, cannot be one (a
    route's path parameter is not trimmed: the OpenAPI pattern refuses the spaces, so does the route)."""
    return parse_exact_id(raw)


def parse_exact_id(raw: str) -> str | None:
    """Return the canonical id of a value that is exactly an id, as the OpenAPI pattern states it (no
    white space around it: a JSON value or a path parameter has no HTTP framing to trim), or None."""
    return canonical_id(raw) if _ID.fullmatch(raw) else None


def canonical_id(raw: str) -> str:
    """Return the one spelling of an id: trimmed and lower-cased (GUIDs compare case-insensitively)."""
    return raw.strip().lower()


def parse_org_id(raw: str) -> str | None:
    """Return the canonical organization id, or None when the value cannot be one."""
    value = raw.strip()
    return canonical_id(value) if _ID.fullmatch(value) else None
