"""Parameter types and checks every adoext command shares, so one kind of value is refused one way.

Float options use adocommon.usage.FiniteFloatRange, which the backend's command line shares.
`check_sendable_params`: the Marketplace commands refuse option text that cannot go into a request.
"""

from __future__ import annotations

import click
from adocommon.text import printable, text_problem

# Options whose text may hold line breaks and tabs on purpose (a multi-line JSON object).
MULTILINE_PARAMS = frozenset({"override"})
# Paths declared as plain text (tfx's lists and its `{auto}`): never sent, so left to the file checks.
PATH_PARAMS = frozenset({"root", "manifests", "manifest_globs", "output_path"})


def check_sendable_params(ctx: click.Context) -> None:
    """Refuse any text option that is not valid UTF-8 or holds a control character (exit 2).

    Paths are left to the file checks (a path is never sent); a secret option never echoes its value.
    """
    for param in ctx.command.params:
        if param.name is None or param.name in PATH_PARAMS or isinstance(param.type, click.Path):
            continue
        value = ctx.params.get(param.name)
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            if not isinstance(item, str):
                continue
            if param.name in MULTILINE_PARAMS:
                item = item.translate({9: None, 10: None, 13: None})  # tabs and line breaks are layout
            problem = text_problem(item)
            if problem is not None:
                flag = param.opts[0] if param.opts else param.name
                shown = flag if param.name == "token" else f"{flag} '{printable(item)}'"
                raise click.UsageError(f"{shown} {problem}.", ctx)
