"""Click's usage errors as one line, for both command lines (`adoext`, `report-bridge`).

Click prints a usage block above a usage error; our rule is one line on stderr and a non-zero exit (2 for
usage), ending in where to read the help. Each side raises its own error class from its one hierarchy
(adoext's CommandLineError; the backend uses `OneLineUsageError`), so this module only formats the message
and catches Click's error where a group parses and invokes its commands (`OneLineUsageGroup`, the base
of both top-level groups). `FiniteFloatRange` is the float option type of both.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, ClassVar

import click


def one_line_usage(error: click.UsageError) -> str:
    """Keep Click's message (with its 'Did you mean' suggestions); drop the usage block; name the help."""
    message = " ".join(error.format_message().split())  # a Choice lists its values one per line
    if error.ctx is not None:
        stop = "" if message.endswith((".", "?", ")")) else "."
        message += f"{stop} See '{error.ctx.command_path} --help'."
    return message


class OneLineUsageError(click.UsageError):
    """A usage error printed as ``Error: <message>`` alone (exit 2), with no usage block above it."""

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the one line on stderr."""
        click.echo(f"Error: {self.format_message()}", file=file, err=True)


@contextmanager
def usage_errors_in_one_line(
    raise_as: Callable[[str], click.ClickException] = OneLineUsageError,
) -> Iterator[None]:
    """Re-raise Click's usage errors as `raise_as(one line)`; the bare command's help passes through.

    Groups parse in make_context and invoke subcommands (parsing theirs) in invoke, so both are wrapped and
    an error can pass two of these: one already made one line is left alone.
    """
    try:
        yield
    except (click.exceptions.NoArgsIsHelpError, OneLineUsageError):
        raise
    except click.UsageError as exc:
        raise raise_as(one_line_usage(exc)) from exc


class OneLineUsageGroup(click.Group):
    """A group whose own parsing and every subcommand's report usage errors in one line.

    `usage_error` is the side's own class for them: adoext's CommandLineError, the backend's default.
    """

    usage_error: ClassVar[type[click.ClickException]] = OneLineUsageError

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        """Parse the group's own options; a usage error becomes one line."""
        with usage_errors_in_one_line(self.usage_error):
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand (its parsing included); a usage error becomes one line."""
        with usage_errors_in_one_line(self.usage_error):
            return super().invoke(ctx)


class FiniteFloatRange(click.FloatRange):
    """A FloatRange that also refuses NaN and infinities, for every float option of both command lines.

    Click's range compares NaN false and so lets it through, and takes `inf` where there is no maximum: a
    timeout, interval or lease of either would wait forever or never.
    """

    name = "finite float range"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Convert and check the range as FloatRange does, then refuse what is not a finite number."""
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            text = str(value)
            self.fail(f"{text[:40]!r} is not a finite number.", param, ctx)
        return number
