"""The transactional outbox: work for the Azure DevOps integration, written with the change itself."""

from __future__ import annotations

import json
from typing import Any

from backend.storage import Tx, utcnow

KIND_CREATE_BUG = "create_bug"
KIND_ADD_COMMENT = "add_comment"

_COLUMNS = "org_id, project_id, kind, payload, status, attempts, next_attempt_at, created_at, updated_at"


def enqueue_outbox(tx: Tx, *, org_id: str, project_id: str, kind: str, payload: dict[str, Any]) -> int:
    """Queue one piece of work in the caller's transaction; return its id."""
    now = utcnow()
    return tx.insert(
        f"INSERT INTO outbox ({_COLUMNS}) "
        "VALUES (:org, :project, :kind, :payload, 'pending', 0, :now, :now, :now)",
        {
            "org": org_id,
            "project": project_id,
            "kind": kind,
            "payload": json.dumps(payload, sort_keys=True, separators=(",", ":")),
            "now": now,
        },
    )


def enqueue_from(work: str) -> str:
    """SQL queuing one piece of work per row of `work` (a FROM clause giving `kind` and `payload`, the
    JSON object's text), for a statement that makes the change and queues its work at once (a
    data-modifying WITH on PostgreSQL); the statement binds :org, :project and :now.
    """
    return (
        f"INSERT INTO outbox ({_COLUMNS}) "
        f"SELECT :org, :project, kind, payload, 'pending', 0, :now, :now, :now FROM {work}"
    )
