"""The one rule both command lines apply to text they are given, and the one way they print it back.

A value from the command line, the environment or a file may hold control characters (C0, DEL, C1) or
lone surrogates (bytes that were not UTF-8, as Python decodes argv and the environment). No setting,
option or name means them: a driver or httpx fails on a surrogate with a traceback, a control character
splits a header or a message line, and an escape sequence printed back rewrites the operator's terminal.
"""

from __future__ import annotations

import re

_NOT_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Return why `value` is not one line of printable, valid Unicode text, or None when it is."""
    bad = _NOT_TEXT.search(value)
    if bad is None:
        return None
    if "\ud800" <= bad.group() <= "\udfff":
        return "must be valid UTF-8 text"
    return "must not contain control characters"


def printable(value: object) -> str:
    """Return `value` for one message or listing line, every character that is not printable escaped.

    A byte that was not UTF-8 (a surrogate U+DC80..U+DCFF, how Python decodes argv) reads as the byte,
    `\\xff`; any other non-printable character (controls, line separators, bidi overrides) as its Python
    escape, so printing never fails and never moves the cursor.
    """
    text = "" if value is None else str(value)
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escaped(char) for char in text)


def first_line(exc: BaseException) -> str:
    """Return an error's first non-empty line: its detail lines (azure-identity explains every credential
    it tried; a driver quotes values) make a log or a terminal line unreadable."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _escaped(char: str) -> str:
    if "\udc80" <= char <= "\udcff":
        return f"\\x{ord(char) - 0xDC00:02x}"
    return repr(char)[1:-1]
