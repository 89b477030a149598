"""Run one development-only server (the local host page or the extension's static origin) in this process.

`report-bridge dev` starts these as child processes; settings come from REPORT_BRIDGE_* variables
(including the development extension key), so nothing secret is on a command line.
Usage: python -m backend.devtools.devhost.serve host|static --port N --backend-url URL --static-origin URL
"""

from __future__ import annotations

import logging

import click
from werkzeug.serving import run_simple

from backend.config import ConfigError, Settings
from backend.devtools.devhost.app import DevtoolsError, create_devhost_app
from backend.devtools.devhost.static_origin import create_static_app


@click.command()
@click.argument("which", type=click.Choice(["host", "static"]))
@click.option("--port", type=click.IntRange(1, 65535), required=True)
@click.option("--backend-url", required=True)
@click.option("--static-origin", required=True)
def main(which: str, port: int, backend_url: str, static_origin: str) -> None:
    """Serve the local host page or the static origin on 127.0.0.1."""
    try:
        settings = Settings.from_env()
        if which == "host":
            app = create_devhost_app(settings, static_origin=static_origin)
        else:
            app = create_static_app(settings, backend_url=backend_url)
    except (ConfigError, DevtoolsError) as exc:
        raise click.ClickException(str(exc)) from None
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # keep the dev console to errors
    run_simple("127.0.0.1", port, app, threaded=True)


if __name__ == "__main__":
    main()
