"""Organizations: the headers the UI names one with, their rows, and their binding to one tenant."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend import errors, inputs
from backend.auth.org_ids import parse_org_id
from backend.storage import Storage, Tx, utcnow

ORG_ID_HEADER = "X-Report-Bridge-Org-Id"
ORG_NAME_HEADER = "X-Report-Bridge-Org-Name"
PROJECT_NAME_HEADER = "X-Report-Bridge-Project-Name"
_ORG_ID_KEY, _ORG_NAME_KEY = "HTTP_X_REPORT_BRIDGE_ORG_ID", "HTTP_X_REPORT_BRIDGE_ORG_NAME"  # WSGI names
MAX_CACHED_ORGS = 10_000


def read_org_headers(environ: Mapping[str, Any]) -> tuple[str, str]:
    """Return the canonical organization id and the display name the UI sent.

    The id is checked against the tenant's binding by the caller; the name is display text only and
    never chooses an Azure DevOps URL or credential (those follow the id, see backend/azdo/directory.py).
    """
    # Read from the WSGI environ: werkzeug's Headers view costs a few µs per lookup, on every UI call.
    raw = (environ.get(_ORG_ID_KEY) or "").strip()
    if not raw:
        raise errors.OrgMissing()
    org_id = parse_org_id(raw)
    if org_id is None:
        raise errors.BadRequest(f"{ORG_ID_HEADER} is not a valid organization id.")
    org_name = inputs.header_text(environ.get(_ORG_NAME_KEY) or "", ORG_NAME_HEADER)
    return org_id, org_name


def find_organization(tx: Tx, org_id: str) -> dict[str, Any] | None:
    """Return an organization row, or None."""
    return tx.query_one("SELECT id, name, tenant_id FROM organizations WHERE id = :id", {"id": org_id})


def bind_organization(
    tx: Tx, org_id: str, org_name: str, tenant_id: str | None, *, verified: bool = False
) -> dict[str, Any]:
    """Create an organization, or bind it to a tenant; refuse a different tenant later.

    An app token (`verified=False`) may create an organization it is the first to name, but never
    claim an existing one that has no tenant: such rows were made by another path (an operator's
    `keys create`, older versions), and their data belongs to whoever the operator says. Only a
    verified source (`verified=True`: the operator, through the CLI) binds an unbound organization.
    """
    row = find_organization(tx, org_id)
    now = utcnow()
    if row is None:
        # Two instances may see the organization first at once: the primary key picks one row, and
        # the loser (its INSERT does nothing) goes on as a later caller would, against the winner's row.
        created = tx.execute(
            "INSERT INTO organizations (id, name, tenant_id, created_at, updated_at) "
            "VALUES (:id, :name, :tid, :now, :now) ON CONFLICT (id) DO NOTHING",
            {"id": org_id, "name": org_name, "tid": tenant_id, "now": now},
        )
        if created == 1:
            return {"id": org_id, "name": org_name, "tenant_id": tenant_id}
        row = find_organization(tx, org_id)
        assert row is not None, "a conflicting organization row exists once the INSERT gave way"
    if tenant_id is not None and row["tenant_id"] not in (None, tenant_id):
        raise errors.OrgTenantMismatch()
    if tenant_id is not None and row["tenant_id"] is None and not verified:
        raise errors.OrgUnbound()
    if (tenant_id is not None and row["tenant_id"] is None) or (org_name and org_name != row["name"]):
        # COALESCE keeps a tenant another instance bound meanwhile; RETURNING tells us which one won.
        bound = tx.query_one(
            "UPDATE organizations SET tenant_id = COALESCE(tenant_id, :tid), name = :name, updated_at = :now "
            "WHERE id = :id RETURNING tenant_id, name",
            {"id": org_id, "tid": tenant_id, "name": org_name or row["name"], "now": now},
        )
        row = bound or row
        if tenant_id is not None and row["tenant_id"] not in (None, tenant_id):
            raise errors.OrgTenantMismatch()
    return {"id": org_id, "name": org_name or row["name"], "tenant_id": row["tenant_id"] or tenant_id}


class OrganizationBindings:
    """Which tenant each organization is bound to, as this app has seen it (one per app).

    A binding never changes once made, so every worker may remember it: a cache hit costs no query.
    """

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._bindings: dict[str, tuple[str, str]] = {}  # org id -> (tenant id, name)

    def bound_name(self, org_id: str, org_name: str, tenant_id: str) -> str:
        """Bind or check the organization for this tenant; return its name."""
        cached = self._bindings.get(org_id)
        if cached is not None and cached[0] == tenant_id and (not org_name or org_name == cached[1]):
            return cached[1]
        if cached is not None and cached[0] != tenant_id:
            raise errors.OrgTenantMismatch()
        with self._storage.snapshot() as tx:
            row = find_organization(tx, org_id)
        if row is None or row["tenant_id"] != tenant_id or (org_name and org_name != row["name"]):
            with self._storage.transaction() as tx:
                row = bind_organization(tx, org_id, org_name, tenant_id)
        if row["tenant_id"] != tenant_id:
            raise errors.OrgTenantMismatch()
        if len(self._bindings) > MAX_CACHED_ORGS:
            self._bindings.clear()
        self._bindings[org_id] = (tenant_id, row["name"])
        name: str = row["name"]
        return name
