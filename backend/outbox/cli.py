"""`report-bridge worker` (registered in backend/cli.py): runs the outbox until stopped."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Protocol

import click
from adocommon.usage import FiniteFloatRange

from backend.azdo import build_connector
from backend.azdo.cli import friendly
from backend.config import Settings
from backend.logs import configure_logging
from backend.outbox.handlers import HandlerContext
from backend.outbox.worker import OutboxWorker, WorkerPolicy
from backend.storage import Storage


class CliContext(Protocol):
    """The CLI context object of backend/cli.py: the settings as the app reads them, and the database."""

    def settings(self) -> Settings: ...

    def storage(self) -> Storage: ...


@click.command()
@click.option("--once", is_flag=True, help="Process what is due now, then exit.")
@click.option(
    "--poll", type=FiniteFloatRange(0.1, 60), default=1.0, show_default=True, help="Idle poll seconds."
)
@click.option(
    "--lease", type=FiniteFloatRange(5, 3600), default=120.0, show_default=True,
    help="Seconds a claimed row stays this worker's; a killed worker's row is due again after it.",
)
@click.pass_obj
def worker(obj: CliContext, once: bool, poll: float, lease: float) -> None:
    """Send queued Azure DevOps work (bugs, comments, state syncs) with retries; runs until stopped."""
    with friendly():
        settings = obj.settings()
        connector = build_connector(settings)
        connector.check()  # a missing PAT or URL is a start-up error, not a pile of failed rows
        storage = obj.storage()
    configure_logging(settings.log_level)  # the same JSON lines as the web processes
    policy = WorkerPolicy(lease_s=lease, poll_s=poll)
    job = OutboxWorker(HandlerContext(storage, connector, settings.azdo_hub_id), policy)
    if once:
        click.echo(f"processed {job.run_once()} outbox row(s)")
        return
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()  # finish the current row, then exit: the lease covers a hard kill too

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    job.run(stop)
