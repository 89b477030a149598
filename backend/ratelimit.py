"""Intake rate limits: a fixed one-minute window per intake key, counted in the database.

The count lives in `intake_rate_limits` (0251), updated inside the request's write transaction, so
every gunicorn worker and every instance on the same database shares it; a process-local counter
would multiply the limit by the number of workers. A fixed window lets a client burst up to twice
the limit across a window edge; that is the documented trade for one row and one statement per
request.
"""

from __future__ import annotations

import time

from backend import errors
from backend.storage import Tx

WINDOW_SECONDS = 60  # the limit is REPORT_BRIDGE_INTAKE_RATE_LIMIT requests per key per window


def count_request(tx: Tx, key_id: str, per_minute: int, now: float | None = None) -> None:
    """Count one request for `key_id` in this window; raise RateLimited (429) past `per_minute`."""
    if per_minute <= 0:  # 0 turns the limit off
        return
    moment = time.time() if now is None else now
    window = int(moment) - int(moment) % WINDOW_SECONDS
    row = tx.query_one(
        "INSERT INTO intake_rate_limits (key_id, window_start, requests) VALUES (:key, :window, 1) "
        "ON CONFLICT (key_id, window_start) DO UPDATE SET requests = intake_rate_limits.requests + 1 "
        "RETURNING requests",
        {"key": key_id, "window": window},
    )
    requests = int(row["requests"]) if row else 1
    if requests == 1:  # first request of a new window: forget the key's older windows
        tx.execute(
            "DELETE FROM intake_rate_limits WHERE key_id = :key AND window_start < :window",
            {"key": key_id, "window": window},
        )
    if requests > per_minute:
        retry_after = max(1, int(window + WINDOW_SECONDS - moment + 0.999))
        raise errors.RateLimited(retry_after)
