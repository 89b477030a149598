"""The edge every request value passes: strict numbers, bounded integers, depth-capped JSON, clean text.

Each check is here once, so a class of hostile input (issue 11) is refused the same way everywhere:

- numbers in paths and queries: ASCII digits only (`"²".isdigit()` is true, `int("²")` fails), bounded;
- JSON bodies and cursors: at most `MAX_JSON_DEPTH` levels (json's C scanner recurses per level and
  jsonschema recurses again), no NaN/Infinity, integers within SQLite's 64-bit range;
- text anywhere (body strings and keys, path, query and header values): no NUL and no lone surrogate, which
  SQLite would store (NUL) or refuse with UnicodeEncodeError (a 500 before this module);
- names in headers: percent-encoded UTF-8 (`header_text`), since a browser's header is Latin-1.

Every refusal is a 400 `validation_failed` naming the parameter or field.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from flask import Flask, request

from backend import errors

MAX_JSON_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
WORK_ITEM_ID_MAX = 2**31 - 1  # Azure DevOps work item ids are 32-bit
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: \d would accept "²" and Arabic-Indic digits
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Return why `value` cannot be stored as text (NUL, lone surrogate), or None."""
    bad = _BAD_TEXT.search(value)
    if bad is None:
        return None
    return "must not contain NUL characters" if bad.group() == "\x00" else "must be valid Unicode text"


def _escaped_utf8() -> str:
    """A pattern for one UTF-8 character written as %XX escapes (RFC 3629's table), NUL excluded."""
    tail = "%[89ABab][0-9A-Fa-f]"  # a continuation byte, 80..BF
    lead_tail = {  # first byte -> the range its second byte may take, then the rest
        "0[1-9A-Fa-f]|[1-7][0-9A-Fa-f]": "",
        "[Cc][2-9A-Fa-f]|[Dd][0-9A-Fa-f]": tail,
        "[Ee]0": "%[AaBb][0-9A-Fa-f]" + tail,
        "[Ee][1-9A-Ca-cEeFf]": tail * 2,
        "[Ee][Dd]": "%[89][0-9A-Fa-f]" + tail,  # not ED A0..BF: those would be surrogates
        "[Ff]0": "%[9AaBb][0-9A-Fa-f]" + tail * 2,
        "[Ff][1-3]": tail * 3,
        "[Ff]4": "%8[0-9A-Fa-f]" + tail * 2,
    }
    return "|".join(f"%(?:{lead}){rest}" for lead, rest in lead_tail.items())


# What header_text accepts, as the OpenAPI document states it: any character but NUL and '%', a '%'
# that starts no escape (unquote leaves it), or escapes that spell UTF-8 text without NUL.
# tests/backend/test_header_names.py checks that the two agree on every value.
HEADER_TEXT_PATTERN = f"^(?:[^%\\x00]|%(?![0-9A-Fa-f]{{2}})|{_escaped_utf8()})*$"


def header_text(raw: str, header: str, *, limit: int = 256) -> str:
    """Return the display text a header carries: percent-encoded UTF-8, as the extension sends it.

    A browser sends a header's value as Latin-1 bytes and refuses any character past U+00FF, so the
    extension encodes names (a project named "販売" is `%E8%B2%A9%E5%A3%B2`). A value without escapes
    (older extension versions, clients that send ASCII) reads as sent.
    """
    try:
        text = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise invalid_parameter(header, "must be percent-encoded UTF-8", "header") from None
    if problem := text_problem(text):
        raise invalid_parameter(header, problem, "header")
    return text.strip()[:limit]


def parse_int(raw: str, name: str, *, minimum: int, maximum: int, where: str = "parameter") -> int:
    """Parse a decimal integer from a path or query value strictly; raise ValidationFailed naming it."""
    if _DIGITS.fullmatch(raw) is None or not minimum <= int(raw) <= maximum:
        raise invalid_parameter(name, f"must be an integer from {minimum} to {maximum}", where)
    return int(raw)


def json_integer(value: Any, *, minimum: int, maximum: int) -> int | None:
    """Return a JSON integer within bounds, else None. As in JSON Schema, 7.0 is the integer 7."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        return None
    return value


def invalid_parameter(name: str, problem: str, where: str = "parameter") -> errors.ValidationFailed:
    """Return the error for one bad path/query/header value, its message naming the parameter."""
    return errors.ValidationFailed({name: problem}, f"The {where} {name!r} is not valid: {problem}.")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class _RepeatedName(Exception):
    """A JSON object names one member twice (raised out of json's object hook)."""


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) < len(pairs):  # the rare case: find the name
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise _RepeatedName(name)
            seen.add(name)
    return members


def load_json(raw: bytes | str, what: str = "body") -> Any:
    """Parse JSON with the depth, number and text limits above; raise BadRequest/ValidationFailed.

    An object that names a member twice is refused: json keeps the last, other readers (a proxy, an
    audit tool, the sender's own) keep the first, so the request would mean two things.
    """
    try:
        value = json.loads(raw, parse_constant=_reject_constant, object_pairs_hook=_unique_members)
    except _RepeatedName as repeated:
        problem = f"names {str(repeated.args[0])[:100]!r} twice in one object"
        raise errors.ValidationFailed({what: problem}, f"The {what} {problem}.") from None
    except RecursionError:
        raise errors.ValidationFailed({what: f"must nest at most {MAX_JSON_DEPTH} levels deep"}) from None
    except (ValueError, UnicodeDecodeError):  # JSONDecodeError is a ValueError
        raise errors.BadRequest(f"The {what} is not valid JSON.") from None
    check_json_value(value, what)
    return value


def check_json_value(value: Any, what: str = "body") -> None:
    """Walk a parsed JSON value (iteratively: no recursion to exhaust) and refuse what cannot be stored."""
    pending: list[tuple[Any, str, int]] = [(value, what, 1)]
    while pending:
        item, path, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise errors.ValidationFailed({what: f"must nest at most {MAX_JSON_DEPTH} levels deep"})
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                raise errors.ValidationFailed({path: problem})
        elif isinstance(item, bool) or item is None or isinstance(item, float):
            continue
        elif isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                raise errors.ValidationFailed({path: "must be a 64-bit integer"})
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = text_problem(key)
                if problem:
                    raise errors.ValidationFailed({path: f"has a field name that {problem}"})
                pending.append((child, key if path == what else f"{path}.{key}", depth + 1))
        elif isinstance(item, list):
            pending.extend((child, f"{path}.{index}", depth + 1) for index, child in enumerate(item))


def _check_request_text() -> None:
    """Refuse NUL and lone surrogates in path, query and header values before any view sees them."""
    for key, value in request.environ.items():
        if key.startswith("HTTP_") and isinstance(value, str) and "\x00" in value:
            header = "-".join(part.capitalize() for part in key[5:].split("_"))
            raise invalid_parameter(header, "must not contain NUL characters", "header")
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and (problem := text_problem(value)):
            raise invalid_parameter(name, problem, "path parameter")
    for name, value in request.args.items(multi=True):
        problem = text_problem(name) or text_problem(value)
        if problem:
            raise invalid_parameter(name, problem, "query parameter")


def init_app(app: Flask) -> None:
    """Check every request's path and query text at the edge."""
    app.before_request(_check_request_text)
