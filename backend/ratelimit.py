"""Intake rate limits: a fixed one-minute window per intake key, counted in the database.

The count lives in `intake_rate_counts` (0350; before, one row per key and window in 0251's
table), updated by the request's own write, so every gunicorn worker and every instance
on the same database shares it; a process-local counter would multiply the limit by the number of
workers. A fixed window lets a client burst up to twice the limit across a window edge; that is the
documented trade for one row and one statement per request. A key's older windows are deleted when
it opens a new one, so the table holds about one row per active key (on PostgreSQL one per key and
shard).

PostgreSQL counts each request in one of SHARDS rows of its key and window (the connection's), and
adds the other rows' committed counts: requests of one key in flight at once do not queue on one
row's lock, which capped a busy key's intake across every instance when intake held the lock until
its transaction's COMMIT. The price: a request does not see the counts of requests still in flight
on other connections, so a key can pass its limit by at most the number of its requests in flight
at once (besides the window edge).

On PostgreSQL the count is part of intake's one statement (COUNT_POSTGRESQL), which runs in
autocommit: a request refused with 429 is counted too there. That changes nothing a client sees: in
a fixed window only the window's end lifts the limit, however far past it the count has gone.
"""

from __future__ import annotations

import time

from backend import errors
from backend.storage import Tx

WINDOW_SECONDS = 60  # the limit is REPORT_BRIDGE_INTAKE_RATE_LIMIT requests per key per window

SHARDS = 64  # PostgreSQL's count rows per key and window (0350); a connection counts in pid % SHARDS

_COUNT = (  # SQLite: one row per key and window (shard 0); its writers take turns anyway
    "INSERT INTO intake_rate_counts (key_id, window_start, shard, requests) VALUES (:key_id, :window, 0, 1) "
    "ON CONFLICT (key_id, window_start, shard) DO UPDATE SET requests = intake_rate_counts.requests + 1 "
    "RETURNING requests"
)
_FORGET = "DELETE FROM intake_rate_counts WHERE key_id = :key_id AND window_start < :window"

# PostgreSQL counts inside intake's one statement (backend.reports.intake_postgres): these CTEs
# count one request of the key in `counting` (a CTE of the key's id, or of no row: nothing counted)
# and leave its window's total in `tally`. The request is counted in its connection's shard row,
# so requests of one key in flight at once each lock their own row (see the docstring). The other
# shards' counts are those committed when the statement began (the snapshot of every CTE); with
# nothing counted, `tally` is every shard's count plus this request, as if it had been.
COUNT_POSTGRESQL = (
    "counted AS (INSERT INTO intake_rate_counts (key_id, window_start, shard, requests) "
    f"SELECT id, :window, pg_backend_pid() % {SHARDS}, 1 FROM counting "
    "ON CONFLICT (key_id, window_start, shard) DO UPDATE SET requests = intake_rate_counts.requests + 1 "
    "RETURNING shard, requests), "
    "others AS (SELECT COALESCE(SUM(requests), 0) AS requests FROM intake_rate_counts "
    "WHERE key_id = :key_id AND window_start = :window AND :limited "
    "AND shard IS DISTINCT FROM (SELECT shard FROM counted)), "
    f"forgotten AS ({_FORGET} AND EXISTS (SELECT 1 FROM counted WHERE requests = 1)), "
    "tally AS (SELECT COALESCE((SELECT requests FROM counted), 1) + requests AS requests FROM others)"
)


def count_request(tx: Tx, key_id: str, per_minute: int, now: float | None = None) -> None:
    """Count one request for `key_id` in this window; raise RateLimited (429) past `per_minute`."""
    if per_minute <= 0:  # 0 turns the limit off
        return
    moment = time.time() if now is None else now
    window = window_of(moment)
    row = tx.query_one(_COUNT, {"key_id": key_id, "window": window})
    requests = int(row["requests"]) if row else 1
    if requests == 1:  # first request of a new window: forget the key's older windows
        tx.execute(_FORGET, {"key_id": key_id, "window": window})
    refuse_past_limit(requests, per_minute, window, moment)


def window_of(moment: float) -> int:
    """The start of the window `moment` (a Unix time) is counted in."""
    return int(moment) - int(moment) % WINDOW_SECONDS


def refuse_past_limit(requests: int, per_minute: int, window: int, moment: float) -> None:
    """Raise RateLimited when `requests` (this one included) pass the limit of its window."""
    if requests > per_minute:
        retry_after = max(1, int(window + WINDOW_SECONDS - moment + 0.999))
        raise errors.RateLimited(retry_after)
