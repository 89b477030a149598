"""adocommon.text: the one text rule and escaper both command lines use, and an error's first line."""

from __future__ import annotations

import pytest
from adocommon.text import first_line, printable, text_problem

# How Python hands a Latin-1 argument to a UTF-8 program.
NOT_UTF8 = b"caf\xe9".decode("utf-8", "surrogateescape")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("plain text", None),
        ("Витрина 販売 🛒", None),
        ("tab\there", "must not contain control characters"),
        ("line\nbreak", "must not contain control characters"),
        ("nul\x00", "must not contain control characters"),
        ("del\x7f", "must not contain control characters"),
        ("c1\x9b2J", "must not contain control characters"),
        (NOT_UTF8, "must be valid UTF-8 text"),
        ("lone \ud800 high", "must be valid UTF-8 text"),
    ],
)
def test_text_problem_names_what_is_wrong(value: str, problem: str | None) -> None:
    assert text_problem(value) == problem


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("support portal", "support portal"),
        (None, ""),
        (42, "42"),
        ("evil\x1b[2J\u2028name", "evil\\x1b[2J\\u2028name"),
        ("bidi \u202egnp.exe", "bidi \\u202egnp.exe"),
        (NOT_UTF8, "caf\\xe9"),
        ("lone \ud800", "lone \\ud800"),
    ],
)
def test_printable_escapes_everything_that_is_not_printable(value: object, shown: str) -> None:
    assert printable(value) == shown
    printable(value).encode("utf-8")  # always printable: no surrogate survives


@pytest.mark.parametrize(
    ("message", "line"),
    [
        ("connection refused\nDETAIL: host=db", "connection refused"),
        ("\n\n  EnvironmentCredential: unset  \nManagedIdentity: no", "EnvironmentCredential: unset"),
        ("", "RuntimeError"),
        ("   \n  ", "RuntimeError"),
    ],
)
def test_first_line_is_the_first_line_with_text(message: str, line: str) -> None:
    assert first_line(RuntimeError(message)) == line
