"""The errors adoext raises, translated to one line and an exit code at the CLI edge.

    click.ClickException                 (exit 1; Click prints "Error: <message>")
     └── ToolError                        exit 1: anything the user can fix
          ├── CommandLineError            exit 2: bad options or arguments (Click's UsageError, one line)
          ├── ManifestError               exit 2: a manifest cannot be read or merged
          ├── ValidationFailed            exit 3: the extension breaks one or more rules
          ├── PackageError                exit 4: files cannot be read or the VSIX cannot be written
          └── MarketplaceError            exit 5: the Marketplace answered with an error
               ├── MarketplaceAuthError   exit 6: 401/403: the credential is wrong or lacks rights
               ├── ValidationTimeout      exit 7: validation did not finish in time
               └── ValidationRejected     exit 8: the Marketplace's validation failed the version

Code below the CLI raises these (or subclasses); ``cli.main`` turns any other exception
into a one-line "internal error" with exit 70 and no traceback.
"""

from __future__ import annotations

from typing import IO, Any

import click


class ToolError(click.ClickException):
    """A problem the user can fix; printed as one line."""

    exit_code = 1


class CommandLineError(ToolError):
    """Bad options or arguments: Click's usage error as one line ending in where to find help
    (adocommon.usage.one_line_usage, shared with the backend's command line)."""

    exit_code = 2


class ManifestError(ToolError):
    exit_code = 2


class ValidationFailed(ToolError):
    """The extension breaks one or more rules; each problem is printed on its own line."""

    exit_code = 3

    def __init__(self, problems: str | list[str]) -> None:
        if isinstance(problems, str):
            super().__init__(problems)
            self.problems: list[str] = []
        else:
            super().__init__(f"{len(problems)} problem(s) found; nothing was written.")
            self.problems = problems

    def show(self, file: IO[Any] | None = None) -> None:
        """Print one line per problem, then the summary."""
        for problem in self.problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(f"Error: {self.format_message()}", err=True)


class PackageError(ToolError):
    exit_code = 4


class MarketplaceError(ToolError):
    exit_code = 5


class MarketplaceAuthError(MarketplaceError):
    exit_code = 6


class ValidationTimeout(MarketplaceError):
    exit_code = 7


class ValidationRejected(MarketplaceError):
    exit_code = 8
