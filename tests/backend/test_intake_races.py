"""Intake's races on PostgreSQL: one report reaching two instances at once is stored once.

Most tests race intake's statement with races.race_against: side A runs it (or another writer) in a
transaction held open, as an instance whose statement has written but not yet committed; side B is
the production path (backend.reports.intake_postgres.store, in autocommit), seen waiting for one of
A's rows before A commits, so the two truly overlap. B then loses on a unique key and runs again. The
rate limit is off there (0), as in the multi-instance test, so only the unique keys keep the sides
apart. The last race posts over HTTP to two app instances on one database, released together by a
barrier. PostgreSQL only: SQLite's writers take turns, there is no race to observe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend import errors, ratelimit
from backend.auth import intake_keys
from backend.auth.intake_keys import IntakeKey
from backend.reports import intake_postgres, service
from backend.reports.intake import Stored
from backend.storage import Row, Storage, Tx, open_storage

from .races import ORG, PROJECT, race_against


@pytest.fixture
def make_race_key(pg: Storage) -> Callable[[], IntakeKey]:
    def make() -> IntakeKey:
        with pg.transaction() as tx:
            return intake_keys.create_key(tx, org_id=ORG, project_id=PROJECT, name="race")[0]

    return make


def holding(key: IntakeKey, body: dict[str, Any], idem: str | None = None) -> Callable[[Tx], Row | None]:
    """Side A: intake's statement inside a transaction the race holds open (written, not committed)."""

    def run(tx: Tx) -> Row | None:
        params = intake_postgres.statement_params(key, body, idem, 0, time.time())
        return tx.query_one(intake_postgres.STORE, params)

    return run


def no_work_item_url(tx: Tx) -> str:
    raise AssertionError("no report here is in a group with a work item")


def posting(
    pg: Storage, key: IntakeKey, body: dict[str, Any], idem: str | None = None, per_minute: int = 0
) -> Callable[[], Stored]:
    """Side B: what the intake route does with a key whose secret it checked."""
    return lambda: intake_postgres.store(pg, key, body, idem, per_minute, no_work_item_url)


def counts(pg: Storage) -> dict[str, Any]:
    with pg.snapshot() as tx:
        row = tx.query_one(
            "SELECT (SELECT count(*) FROM reports) AS reports, "
            "(SELECT count(*) FROM report_groups) AS groups, "
            "(SELECT count(*) FROM outbox WHERE kind = 'create_bug') AS bugs"
        )
    assert row is not None
    return row


def test_one_external_id_from_two_keys_at_once_is_one_report(
    pg: Storage, pg_url: str, make_race_key: Callable[[], IntakeKey]
) -> None:
    body = {"title": "Export drops rows", "customerId": "c-1", "source": "zendesk", "externalId": "T-1"}
    resent = {**body, "title": "Export drops rows (resent)", "customerId": "c-2"}  # another group's title
    first, second = race_against(
        pg, pg_url, holding(make_race_key(), body), posting(pg, make_race_key(), resent)
    )
    assert first is not None and isinstance(second, Stored), second
    assert (first["status_code"], second.status) == (201, 200)
    assert second.report["id"] == first["id"] and second.report["title"] == body["title"]
    assert counts(pg) == {"reports": 1, "groups": 1, "bugs": 0}  # the resent title started no group


def test_one_idempotency_key_at_once_is_one_report_and_a_replay(
    pg: Storage, pg_url: str, make_race_key: Callable[[], IntakeKey]
) -> None:
    key, body = make_race_key(), {"title": "Login loops", "customerId": "c-1"}
    first, second = race_against(
        pg, pg_url, holding(key, body, "ticket-1"), posting(pg, key, body, "ticket-1")
    )
    assert first is not None and isinstance(second, Stored), second
    assert (second.status, second.replayed) == (201, True)
    assert second.report["id"] == first["id"]
    assert counts(pg)["reports"] == 1


def test_one_idempotency_key_at_once_with_another_body_is_refused(
    pg: Storage, pg_url: str, make_race_key: Callable[[], IntakeKey]
) -> None:
    key = make_race_key()
    first, second = race_against(
        pg, pg_url, holding(key, {"title": "A", "customerId": "c-1"}, "ticket-2"),
        posting(pg, key, {"title": "B", "customerId": "c-1"}, "ticket-2", per_minute=100),
    )
    assert first is not None and isinstance(second, errors.IdempotencyConflict), second
    assert counts(pg) == {"reports": 1, "groups": 1, "bugs": 0}  # B's group went with its failed run
    assert key_requests(pg, key) == 0  # a 409 is not counted (A's statement ran unlimited)


