"""Where the CLI finds its commands: one line per command module."""

from __future__ import annotations

import click


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
