"""Intake's races on PostgreSQL: one report reaching two instances at once is stored once.

Most tests race the route's two steps (ratelimit.admit, then reports.intake.store) with races.race:
B is seen waiting for A's lock before A commits, so the two truly overlap. The rate limit is off
there (0), as in the multi-instance test, so only the locks intake takes keep the sides apart. The
last test posts over HTTP to two app instances on one database, released together by a barrier.
PostgreSQL only: SQLite's writers take turns, there is no race to observe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend import errors, ratelimit
from backend.auth import intake_keys
from backend.reports import intake, service
from backend.reports.intake import Stored
from backend.storage import Storage, Tx, open_storage

from .races import ORG, PROJECT, race


@pytest.fixture
def make_race_key(pg: Storage) -> Callable[[], str]:
    def make() -> str:
        with pg.transaction() as tx:
            return intake_keys.create_key(tx, org_id=ORG, project_id=PROJECT, name="race")[1]

    return make


def posting(key: str, body: dict[str, Any], idem: str | None = None) -> Callable[[Tx], Stored]:
    """What the intake route does inside its transaction."""

    def post(tx: Tx) -> Stored:
        names = intake.lock_names(intake_keys.split_key(key)[0], body, idem)
        admitted = ratelimit.admit(tx, "postgresql", key, 0, lock_names=names)
        # Work item URLs do not matter here (no report is linked), so no app context is needed for them.
        return intake.store(tx, "postgresql", admitted, body, idem, lambda: "https://dev.azure.com/race")

    return post


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
    pg: Storage, pg_url: str, make_race_key: Callable[[], str]
) -> None:
    body = {"title": "Export drops rows", "customerId": "c-1", "source": "zendesk", "externalId": "T-1"}
    resent = {**body, "title": "Export drops rows (resent)", "customerId": "c-2"}  # another group's title
    first, second = race(pg, pg_url, posting(make_race_key(), body), posting(make_race_key(), resent))
    assert isinstance(first, Stored) and isinstance(second, Stored), second
    assert (first.status, second.status) == (201, 200)
    assert second.report == first.report
    assert counts(pg) == {"reports": 1, "groups": 1, "bugs": 0}  # the resent title started no group


def test_one_idempotency_key_at_once_is_one_report_and_a_replay(
    pg: Storage, pg_url: str, make_race_key: Callable[[], str]
) -> None:
    key, body = make_race_key(), {"title": "Login loops", "customerId": "c-1"}
    first, second = race(pg, pg_url, posting(key, body, "ticket-1"), posting(key, body, "ticket-1"))
    assert isinstance(first, Stored) and isinstance(second, Stored), second
    assert (first.status, first.replayed, second.status, second.replayed) == (201, False, 201, True)
    assert second.report["id"] == first.report["id"]
    assert counts(pg)["reports"] == 1


def test_one_idempotency_key_at_once_with_another_body_is_refused(
    pg: Storage, pg_url: str, make_race_key: Callable[[], str]
) -> None:
    key = make_race_key()
    first, second = race(
        pg, pg_url, posting(key, {"title": "A", "customerId": "c-1"}, "ticket-2"),
        posting(key, {"title": "B", "customerId": "c-1"}, "ticket-2"),
    )
    assert isinstance(first, Stored) and isinstance(second, errors.IdempotencyConflict)
    assert counts(pg)["reports"] == 1


def test_two_new_reports_of_one_problem_at_once_start_one_group_and_one_bug(
    pg: Storage, pg_url: str, make_race_key: Callable[[], str]
) -> None:
    with pg.transaction() as tx:
        service.set_auto_create_bug(tx, ORG, PROJECT, True)
    first, second = race(
        pg, pg_url, posting(make_race_key(), {"title": "Crash", "customerId": "c-1"}),
        posting(make_race_key(), {"title": "crash!", "customerId": "c-2"}),
    )
    assert isinstance(first, Stored) and isinstance(second, Stored), second
    assert first.report["groupId"] == second.report["groupId"]
    assert (second.report["reportCount"], second.report["customersAffected"]) == (2, 2)
    assert counts(pg) == {"reports": 2, "groups": 1, "bugs": 1}


def test_intake_joins_a_group_that_a_writer_without_locks_is_starting(
    pg: Storage, pg_url: str, make_race_key: Callable[[], str]
) -> None:
    """The demo and the benches store reports through service.create_report, which takes no intake
    locks: intake's statement then waits on the group key, writes nothing, and runs once more."""
    def seed(tx: Tx) -> str:
        return service.create_report(
            tx, org_id=ORG, project_id=PROJECT, data={"title": "Slow page", "customerId": "c-1"}, key_id=None
        )

    joining = posting(make_race_key(), {"title": "Slow page", "customerId": "c-2"})
    first, second = race(pg, pg_url, seed, joining)
    assert isinstance(first, str) and isinstance(second, Stored), second
    assert (second.status, second.report["reportCount"], second.report["customersAffected"]) == (201, 2, 2)
    assert counts(pg) == {"reports": 2, "groups": 1, "bugs": 0}


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


