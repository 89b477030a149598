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
