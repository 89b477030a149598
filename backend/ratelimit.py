"""Intake rate limits: a fixed one-minute window per intake key, counted in the database.

The count lives in `intake_rate_counts` (0350; before, one row per key and window in 0251's
table), updated inside the request's write transaction, so every gunicorn worker and every instance
on the same database shares it; a process-local counter would multiply the limit by the number of
workers. A fixed window lets a client burst up to twice the limit across a window edge; that is the
documented trade for one row and one statement per request. A key's older windows are deleted when
it opens a new one, so the table holds about one row per active key (on PostgreSQL one per key and
shard).

PostgreSQL counts each request in one of SHARDS rows of its key and window (the connection's), and
adds the other rows' committed counts: requests of one key in flight at once do not queue on one
row's lock until each commits, which capped a busy key's intake across every instance. The price: a
request does not see the counts of requests still in flight on other connections, so a key can pass
its limit by at most the number of its requests in flight at once (besides the window edge).

`admit` is the intake's first statement: on PostgreSQL one round trip reads the key, counts the
request, forgets old windows and takes the request's transaction locks (see its docstring).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from backend import errors
from backend.auth.intake_keys import KEY_COLUMNS, IntakeKey, key_from_row, split_key, verify_key
from backend.storage import PreparedSQL, Tx

WINDOW_SECONDS = 60  # the limit is REPORT_BRIDGE_INTAKE_RATE_LIMIT requests per key per window

SHARDS = 64  # PostgreSQL's count rows per key and window (0350); a connection counts in pid % SHARDS

_COUNT = (  # SQLite: one row per key and window (shard 0); its writers take turns anyway
    "INSERT INTO intake_rate_counts (key_id, window_start, shard, requests) VALUES (:key, :window, 0, 1) "
    "ON CONFLICT (key_id, window_start, shard) DO UPDATE SET requests = intake_rate_counts.requests + 1 "
    "RETURNING requests"
)
_FORGET = "DELETE FROM intake_rate_counts WHERE key_id = :key AND window_start < :window"

# The key, its count and its locks in one statement. A wrong secret is only found in Python
# afterwards (the hash is ours, not SQL's): its count and locks go with the rollback of KeyInvalid.
_ADMIT_POSTGRESQL = PreparedSQL(
    f"WITH presented AS (SELECT {KEY_COLUMNS} FROM intake_keys WHERE id = :key), "
    # The request is counted in its connection's shard row: two requests in flight on one key each
    # lock their own row, instead of the second waiting for the first to commit (see the docstring).
    "counted AS (INSERT INTO intake_rate_counts (key_id, window_start, shard, requests) "
    f"SELECT id, :window, pg_backend_pid() % {SHARDS}, 1 FROM presented WHERE :limited "
    "ON CONFLICT (key_id, window_start, shard) DO UPDATE SET requests = intake_rate_counts.requests + 1 "
    "RETURNING shard, requests), "
    # The other shards' counts as committed when the statement began (the snapshot of every CTE).
    "others AS (SELECT COALESCE(SUM(requests), 0) AS requests FROM intake_rate_counts "
    "WHERE key_id = :key AND window_start = :window AND shard <> (SELECT shard FROM counted)), "
    f"forgotten AS ({_FORGET} AND EXISTS (SELECT 1 FROM counted WHERE requests = 1)), "
    # Locks in one order (sorted ids), so two requests never each hold the lock the other waits for.
    "locked AS (SELECT pg_advisory_xact_lock(lock) FROM (SELECT DISTINCT "
    "hashtextextended(org_id || ' ' || project_id || ' ' || wanted_name, 0) AS lock "
    "FROM presented, unnest(CAST(:names AS text[])) AS wanted_name) AS wanted ORDER BY lock) "
    "SELECT presented.*, (SELECT counted.requests + others.requests FROM counted, others) AS requests, "
    "(SELECT count(*) FROM locked) AS locks FROM presented"
)


def admit(
    tx: Tx, dialect: str, presented: str, per_minute: int, *, lock_names: Sequence[str] = (),
    now: float | None = None,
) -> IntakeKey:
    """Verify an intake key and count its request; raise KeyInvalid (401) or RateLimited (429).

    `lock_names` (in the key's project) are locked until the transaction ends on PostgreSQL: a
    concurrent request that names the same thing waits here, before its next statement takes its
    snapshot, so that statement sees whatever the first request stored under the name. SQLite needs
    no locks: its writers take turns anyway.
    """
    moment = time.time() if now is None else now
    if dialect != "postgresql":
        key = verify_key(tx, presented)
        count_request(tx, key.id, per_minute, moment)
        return key
    key_id, secret = split_key(presented)
    window = _window(moment)
    row = tx.query_one(_ADMIT_POSTGRESQL, {
        "key": key_id, "window": window, "limited": per_minute > 0, "names": list(lock_names),
    })
    key = key_from_row(row, secret)
    if row is not None and row["requests"] is not None:
        _refuse_past_limit(int(row["requests"]), per_minute, window, moment)
    return key


def count_request(tx: Tx, key_id: str, per_minute: int, now: float | None = None) -> None:
    """Count one request for `key_id` in this window; raise RateLimited (429) past `per_minute`."""
    if per_minute <= 0:  # 0 turns the limit off
        return
    moment = time.time() if now is None else now
    window = _window(moment)
    row = tx.query_one(_COUNT, {"key": key_id, "window": window})
    requests = int(row["requests"]) if row else 1
    if requests == 1:  # first request of a new window: forget the key's older windows
        tx.execute(_FORGET, {"key": key_id, "window": window})
    _refuse_past_limit(requests, per_minute, window, moment)


def _window(moment: float) -> int:
    return int(moment) - int(moment) % WINDOW_SECONDS


def _refuse_past_limit(requests: int, per_minute: int, window: int, moment: float) -> None:
    if requests > per_minute:
        retry_after = max(1, int(window + WINDOW_SECONDS - moment + 0.999))
        raise errors.RateLimited(retry_after)
