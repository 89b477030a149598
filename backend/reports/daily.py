"""Reports received per UTC day over a period, counted by the database over an index.

The dashboard counts a project's reports with the `reports_list` index (org, project, created_at: a
range scan of the index alone); a work item's count walks `report_groups_by_work_item`, then
`reports_in_group`. Stored times are ISO-8601 text ("2026-11-27T10:00:00.000000Z"), so the day is its
first ten characters: `substr` and `GROUP BY` read the same in SQLite and PostgreSQL. Python only
lays the counted days out on the calendar, so days without reports read 0.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from backend.storage import Tx

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30

_PROJECT_DAYS = (
    "SELECT substr(created_at, 1, 10) AS day, COUNT(*) AS n FROM reports "
    "WHERE org_id = :org AND project_id = :project AND created_at >= :since "
    "GROUP BY substr(created_at, 1, 10)"
)
_WORK_ITEM_DAYS = (
    "SELECT substr(r.created_at, 1, 10) AS day, COUNT(*) AS n "
    "FROM report_groups g JOIN reports r ON r.group_id = g.id "
    "WHERE g.org_id = :org AND g.work_item_id = :wid AND g.project_id = :project AND r.created_at >= :since "
    "GROUP BY substr(r.created_at, 1, 10)"
)


def first_day(days: int, now: datetime | None = None) -> date:
    """The first UTC day of a period of `days` days that ends today."""
    return (now or datetime.now(UTC)).astimezone(UTC).date() - timedelta(days=days - 1)


def daily_counts(
    tx: Tx,
    org_id: str,
    project_id: str,
    *,
    days: int,
    work_item_id: int | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """[{"date": "YYYY-MM-DD", "count": n}] for each of the last `days` UTC days, oldest first."""
    start = first_day(days, now)
    params: dict[str, Any] = {"org": org_id, "project": project_id, "since": f"{start.isoformat()}T00:00:00"}
    if work_item_id is None:
        rows = tx.query(_PROJECT_DAYS, params)
    else:
        rows = tx.query(_WORK_ITEM_DAYS, {**params, "wid": work_item_id})
    counted = {row["day"]: row["n"] for row in rows}
    calendar = [(start + timedelta(days=i)).isoformat() for i in range(days)]
    return [{"date": day, "count": counted.get(day, 0)} for day in calendar]
