"""The local Azure DevOps emulator served over real HTTP: a server thread (`EmulatorServer`, used by tests
and the bench) or a process (`python -m backend.devtools.ado_emulator`, used by `report-bridge dev`).
"""

from __future__ import annotations

import argparse
import os
import threading

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from backend.devtools.ado_emulator.app import create_emulator
from backend.devtools.ado_emulator.state import EmulatorState


class EmulatorServer:
    """Run the emulator in a background thread on 127.0.0.1 (port 0 picks a free one)."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        # A short poll interval makes stop() quick; the loop only checks a flag.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="ado-emulator",
            daemon=True,
        )

    def start(self) -> EmulatorServer:
        """Start serving."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port (again: no-op)."""
        if not self._thread.is_alive():
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def main(argv: list[str] | None = None) -> None:
    """Run the local Azure DevOps emulator in the foreground (used by `report-bridge dev`)."""
    parser = argparse.ArgumentParser(description="Local Azure DevOps emulator (not Azure DevOps).")
    parser.add_argument("--port", type=int, default=8003)
    parser.add_argument("--organization", default="devorg")
    parser.add_argument("--organization-id", help="collection id that service hooks carry")
    parser.add_argument("--project", action="append", default=[], help="NAME or ID=NAME; repeatable")
    args = parser.parse_args(argv)
    # The PAT comes from the environment so it never shows in the process list.
    state = EmulatorState(organization=args.organization, pat=os.environ.get("REPORT_BRIDGE_AZDO_PAT"))
    if args.organization_id:
        state.organization_id = args.organization_id
    for spec in args.project:
        pid, _, name = spec.rpartition("=")
        state.add_project(name, pid or None)
    make_server("127.0.0.1", args.port, create_emulator(state), threaded=True).serve_forever()