def test_the_report_statement_fits_psycopgs_parse_cache() -> None:
    """Past this length psycopg parses the statement again on every call (a cost the bench showed)."""
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

    from backend.storage.postgres_tx import to_pyformat

    assert len(to_pyformat(intake._STORE_POSTGRESQL)) <= MAX_CACHED_STATEMENT_LENGTH


def test_requests_of_one_key_in_flight_at_once_do_not_queue_on_its_count(
    pg: Storage, pg_url: str, make_race_key: Callable[[], str]
) -> None:
    """A holds its counted request open; B, on a connection of another shard, counts its own request
    without waiting for A (lock_timeout turns a wait into an error), and the later count adds both."""
    key = make_race_key()
    other = open_storage(pg_url, pool_size=1)
    a_counted, a_may_commit = threading.Event(), threading.Event()
    a_shard: list[int] = []
    try:

        def run_a() -> None:
            with pg.transaction() as tx:
                ratelimit.admit(tx, "postgresql", key, 100)
                a_shard.append(backend_shard(tx))
                a_counted.set()
                assert a_may_commit.wait(60)

        a = threading.Thread(target=run_a)
        a.start()
        try:
            assert a_counted.wait(60)
            while True:  # B needs a connection of another shard than A's (pid % SHARDS)
                with other.transaction() as tx:
                    if backend_shard(tx) != a_shard[0]:
                        break
                other.close()
            with other.transaction() as tx:
                tx.execute("SET LOCAL lock_timeout = '5s'")
                ratelimit.admit(tx, "postgresql", key, 100)
        finally:
            a_may_commit.set()
            a.join(60)
        with pg.transaction() as tx:
            row = tx.query_one(
                "SELECT SUM(requests) AS n, COUNT(*) AS shards FROM intake_rate_counts WHERE key_id = :key",
                {"key": intake_keys.split_key(key)[0]},
            )
        assert row == {"n": 2, "shards": 2}
    finally:
        other.close()


def test_a_key_is_limited_by_the_sum_of_its_shards(
    pg: Storage, pg_url: str, make_race_key: Callable[[], str]
) -> None:
    """Requests counted on connections of different shards add up to one limit per key."""
    key, limit = make_race_key(), 3
    storages = [pg, open_storage(pg_url, pool_size=1)]
    try:
        for n in range(limit):
            with storages[n % 2].transaction() as tx:
                ratelimit.admit(tx, "postgresql", key, limit)
        with pytest.raises(errors.RateLimited), storages[1].transaction() as tx:
            ratelimit.admit(tx, "postgresql", key, limit)
    finally:
        storages[1].close()


def backend_shard(tx: Tx) -> int:
    row = tx.query_one(f"SELECT pg_backend_pid() % {ratelimit.SHARDS} AS shard")
    assert row is not None
    return int(row["shard"])
