"""The transactional outbox's write side: work for Azure DevOps, queued in the transaction of the change.

The bottom of the outbox: the report service and the service-hook receiver queue work here, one floor
below them; the handlers and the worker that do the work sit above Azure DevOps and the reports.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from backend.storage import Tx, utcnow


class Kind(StrEnum):
    """What an outbox row asks for (stored as its value; the handlers are chosen by it)."""

    CREATE_BUG = "create_bug"  # {groupId}: queued by the report service
    ADD_COMMENT = "add_comment"  # {groupId, reportId}: queued by the report service
    SYNC_WORK_ITEM = "sync_work_item"  # {workItemId, eventType}: queued by the service-hook receiver


_COLUMNS = "org_id, project_id, kind, payload, status, attempts, next_attempt_at, created_at, updated_at"


def enqueue_outbox(tx: Tx, *, org_id: str, project_id: str, kind: Kind, payload: dict[str, Any]) -> int:
    """Queue one piece of work in the caller's transaction; return its id."""
    now = utcnow()
    return tx.insert(
        f"INSERT INTO outbox ({_COLUMNS}) "
        "VALUES (:org, :project, :kind, :payload, 'pending', 0, :now, :now, :now)",
        {
            "org": org_id,
            "project": project_id,
            "kind": kind.value,
            "payload": json.dumps(payload, sort_keys=True, separators=(",", ":")),
            "now": now,
        },
    )


def enqueue_from(rows: str, *, kind: Kind, payload: str) -> str:
    """SQL queuing one piece of work per row of `rows` (a FROM clause), for a statement that makes the
    change and queues its work at once (a data-modifying WITH on PostgreSQL).

    `payload` is a SQL expression for the JSON object's text; the statement binds :org, :project, :now.
    """
    return (
        f"INSERT INTO outbox ({_COLUMNS}) "
        f"SELECT :org, :project, '{kind.value}', {payload}, 'pending', 0, :now, :now, :now FROM {rows}"
    )