def test_two_new_reports_of_one_problem_at_once_start_one_group_and_one_bug(
    pg: Storage, pg_url: str, make_race_key: Callable[[], IntakeKey]
) -> None:
    with pg.transaction() as tx:
        service.set_auto_create_bug(tx, ORG, PROJECT, True)
    first, second = race_against(
        pg, pg_url, holding(make_race_key(), {"title": "Crash", "customerId": "c-1"}),
        posting(pg, make_race_key(), {"title": "crash!", "customerId": "c-2"}),
    )
    assert first is not None and isinstance(second, Stored), second
    assert first["group_id"] == second.report["groupId"]
    assert (second.report["reportCount"], second.report["customersAffected"]) == (2, 2)
    assert counts(pg) == {"reports": 2, "groups": 1, "bugs": 1}


def test_a_race_lost_on_a_new_group_counts_the_request_once(
    pg: Storage, pg_url: str, make_race_key: Callable[[], IntakeKey]
) -> None:
    """B's first run writes its count and nothing else; its second run joins A's group uncounted."""
    key = make_race_key()
    first, second = race_against(
        pg, pg_url, holding(make_race_key(), {"title": "Hang", "customerId": "c-1"}),
        posting(pg, key, {"title": "hang", "customerId": "c-2"}, per_minute=100),
    )
    assert first is not None and isinstance(second, Stored), second
    assert second.report["reportCount"] == 2
    assert key_requests(pg, key) == 1


def test_a_race_lost_on_a_unique_key_counts_the_request_once(
    pg: Storage, pg_url: str, make_race_key: Callable[[], IntakeKey]
) -> None:
    """B's first run fails whole on A's externalId, its count with it; its second run answers (200),
    counted once. (A's statement runs unlimited: only B counts.)"""
    key, body = make_race_key(), {"title": "Freeze", "customerId": "c-1", "externalId": "T-9"}
    first, second = race_against(
        pg, pg_url, holding(make_race_key(), body),
        posting(pg, key, {**body, "title": "Freeze (again)"}, per_minute=100),
    )
    assert first is not None and isinstance(second, Stored) and second.status == 200, second
    assert key_requests(pg, key) == 1


def test_intake_joins_a_group_that_another_writer_is_starting(
    pg: Storage, pg_url: str, make_race_key: Callable[[], IntakeKey]
) -> None:
    """The demo and the benches store reports through service.create_report: intake's statement
    then waits on the group key, writes nothing, and runs once more."""
    def seed(tx: Tx) -> str:
        return service.create_report(
            tx, org_id=ORG, project_id=PROJECT, data={"title": "Slow page", "customerId": "c-1"}, key_id=None
        )

    joining = posting(pg, make_race_key(), {"title": "Slow page", "customerId": "c-2"})
    first, second = race_against(pg, pg_url, seed, joining)
    assert isinstance(first, str) and isinstance(second, Stored), second
    assert (second.status, second.report["reportCount"], second.report["customersAffected"]) == (201, 2, 2)
    assert counts(pg) == {"reports": 2, "groups": 1, "bugs": 0}


def test_a_key_revoked_while_an_app_remembers_it_is_refused_at_once(
    pg: Storage, make_race_key: Callable[[], IntakeKey]
) -> None:
    key = make_race_key()
    assert posting(pg, key, {"title": "Before", "customerId": "c-1"})().status == 201
    with pg.transaction() as tx:
        assert intake_keys.revoke_key(tx, key.id)
    with pytest.raises(errors.KeyInvalid, match="revoked"):
        posting(pg, key, {"title": "After", "customerId": "c-1"})()
    assert counts(pg)["reports"] == 1 and key_requests(pg, key) == 0  # nothing counted (limit off)


def key_requests(pg: Storage, key: IntakeKey) -> int:
    with pg.snapshot() as tx:
        row = tx.query_one(
            "SELECT COALESCE(SUM(requests), 0) AS n FROM intake_rate_counts WHERE key_id = :key",
            {"key": key.id},
        )
    assert row is not None
    return int(row["n"])


