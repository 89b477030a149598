"""Project reads: the project list, a project's stored name, and the stored spelling of a project id."""

from __future__ import annotations

from typing import Any

from backend.storage import Tx


def project_name(tx: Tx, org_id: str, project_id: str) -> str | None:
    """Return the project's stored display name, or None when the project is not known yet."""
    row = tx.query_one(
        "SELECT name FROM projects WHERE org_id = :org AND id = :id", {"org": org_id, "id": project_id}
    )
    return None if row is None else str(row["name"])


def known_project(tx: Tx, org_id: str, project_id: str) -> tuple[str, str] | None:
    """Return the stored (organization id, project id) of a known organization's project, or None.

    Project GUIDs may differ in case between sources; the organization id is already canonical, so it is
    compared exactly, like everywhere else.
    """
    row: dict[str, Any] | None = tx.query_one(
        "SELECT p.org_id, p.id FROM projects p JOIN organizations o ON o.id = p.org_id "
        "WHERE p.org_id = :org AND lower(p.id) = lower(:project)",
        {"org": org_id, "project": project_id},
    )
    return None if row is None else (str(row["org_id"]), str(row["id"]))


def list_projects(tx: Tx, org_id: str | None = None) -> list[dict[str, Any]]:
    """Return every project (of one organization, if given) with its organization's name and tenant."""
    return tx.query(
        "SELECT p.org_id, o.name AS org_name, o.tenant_id, p.id, p.name, p.auto_create_bug "
        "FROM projects p JOIN organizations o ON o.id = p.org_id "
        "WHERE (:org IS NULL OR p.org_id = :org) ORDER BY p.org_id, p.id",
        {"org": org_id},
    )
