"""Where the CLI finds its commands: one line per command module."""

from __future__ import annotations

import click

# Command modules, cheapest first: `adoext package` must not pay for the publish side's HTTP stack.
COMMAND_MODULES = ("adoext.package_cmd", "adoext.publish_cmd")


def find_command(name: str) -> click.Command | None:
    """Import command modules one at a time until one provides `name`."""
    import importlib

    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for command in getattr(module, "COMMANDS", []):
            if command.name == name:
                return command  # type: ignore[no-any-return]
    return None


def all_commands() -> list[click.Command]:
    """Return every top-level command; each module owns its own commands."""
    commands: list[click.Command] = []
    # Packaging (issue 2): package, validate, manifest.
    try:
        from adoext import package_cmd
    except ImportError:
        pass
    else:
        commands.extend(package_cmd.COMMANDS)
    # Marketplace (issue 6): publish, share, unshare, install, show, isvalid, unpublish.
    try:
        from adoext import publish_cmd
    except ImportError:
        pass
    else:
        commands.extend(publish_cmd.COMMANDS)
    return commands
