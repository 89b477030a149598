"""adocommon.usage: a Click usage error is one line naming the help, as each side's own error."""

from __future__ import annotations

import click
from adocommon.usage import OneLineUsageError, OneLineUsageGroup
from click.testing import CliRunner


class ToolError(click.ClickException):
    """A side's own error class (like adoext's CommandLineError): not a click.UsageError."""

    exit_code = 2


def make_cli(raise_as: type[click.ClickException] = OneLineUsageError) -> click.Group:
    class Group(OneLineUsageGroup):
        usage_error = raise_as

    @click.group("tool", cls=Group, no_args_is_help=True)
    def tool() -> None:
        """A tool."""

    @tool.command("paint")
    @click.option("--colour", type=click.Choice(["red", "green", "blue"]), required=True)
    def paint(colour: str) -> None:
        """Paint."""
        click.echo(colour)

    return tool


def test_a_bad_choice_is_one_line_ending_in_where_the_help_is() -> None:
    result = CliRunner().invoke(make_cli(), ["paint", "--colour", "mauve"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Usage:" not in result.stderr
    assert result.stderr.startswith("Error: Invalid value for '--colour': 'mauve' is not one of ")
    assert result.stderr.endswith("See 'tool paint --help'.\n")


def test_an_unknown_command_and_a_missing_option_are_one_line_too() -> None:
    unknown = CliRunner().invoke(make_cli(), ["pant"])
    assert unknown.stderr == "Error: No such command 'pant'. Did you mean 'paint'? See 'tool --help'.\n"
    missing = CliRunner().invoke(make_cli(), ["paint"])
    # Click lists a Choice's values one per line; they are joined into the one line.
    assert missing.stderr == (
        "Error: Missing option '--colour'. Choose from: red, green, blue. See 'tool paint --help'.\n"
    )


def test_each_side_raises_its_own_error() -> None:
    result = CliRunner().invoke(make_cli(ToolError), ["paint", "--colour", "mauve"])
    assert isinstance(result.exception, SystemExit) and result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("See 'tool paint --help'.\n")


def test_the_bare_command_still_prints_its_help() -> None:
    result = CliRunner().invoke(make_cli(), [])
    assert "Usage: tool" in result.output and "paint" in result.output