def post_together(posts: list[tuple[FlaskClient, str, dict[str, Any]]]) -> list[tuple[int, str]]:
    """Send every (client, key, body) at once, released by one barrier; return the (status, id)s."""
    barrier, answers = threading.Barrier(len(posts)), []

    def send(client: FlaskClient, key: str, body: dict[str, Any]) -> None:
        barrier.wait(10)
        headers = {"Authorization": f"Bearer {key}"}
        response = client.post("/api/v1/intake/reports", json=body, headers=headers)
        answers.append((response.status_code, response.get_json()["id"]))

    threads = [threading.Thread(target=send, args=post) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_one_external_id_posted_to_two_instances_at_once(
    make_app: Callable[..., Flask], make_key: Callable[..., str], storage: Storage
) -> None:
    # Two app objects over one database, and a key each (one key's requests would also queue on its
    # rate-limit row); the titles differ, so no group key keeps the two apart either: the externalId
    # alone makes them the same report.
    instances = [(make_app().test_client(), make_key()), (make_app().test_client(), make_key())]
    rounds = 12
    for n in range(rounds):
        answers = post_together([
            (client, key, {"title": f"Problem {n} seen by {i}", "customerId": f"c-{i}", "source": "zendesk",
                           "externalId": f"T-{n}"})
            for i, (client, key) in enumerate(instances)
        ])
        assert sorted(status for status, _ in answers) == [200, 201], answers
        assert answers[0][1] == answers[1][1]
    with storage.snapshot() as tx:
        assert tx.query_one("SELECT count(*) AS n FROM reports") == {"n": rounds}
        assert tx.query_one("SELECT count(*) AS n FROM report_groups") == {"n": rounds}  # none left empty


def test_requests_of_one_key_in_flight_at_once_do_not_queue_on_its_count(
    pg: Storage, pg_url: str, make_race_key: Callable[[], IntakeKey]
) -> None:
    """A holds its counted statement open; B, the production path on a connection of another shard,
    counts its own request without waiting for A (lock_timeout turns a wait into an error), and the
    count then adds both."""
    key = make_race_key()
    other = open_storage(psycopg.conninfo.make_conninfo(pg_url, options="-c lock_timeout=5s"), pool_size=1)
    a_counted, a_may_commit = threading.Event(), threading.Event()
    a_shard: list[int] = []
    try:

        def run_a() -> None:
            with pg.transaction() as tx:
                params = intake_postgres.statement_params(
                    key, {"title": "A's problem", "customerId": "c-1"}, None, 100, time.time())
                assert tx.query_one(intake_postgres.STORE, params) is not None
                a_shard.append(backend_shard(tx))
                a_counted.set()
                assert a_may_commit.wait(60)

        a = threading.Thread(target=run_a)
        a.start()
        try:
            assert a_counted.wait(60)
            while True:  # B needs a connection of another shard than A's (pid % SHARDS)
                with other.single_read() as tx:
                    if backend_shard(tx) != a_shard[0]:
                        break
                other.close()
            b_body = {"title": "B's problem", "customerId": "c-2"}
            assert intake_postgres.store(other, key, b_body, None, 100, no_work_item_url).status == 201
        finally:
            a_may_commit.set()
            a.join(60)
        with pg.snapshot() as tx:
            row = tx.query_one(
                "SELECT SUM(requests) AS n, COUNT(*) AS shards FROM intake_rate_counts WHERE key_id = :key",
                {"key": key.id},
            )
        assert row == {"n": 2, "shards": 2}
    finally:
        other.close()


def test_a_key_is_limited_by_the_sum_of_its_shards(
    pg: Storage, pg_url: str, make_race_key: Callable[[], IntakeKey]
) -> None:
    """Requests counted on connections of different shards add up to one limit per key."""
    key, limit = make_race_key(), 3
    storages = [pg, open_storage(pg_url, pool_size=1)]
    try:
        for n in range(limit):
            assert posting(storages[n % 2], key, {"title": f"r{n}", "customerId": "c"}, per_minute=limit)()
        with pytest.raises(errors.RateLimited):
            posting(storages[1], key, {"title": "over", "customerId": "c"}, per_minute=limit)()
    finally:
        storages[1].close()
    assert counts(pg)["reports"] == limit


def backend_shard(tx: Tx) -> int:
    row = tx.query_one(f"SELECT pg_backend_pid() % {ratelimit.SHARDS} AS shard")
    assert row is not None
    return int(row["shard"])
