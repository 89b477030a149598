"""Problems found while reading, merging and validating manifests, each pointing at its source."""

from __future__ import annotations

from typing import NamedTuple


class Problem(NamedTuple):
    """One error or warning: what is wrong, where (file + JSON path) and how to fix it."""

    message: str
    origin: str | None = None
    json_path: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.origin, self.json_path) if part)
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} {self.hint}" if self.hint else text


class Report:
    """Errors and warnings collected while building one package."""

    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(
        self, message: str, origin: str | None = None, json_path: str | None = None, hint: str | None = None
    ) -> None:
        """Record an error."""
        self.errors.append(Problem(message, origin, json_path, hint))

    def warn(
        self, message: str, origin: str | None = None, json_path: str | None = None, hint: str | None = None
    ) -> None:
        """Record a warning."""
        self.warnings.append(Problem(message, origin, json_path, hint))

    def escalate_warnings(self) -> None:
        """Turn every warning recorded so far into an error (--strict)."""
        self.errors.extend(self.warnings)
        self.warnings = []


# Text that goes into a request, a header or a file name: C0 controls and DEL would change its meaning
# (a header split, a name that breaks every listing); C1 controls have no business in a name either.
_CONTROLS = {*range(0x20), 0x7F, *range(0x80, 0xA0)}


def text_problem(value: str) -> str | None:
    """Say why `value` cannot be used as a name (not UTF-8, control characters), or return None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a surrogate: the shell passed bytes that are not UTF-8
        return "is not valid UTF-8 text"
    if any(ord(char) in _CONTROLS for char in value):
        return "holds a control character"
    return None


def printable(value: str) -> str:
    """Return `value` for a one-line message: bytes that are not UTF-8 (printing them would fail) and
    control characters (a line break would split the message) shown as escapes."""
    text = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(repr(char)[1:-1] if ord(char) in _CONTROLS else char for char in text)
