"""The invariants several instances share, raced for real on PostgreSQL.

Each test opens side A's transaction and lets it write, starts side B on another connection, waits
until PostgreSQL reports B waiting for A's lock (pg_stat_activity: no sleeps, no timing), then
commits A and checks what B did. PostgreSQL only: SQLite has one writer at a time, so B would queue
on the file lock before its transaction even starts and there is no race to observe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backend import errors
from backend.auth.organizations import bind_organization
from backend.azdo.hook_receiver import _first_delivery
from backend.reports import service
from backend.storage import Storage, Tx, open_storage

from .races import ORG, PROJECT, race


def report(title: str, customer: str) -> dict[str, Any]:
    return {"title": title, "customerId": customer}


def test_two_reports_of_one_problem_at_once_join_one_group(pg: Storage, pg_url: str) -> None:
    def create(customer: str) -> Callable[[Tx], str]:
        return lambda tx: service.create_report(
            tx, org_id=ORG, project_id=PROJECT, data=report("Checkout fails", customer), key_id=None
        )

    first, second = race(pg, pg_url, create("c-1"), create("c-2"))
    assert isinstance(first, str) and isinstance(second, str), second
    with pg.snapshot() as tx:
        groups = tx.query("SELECT id, report_count, customer_count FROM report_groups")
        owners = tx.query("SELECT DISTINCT group_id FROM reports")
    assert [(g["report_count"], g["customer_count"]) for g in groups] == [(2, 2)]
    assert [o["group_id"] for o in owners] == [groups[0]["id"]]


def test_a_new_group_with_auto_create_on_queues_one_bug_when_two_instances_start_it(
    pg: Storage, pg_url: str
) -> None:
    with pg.transaction() as tx:
        service.set_auto_create_bug(tx, ORG, PROJECT, True)

    def create(tx: Tx) -> str:
        return service.create_report(
            tx, org_id=ORG, project_id=PROJECT, data=report("Crash", "c"), key_id=None
        )

    first, second = race(pg, pg_url, create, create)
    assert isinstance(first, str) and isinstance(second, str), second  # both reports accepted
    with pg.snapshot() as tx:
        assert tx.query_one("SELECT count(*) AS n FROM outbox WHERE kind = 'create_bug'") == {"n": 1}


def test_two_create_bug_requests_at_once_queue_one_bug(pg: Storage, pg_url: str) -> None:
    with pg.transaction() as tx:
        report_id = service.create_report(
            tx, org_id=ORG, project_id=PROJECT, data=report("A", "c"), key_id=None
        )

    def request(tx: Tx) -> None:
        group = service.group_of_report(tx, ORG, PROJECT, report_id)
        service.request_bug(tx, ORG, PROJECT, group)

    first, second = race(pg, pg_url, request, request)
    assert first is None and second is None
    with pg.snapshot() as tx:
        assert tx.query_one("SELECT count(*) AS n FROM outbox WHERE kind = 'create_bug'") == {"n": 1}
        assert tx.query_one("SELECT bug_pending FROM report_groups") == {"bug_pending": 1}


@pytest.mark.parametrize("existing", [False, True], ids=["first-sight", "created-unbound-by-cli"])
def test_two_tenants_racing_for_an_organization_one_wins_the_loser_is_refused(
    pg: Storage, pg_url: str, existing: bool
) -> None:
    org = "org-contested"
    if existing:
        with pg.transaction() as tx:
            bind_organization(tx, org, "contested", None)
    # An organization an operator created without a tenant is bound only by a verified source (the CLI's
    # keys create --tenant, issue 11); two of them racing still leave exactly one binding.
    first, second = race(
        pg, pg_url,
        lambda tx: bind_organization(tx, org, "contested", "tid-first", verified=existing),
        lambda tx: bind_organization(tx, org, "contested", "tid-second", verified=existing),
    )
    assert first["tenant_id"] == "tid-first"
    assert isinstance(second, errors.OrgTenantMismatch)  # what every later caller with tid-second gets
    with pg.snapshot() as tx:
        assert tx.query_one("SELECT tenant_id FROM organizations WHERE id = :id", {"id": org}) == {
            "tenant_id": "tid-first"
        }


def test_the_same_tenant_racing_for_an_organization_both_get_the_binding(pg: Storage, pg_url: str) -> None:
    bind = lambda tx: bind_organization(tx, "org-same", "same", "tid-same")  # noqa: E731
    first, second = race(pg, pg_url, bind, bind)
    assert first["tenant_id"] == second["tenant_id"] == "tid-same"


def test_one_service_hook_delivery_reaching_two_instances_is_accepted_once(pg: Storage, pg_url: str) -> None:
    event = {"id": "evt-1", "eventType": "workitem.updated"}
    def deliver(tx: Tx) -> bool:
        return _first_delivery(tx, event, ORG, 7)

    first, second = race(pg, pg_url, deliver, deliver)
    assert (first, second) == (True, False)


def test_an_outbox_row_being_claimed_elsewhere_is_skipped_not_waited_for(pg: Storage, pg_url: str) -> None:
    from backend.outbox.queue import Kind, enqueue_outbox

    with pg.transaction() as tx:
        ids = [
            enqueue_outbox(tx, org_id=ORG, project_id=PROJECT, kind=Kind.SYNC_WORK_ITEM, payload={})
            for _ in range(2)
        ]
    claim = (
        "UPDATE outbox SET attempts = attempts + 1 WHERE id = "
        "(SELECT id FROM outbox WHERE status = 'pending' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) "
        "RETURNING id"
    )
    workers = [open_storage(pg_url, pool_size=1) for _ in range(2)]
    try:
        with pg.transaction() as holder:  # another worker's claim, not committed yet
            assert holder.query_one(claim) == {"id": ids[0]}
            with workers[0].transaction() as other:  # a second worker
                assert other.query_one(claim) == {"id": ids[1]}
                with workers[1].transaction() as third:  # a third worker finds nothing free, at once
                    assert third.query_one(claim) is None
    finally:
        for storage in workers:
            storage.close()
