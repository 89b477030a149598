"""tfx's command-line conventions: its space-separated lists after a flag (`TfxStyleCommand`), and the
options of `tfx extension create` that `adoext package` takes beyond the packaging ones.

tfx registers every option of its extension commands (server, credentials, sharing, publishing) on
`create` as well and ignores the ones it does not use; a tfx command line must work unchanged, so
`adoext package` accepts them too (hidden from --help) and ignores them likewise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import click


class TfxStyleCommand(click.Command):
    """A command that also accepts tfx's space-separated lists after each flag in `variadic_flags`."""

    # tfx takes several values after one flag (`--manifest-globs a.json 'src/**/*.json'`); a subclass
    # lists its own flags here (e.g. the publish side's organization lists) instead of re-parsing.
    variadic_flags: tuple[str, ...] = ("--manifests", "--manifest-globs", "--env")
    # tfx's ArrayArgument: a flag given exactly one value reads it as a comma list, `[a, b]` or `a,b`.
    comma_lists: tuple[str, ...] = ("--manifests", "--manifest-globs", "--env")

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Rewrite `--flag a b` into `--flag a --flag b` before Click parses."""
        rewritten: list[str] = []
        current: str | None = None
        values: list[str] = []

        def close() -> None:
            if current is None:
                return
            if len(values) == 1 and current in self.comma_lists:
                values[:] = [v.strip() for v in re.sub(r"(^\[)|(\]$)", "", values[0]).split(",")]
            if not values:
                rewritten.append(current)  # a flag with no value: let Click report it
            for value in values:
                rewritten.extend([current, value])

        for arg in args:
            if arg in self.variadic_flags:
                close()
                current, values = arg, []
            elif current is not None and not arg.startswith("-"):
                values.append(arg)
            else:
                close()
                current, values = None, []
                rewritten.append(arg)
        close()
        return super().parse_args(ctx, rewritten)


def tfx_create_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Attach the rest of what `tfx extension create` accepts: output options, and the options tfx's
    extension commands share (server, sharing, publishing), accepted and ignored as tfx ignores them."""
    decorators = [
        click.option(
            "--metadata-only", is_flag=True, help="Write the vsomanifest(s) into the --output-path folder."
        ),
        click.option(
            "--json", "as_json", is_flag=True, help="Print the result as JSON (tfx's --output json)."
        ),
        click.option(
            "--output",
            "output_kind",
            type=click.Choice(["friendly", "json", "clipboard", "clip"], case_sensitive=False),
            default="friendly",
            help="tfx's output destination (clipboard prints as friendly).",
        ),
    ]
    # Options with a value, lists and flags; all hidden from --help, none used.
    ignored_values = [("--service-url", "-u"), ("--auth-type",), ("--username",), ("--password",)]
    ignored_values += [("--token", "-t"), ("--proxy",), ("--project", "-p"), ("--debug-log-stream",)]
    ignored_values += [("--vsix",), ("--display-name",), ("--description",)]
    for names in ignored_values:
        decorators.append(click.option(*names, "ignored_" + names[0][2:].replace("-", "_"), hidden=True))
    for name in ("--share-with", "--unshare-with"):
        decorators.append(
            click.option(name, "ignored_" + name[2:].replace("-", "_"), multiple=True, hidden=True)
        )
    flags = [
        "--save",
        "--fiddler",
        "--include-undocumented",
        "--skip-cert-validation",
        "--bypass-scope-check",
    ]
    for name in [*flags, "--no-wait-validation"]:
        decorators.append(
            click.option(name, "ignored_" + name[2:].replace("-", "_"), is_flag=True, hidden=True)
        )
    for decorator in reversed(decorators):
        func = decorator(func)
    return func
