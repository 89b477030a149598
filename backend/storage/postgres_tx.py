"""Statements on one PostgreSQL connection: the portable SQL's placeholders rewritten for psycopg (or,
for PreparedSQL, to PostgreSQL's own `$n`), and the Tx that runs them, inside an explicit transaction
or (a single read or write) outside one.

backend.storage.postgres owns the pool and hands these out; see its docstring for the binding rules.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import psycopg
from adocommon.text import first_line
from psycopg.types.string import StrDumper

from backend.storage import ConstraintViolation, Params, PreparedSQL, Row, StorageError

# SQL string literals, quoted identifiers and `::` casts pass through; `:name`, `?` and `%` are rewritten.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|::|:([A-Za-z_][A-Za-z0-9_]*)|\?|%")


@functools.lru_cache(maxsize=1024)
def to_pyformat(sql: str) -> str:
    """Rewrite the portable placeholders (`:name`, `?`) to psycopg's (`%(name)s`, `%s`)."""

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        if match.group(1):
            return f"%({match.group(1)})s"
        return {"?": "%s", "%": "%%"}.get(token, token)

    return _TOKENS.sub(swap, sql)


@functools.lru_cache(maxsize=256)
def to_numbered(sql: str) -> tuple[bytes, tuple[str, ...]]:
    """Rewrite `:name` placeholders to PostgreSQL's own `$1`, `$2` (one number per name); return the
    SQL, encoded, and the names in number order.

    PreparedSQL runs through psycopg's RawCursor with this: psycopg parses `%(name)s` SQL for every
    call, caching the result only for statements up to 4,096 characters, and intake's statement is
    longer (parsing it anew cost more than a round trip). This cache has no such limit.
    """
    names: dict[str, int] = {}

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        if match.group(1):
            return f"${names.setdefault(match.group(1), len(names) + 1)}"
        if token == "?":
            raise StorageError("PreparedSQL takes named parameters (:name), not ?")
        return token

    return _TOKENS.sub(swap, sql).encode(), tuple(names)


def _params(params: Params) -> Params:
    return params if isinstance(params, dict) else tuple(params)


Connection = psycopg.Connection[Row]


class PostgresTx:
    """A Tx over one psycopg connection inside an open transaction.

    The transaction's BEGIN travels in the first statement's message ("BEGIN; <statement>", which the
    simple query protocol runs in order), so opening it costs no round trip of its own, and a
    transaction that runs no statement costs none at all. PreparedSQL statements are bound
    server-side and planned once per connection (see PreparedSQL), a first one pipelined with BEGIN;
    everything else is bound client-side. With no `begin` (a single read) statements run in
    autocommit, each in its own implicit transaction.
    """

    def __init__(self, connection: Connection, begin: str | None) -> None:
        self._connection = connection
        self._begin: str | None = begin
        self.begun = False  # whether the server has seen BEGIN (so the end needs COMMIT or ROLLBACK)

    def _run(self, sql: str, params: Params, suffix: str = "") -> psycopg.Cursor[Row]:
        with _as_storage_errors():
            if isinstance(sql, PreparedSQL):
                return self._run_prepared(PreparedSQL(sql + suffix) if suffix else sql, params)
            query = to_pyformat(sql) + suffix
            if self._begin is not None:  # the first statement: BEGIN rides along (client-side binding)
                begin, self._begin, self.begun = self._begin, None, True
                cursor = self._connection.execute(f"{begin}; {query}", _params(params))
                cursor.nextset()  # past BEGIN's result, to the statement's
                return cursor
            return self._connection.execute(query, _params(params))

    def _run_prepared(self, sql: PreparedSQL, params: Params) -> psycopg.Cursor[Row]:
        """Bind server-side, so psycopg prepares the statement on this connection from its fifth run
        and PostgreSQL plans it once (planning was ~0.2-1 ms of a request: intake, lists)."""
        query, names = to_numbered(sql)
        if not isinstance(params, Mapping):
            raise StorageError("PreparedSQL takes its parameters by name")
        values = [params[name] for name in names]
        cursor = psycopg.RawCursor(self._connection)
        cursor.adapters.register_dumper(str, StrDumper)  # text, not unknown: every value typed
        if self._begin is None:
            return cursor.execute(query, values)
        # The first statement: BEGIN and the statement go in one pipeline, one round trip.
        begin, self._begin, self.begun = self._begin, None, True
        with self._connection.pipeline():
            psycopg.Cursor(self._connection).execute(begin)
            cursor.execute(query, values)
        return cursor

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows changed."""
        return self._run(sql, params).rowcount

    def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; return the new row's integer id (through RETURNING id)."""
        with _as_storage_errors():
            row = self._run(sql, params, " RETURNING id").fetchone()
        return int(row["id"]) if row else 0

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        """Return every row of a query as dicts."""
        with _as_storage_errors():  # fetching can fail too (a driver error reading the rows)
            return self._run(sql, params).fetchall()

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        """Return the first row of a query, or None."""
        with _as_storage_errors():
            return self._run(sql, params).fetchone()


@contextmanager
def _as_storage_errors() -> Iterator[None]:
    """The same classes SQLiteTx raises: a constraint is ConstraintViolation, any other driver error a
    StorageError (503 to HTTP callers), so no engine's own exception reaches the routes."""
    try:
        yield
    except psycopg.IntegrityError as exc:
        raise ConstraintViolation(f"constraint failed: {driver_message(exc)}") from exc
    except psycopg.Error as exc:
        raise StorageError(f"statement failed: {driver_message(exc)}") from exc


def driver_message(exc: BaseException) -> str:
    """The first line of a driver error (its detail lines may quote values), with any password redacted."""
    return redact_password(first_line(exc))


# `scheme://user:password@` and `password=...` (bare or quoted, also unterminated): what of a connection
# string may be quoted in a driver's message and must never reach a log or a terminal.
_URL_PASSWORD = re.compile(r"(://[^:/?#@\s\"']*:)[^\s\"']*@")
_KEY_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s\"]*)", re.IGNORECASE)


def redact_password(text: str) -> str:
    """Replace the password of every connection URL or key=value string in `text` by `***`."""
    return _KEY_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))


def conninfo_problem(exc: BaseException) -> str:
    """One line for a connection string psycopg cannot parse, quoting none of it.

    libpq quotes the whole URI or the token it stopped at (`invalid percent-encoded token: "s3c%zz"`),
    which may be the password or a piece of it, so every quoted part is dropped, not only the userinfo.
    """
    return re.sub(r'"[^"]*"?', '"..."', first_line(exc))
