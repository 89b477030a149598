"""Where the CLI finds its commands: each command module is imported only when one of its commands runs."""

from __future__ import annotations

from collections.abc import Callable

import click


def _packaging() -> list[click.Command]:
    """Return package, validate and manifest (issue 2)."""
    from adoext.cli import package

    return list(package.COMMANDS)


def _marketplace() -> list[click.Command]:
    """Return publish, share, unshare, install, show, isvalid and unpublish (issue 6)."""
    # Imported only here: its httpx stack roughly doubles start-up, and `adoext package` must not pay it.
    from adoext.cli import publish

    return list(publish.COMMANDS)


# Cheapest first, so `find_command("package")` never imports the Marketplace side.
COMMAND_GROUPS: tuple[Callable[[], list[click.Command]], ...] = (_packaging, _marketplace)


def find_command(name: str) -> click.Command | None:
    """Import command modules one at a time until one provides `name`."""
    for load in COMMAND_GROUPS:
        for command in load():
            if command.name == name:
                return command
    return None


def all_commands() -> list[click.Command]:
    """Return every top-level command; each module owns its own commands."""
    return [command for load in COMMAND_GROUPS for command in load()]
