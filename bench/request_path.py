"""Measure two shortcuts on every API call's path against the plain way, side by side in one process.

1. Audit rows bound as positional parameters (backend.audit.rows: a tuple per row, 80 rows per INSERT)
   against named parameters (a dict per row, one row per INSERT, the storage layer's usual style) and
   against named parameters in the same multi-row INSERT (a `:column_n` name per value).
2. The app token verifier's cache (a token string verified once is remembered until it expires) against
   verifying every call in full (PyJWT's decode and key checks).

Prints microseconds per row / per call (median of the rounds) and the ratios.

    python bench/request_path.py [--rows 400] [--rounds 30]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backend.audit import rows as audit_rows
from backend.auth.tokens import AppTokenVerifier
from backend.config import Settings
from backend.devtools.tokens import mint_app_token
from backend.storage import Tx, open_storage, utcnow

COLUMNS = audit_rows._COLUMNS
ROWS_PER_INSERT = 80


def audit_row(n: int) -> tuple[Any, ...]:
    """Return an audit row like a UI call's, in column order."""
    return (utcnow(), f"{n:032x}", "org-1", "user", "u-1", "t-1", None, "GET", "/api/v1/me", "{}", 200, "ok")


def named_one_per_insert(tx: Tx, rows: list[tuple[Any, ...]]) -> None:
    """Insert each row by itself with named parameters, a dict per row."""
    sql = f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({', '.join(':' + c for c in COLUMNS)})"
    for row in rows:
        tx.execute(sql, dict(zip(COLUMNS, row, strict=True)))


def named_many_per_insert(tx: Tx, rows: list[tuple[Any, ...]]) -> None:
    """Insert 80 rows per statement with a named parameter per value."""
    for start in range(0, len(rows), ROWS_PER_INSERT):
        chunk = rows[start : start + ROWS_PER_INSERT]
        values = ", ".join("(" + ", ".join(f":{c}_{i}" for c in COLUMNS) + ")" for i in range(len(chunk)))
        params = {f"{c}_{i}": v for i, row in enumerate(chunk) for c, v in zip(COLUMNS, row, strict=True)}
        tx.execute(f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES {values}", params)


def time_audit(rows: int, rounds: int) -> dict[str, float]:
    """Return µs per row of each way of inserting a batch of `rows` rows."""
    ways: dict[str, Callable[[Tx, list[tuple[Any, ...]]], None]] = {
        "positional, 80 rows per INSERT (ours)": audit_rows.record_rows,
        "named, one row per INSERT": named_one_per_insert,
        "named, 80 rows per INSERT": named_many_per_insert,
    }
    timings: dict[str, list[float]] = {name: [] for name in ways}
    with tempfile.TemporaryDirectory(prefix="rb-bench-") as folder:
        storage = open_storage(Path(folder) / "bench.db")
        storage.upgrade()
        for _ in range(rounds):  # the ways in turns, so a drift of the machine's speed hits each alike
            for name, insert in ways.items():
                batch = [audit_row(n) for n in range(rows)]
                began = time.perf_counter()
                with storage.transaction() as tx:
                    insert(tx, batch)
                timings[name].append((time.perf_counter() - began) / rows * 1e6)
        storage.close()
    return {name: statistics.median(values) for name, values in timings.items()}


def time_tokens(rounds: int, calls: int = 200) -> dict[str, float]:
    """Return µs per verification with the cache and without it."""
    secret = secrets.token_urlsafe(32)
    settings = Settings(extension_secret=secret)
    token = mint_app_token(secret, user_id="bench-user", tenant_id="bench-tenant")
    ways = {
        "cached verifier (ours)": AppTokenVerifier(settings),
        "full verification": AppTokenVerifier(settings, cache_size=0),
    }
    timings: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, verifier in ways.items():
            began = time.perf_counter()
            for _ in range(calls):
                verifier.verify(token)
            timings[name].append((time.perf_counter() - began) / calls * 1e6)
    return {name: statistics.median(values) for name, values in timings.items()}


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    audit = time_audit(args.rows, args.rounds)
    ours = audit["positional, 80 rows per INSERT (ours)"]
    print(f"audit rows, batch of {args.rows}, median of {args.rounds} rounds:")
    for name, value in audit.items():
        print(f"  {name:<40} {value:7.2f} µs/row  {value / ours:5.2f} x ours")
    tokens = time_tokens(args.rounds)
    cached = tokens["cached verifier (ours)"]
    print(f"app token verification, median of {args.rounds} rounds:")
    for name, value in tokens.items():
        print(f"  {name:<40} {value:7.2f} µs/call {value / cached:5.2f} x ours")


if __name__ == "__main__":
    main()
