"""Per-day report counts on the dashboard and impact routes: calendar, scoping, `days`, query plans."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from backend.reports import daily
from backend.storage import Storage

from .conftest import TENANT_A, TENANT_B

BASE = f"/api/v1/projects/{TENANT_A.project_id}"
Headers = Callable[..., dict[str, str]]


def backdate(storage: Storage, report_id: str, days_ago: int, hour: int = 12) -> str:
    """Move a report's creation time `days_ago` UTC days back; return that day."""
    day = (datetime.now(UTC) - timedelta(days=days_ago)).date()
    with storage.transaction() as tx:
        tx.execute(
            "UPDATE reports SET created_at = :at WHERE id = :id",
            {"at": f"{day.isoformat()}T{hour:02d}:30:00.000000Z", "id": report_id},
        )
    return day.isoformat()


def test_dashboard_counts_every_day_of_the_period(
    client: FlaskClient, ui_headers: Headers, submit: Callable[..., dict[str, Any]], storage: Storage
) -> None:
    a, b, c, d = (submit(customer=f"c-{i}")["id"] for i in range(4))
    backdate(storage, a, 2, hour=0)  # first and last hour of one UTC day: one bar
    backdate(storage, b, 2, hour=23)
    backdate(storage, c, 6)  # the first day of a 7-day period
    backdate(storage, d, 7)  # the day before it
    submit(title="Today's problem")
    week = client.get(f"{BASE}/dashboard?days=7", headers=ui_headers()).get_json()["dailyCounts"]
    today = datetime.now(UTC).date()
    assert [e["date"] for e in week] == [(today - timedelta(days=6 - i)).isoformat() for i in range(7)]
    assert [entry["count"] for entry in week] == [1, 0, 0, 0, 2, 0, 1]
    month = client.get(f"{BASE}/dashboard", headers=ui_headers()).get_json()["dailyCounts"]
    assert len(month) == daily.DEFAULT_PERIOD == 30
    assert sum(e["count"] for e in month) == 5 and month[-8]["count"] == 1
    quarter = client.get(f"{BASE}/dashboard?days=90", headers=ui_headers()).get_json()["dailyCounts"]
    assert len(quarter) == 90 and sum(e["count"] for e in quarter) == 5


def test_other_projects_and_organizations_are_not_counted(
    client: FlaskClient,
    ui_headers: Headers,
    submit: Callable[..., dict[str, Any]],
    make_key: Callable[..., str],
) -> None:
    submit()
    other_key = make_key(TENANT_B)
    response = client.post(
        "/api/v1/intake/reports",
        json={"title": "Elsewhere", "customerId": "c-9"},
        headers={"Authorization": f"Bearer {other_key}"},
    )
    assert response.status_code == 201
    ours = client.get(f"{BASE}/dashboard?days=7", headers=ui_headers()).get_json()["dailyCounts"]
    assert sum(e["count"] for e in ours) == 1
    theirs = client.get(
        f"/api/v1/projects/{TENANT_B.project_id}/dashboard?days=7", headers=ui_headers(TENANT_B)
    ).get_json()["dailyCounts"]
    assert sum(e["count"] for e in theirs) == 1


def test_impact_counts_only_the_work_items_reports(
    client: FlaskClient, ui_headers: Headers, submit: Callable[..., dict[str, Any]], storage: Storage
) -> None:
    linked = submit(title="Linked problem")
    again = submit(title="Linked problem", customer="c-2")  # same group
    submit(title="Another problem")
    client.post(f"{BASE}/reports/{linked['id']}/link", json={"workItemId": 42}, headers=ui_headers())
    backdate(storage, again["id"], 3)
    impact = client.get(f"{BASE}/work-items/42/impact?days=7", headers=ui_headers()).get_json()
    assert [e["count"] for e in impact["dailyCounts"]] == [0, 0, 0, 1, 0, 0, 1]
    none = client.get(f"{BASE}/work-items/43/impact", headers=ui_headers()).get_json()["dailyCounts"]
    assert len(none) == 30 and {e["count"] for e in none} == {0}


@pytest.mark.parametrize("days", ["14", "0", "-7", "seven", "7.0"])
def test_a_period_the_widget_does_not_offer_is_refused(
    client: FlaskClient, ui_headers: Headers, days: str
) -> None:
    for path in ("/dashboard", "/work-items/42/impact"):
        response = client.get(f"{BASE}{path}?days={days}", headers=ui_headers())
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["code"] == "validation_failed"
        assert error["details"]["fields"] == {"days": "must be one of: 7, 30, 90"}


def test_the_counts_are_read_from_indexes(storage: Storage) -> None:
    """The database counts over an index; a full scan of reports would grow with every project's data."""
    if storage.dialect != "sqlite":  # why only one engine runs it
        pytest.skip("reads SQLite's EXPLAIN QUERY PLAN; PostgreSQL plans a near-empty table as a sequential "
                    "scan, so its plan here would say nothing about index use")
    params = {"org": "o", "project": "p", "since": "2026-01-01T00:00:00", "wid": 1}
    with storage.snapshot() as tx:
        project = [row["detail"] for row in tx.query("EXPLAIN QUERY PLAN " + daily._PROJECT_DAYS, params)]
        item = [row["detail"] for row in tx.query("EXPLAIN QUERY PLAN " + daily._WORK_ITEM_DAYS, params)]
    assert any("COVERING INDEX reports_list" in step for step in project), project
    assert any("INDEX report_groups_by_work_item" in step for step in item), item
    assert any("INDEX reports_in_group" in step for step in item), item
    assert not [step for step in project + item if step.startswith("SCAN")], (project, item)
