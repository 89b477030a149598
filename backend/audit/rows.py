"""Audit rows: the audit_log columns, inserting rows in as few statements as SQLite allows, and tail."""

from __future__ import annotations

import functools
from typing import Any

from backend.storage import Tx, utcnow

_COLUMNS = (
    "at", "request_id", "org_id", "actor", "user_id", "tenant_id", "key_id", "method", "route", "target",
    "status_code", "outcome",
)
# Positional parameters: sqlite3 binds a tuple in half the time of a dict of names (measured ~9 -> ~4.5 µs
# per row), and every API call adds a row. Many rows go in one multi-row INSERT: sqlite3 releases and
# re-takes the GIL around every statement step, so a batch takes one step instead of one per row.
_ROWS_PER_INSERT = 80  # 12 columns x 80 rows = 960 parameters, under SQLite's smallest limit (999)
_ROW_PLACEHOLDERS = f"({', '.join('?' * len(_COLUMNS))})"


@functools.lru_cache(maxsize=_ROWS_PER_INSERT)
def _insert(rows: int) -> str:
    """Return the INSERT statement for `rows` rows (cached: sqlite3 also caches it prepared)."""
    return f"INSERT INTO audit_log ({', '.join(_COLUMNS)}) VALUES {', '.join([_ROW_PLACEHOLDERS] * rows)}"


def record(tx: Tx, entry: dict[str, Any]) -> None:
    """Insert one audit row (missing optional fields are NULL; `at` defaults to now)."""
    record_many(tx, [entry])


def record_many(tx: Tx, entries: list[dict[str, Any]]) -> None:
    """Insert audit rows given as dicts of column values."""
    defaults = {"at": utcnow(), "target": "{}"}
    rows = [tuple(entry.get(column, defaults.get(column)) for column in _COLUMNS) for entry in entries]
    record_rows(tx, rows)


def record_rows(tx: Tx, rows: list[tuple[Any, ...]]) -> None:
    """Insert audit rows given as tuples in column order, in as few statements as SQLite allows."""
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start : start + _ROWS_PER_INSERT]
        tx.execute(_insert(len(chunk)), [value for row in chunk for value in row])


def tail(tx: Tx, *, limit: int, org_id: str | None = None) -> list[dict[str, Any]]:
    """Return the newest audit rows, oldest first (like tail)."""
    rows = tx.query(
        "SELECT * FROM audit_log WHERE (:org IS NULL OR org_id = :org) ORDER BY id DESC LIMIT :limit",
        {"org": org_id, "limit": limit},
    )
    return rows[::-1]
