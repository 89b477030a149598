"""Organization, tenant and project ids: their one shape, and the canonical spelling of the first two.

Azure DevOps ids are GUIDs, and different sources spell the same GUID differently (the SDK's host id,
service-hook containers, an operator typing it into the CLI). Every entry point — the UI's
X-Report-Bridge-Org-Id header, the app token's tid, service-hook containers, CLI options — passes
the raw value through `canonical_id`, and everything after that compares ids exactly.
"""

from __future__ import annotations

import re

# A GUID, or the short ids tests and the local tools use; never a path or a URL. The OpenAPI document
# states the same pattern for the X-Report-Bridge-Org-Id header.
ORG_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_ID = re.compile(ORG_ID_PATTERN)


# Project ids (the hub's routes, intake keys, the CLI) have the same shape. Azure DevOps writes them
# lower-case, as the SDK gives them to the hub and service hooks to the backend; only an operator types
# one, so the CLI spells a GUID typed in capitals the same way (`typed_project_id`).
PROJECT_ID_PATTERN = ORG_ID_PATTERN
_GUID = re.compile(r"^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$")


def is_project_id(raw: str) -> bool:
    """Tell whether a value can be a project id (the same rule for every entry point)."""
    return _ID.match(raw) is not None


def typed_project_id(raw: str) -> str | None:
    """Return a project id an operator typed, a GUID in Azure DevOps' lower-case, or None if it is none."""
    value = raw.strip()
    if not is_project_id(value):
        return None
    return value.lower() if _GUID.match(value) else value


def canonical_id(raw: str) -> str:
    """Return the one spelling of an id: trimmed and lower-cased (GUIDs compare case-insensitively)."""
    return raw.strip().lower()


def parse_org_id(raw: str) -> str | None:
    """Return the canonical organization id, or None when the value cannot be one."""
    value = raw.strip()
    return canonical_id(value) if _ID.match(value) else None
