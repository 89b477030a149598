"""The ``adoext`` command line: one Click group; each command lives in its own module."""

from __future__ import annotations

import sys

import click
from adocommon.usage import OneLineUsageGroup

from adoext import __version__
from adoext.cli import commands
from adoext.errors import CommandLineError


class LazyGroup(OneLineUsageGroup):
    """A group that imports only the module of the command being run (startup time is the product).

    Its base turns Click's usage errors (unknown option, bad value, unknown command) into one line, a
    CommandLineError like every other adoext error; only the bare `adoext` still prints the help.
    """

    usage_error = CommandLineError

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return a registered command, else load it from its module."""
        found = super().get_command(ctx, cmd_name)
        if found is None:
            found = commands.find_command(cmd_name)
            if found is not None:
                self.add_command(found)
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        """List every command (for --help), loading all modules."""
        _register_commands()
        return super().list_commands(ctx)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List each command on one line with its whole summary (Click would cut it at ~45 characters)."""
        rows = [(name, command.get_short_help_str(limit=sys.maxsize)) for name in self.list_commands(ctx)
                if (command := self.get_command(ctx, name)) is not None and not command.hidden]
        width = max((len(name) for name, _ in rows), default=0)
        with formatter.section("Commands"):
            for name, summary in rows:
                formatter.write(f"{'':{formatter.current_indent}}{name:<{width}}  {summary}\n")


COMPLETION_HELP = """Shell completion (Click's): add to ~/.bashrc

\b
  eval "$(_ADOEXT_COMPLETE=bash_source adoext)"

(zsh: zsh_source in ~/.zshrc; fish: _ADOEXT_COMPLETE=fish_source adoext | source)."""


@click.group("adoext", cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=COMPLETION_HELP)
@click.version_option(__version__, prog_name="adoext")
def cli() -> None:
    """Build, package and publish Azure DevOps extensions."""


def _register_commands() -> None:
    """Attach every command module's commands (`--help` lists them all, so it loads them all)."""
    for command in commands.all_commands():
        if command.name not in cli.commands:
            cli.add_command(command)


def get_cli() -> click.Group:
    """Return the group with every command attached (what tests drive through CliRunner)."""
    _register_commands()
    return cli


def main() -> None:
    """Run the CLI; unexpected exceptions become one line and exit 70, never a traceback."""
    try:
        cli.main(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the edge: nothing escapes as a traceback
        click.echo(f"Error: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(70)
