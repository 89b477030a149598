"""`report-bridge worker` and `report-bridge hooks install` (registered in backend/cli.py)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Protocol
from urllib.parse import urlsplit

import click

from backend.azdo import build_connector
from backend.azdo.errors import AzureDevOpsError
from backend.azdo.hooks_install import HookTarget, install
from backend.azdo.tasks import TaskContext
from backend.azdo.worker import OutboxWorker, WorkerPolicy
from backend.config import ConfigError, Settings
from backend.logs import configure_logging
from backend.storage import Storage, StorageError

DEFAULT_HOOK_USER = "report-bridge"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class HasStorage(Protocol):
    """The CLI context object of backend/cli.py."""

    def storage(self) -> Storage: ...


@contextmanager
def friendly() -> Iterator[None]:
    """Turn expected failures into one-line CLI errors."""
    try:
        yield
    except (ConfigError, StorageError, AzureDevOpsError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.option("--once", is_flag=True, help="Process what is due now, then exit.")
@click.option(
    "--poll", type=click.FloatRange(0.1, 60), default=1.0, show_default=True, help="Idle poll seconds."
)
@click.option(
    "--lease", type=click.FloatRange(5, 3600), default=120.0, show_default=True,
    help="Seconds a claimed row stays this worker's; a killed worker's row is due again after it.",
)
@click.pass_obj
def worker(obj: HasStorage, once: bool, poll: float, lease: float) -> None:
    """Send queued Azure DevOps work (bugs, comments, state syncs) with retries; runs until stopped."""
    with friendly():
        settings = Settings.from_env()
        connector = build_connector(settings)
        connector.check()  # a missing PAT or URL is a start-up error, not a pile of failed rows
        storage = obj.storage()
    configure_logging(settings.log_level)  # the same JSON lines as the web processes
    policy = WorkerPolicy(lease_s=lease, poll_s=poll)
    job = OutboxWorker(TaskContext(storage, connector, settings.azdo_hub_id), policy)
    if once:
        click.echo(f"processed {job.run_once()} outbox row(s)")
        return
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()  # finish the current row, then exit: the lease covers a hard kill too

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    job.run(stop)


@click.group("hooks")
def hooks() -> None:
    """Azure DevOps service-hook subscriptions."""


@hooks.command("install")
@click.option("--org", required=True, help="Organization name (from REPORT_BRIDGE_AZDO_ORG_URLS) or its URL.")
@click.option("--project", required=True, help="Project id or name.")
@click.option("--url", "hook_url", required=True, help="Public URL of this backend's /hooks/azure-devops.")
@click.option(
    "--reset-credentials", is_flag=True, help="Re-send the Basic password (after a secret rotation)."
)
def hooks_install(org: str, project: str, hook_url: str, reset_credentials: bool) -> None:
    """Create the work-item subscriptions, or repair ones that drifted."""
    with friendly():
        settings = Settings.from_env()
        _check_url(hook_url)
        if not settings.webhook_secret:
            raise ConfigError(
                "REPORT_BRIDGE_WEBHOOK_SECRET is required: it is the subscriptions' Basic password"
            )
        client = build_connector(settings).client(org)
        project_id = _project_id(client.list_projects(), project)
        target = HookTarget(
            project_id, hook_url, settings.webhook_username or DEFAULT_HOOK_USER, settings.webhook_secret
        )
        for result in install(client, target, reset_credentials=reset_credentials):
            click.echo(f"{result.event_type}: {result.action} ({result.subscription_id})")


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"--url {url!r} is not an absolute URL")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise ValueError("--url must use https: Azure DevOps sends Basic credentials only over HTTPS")


def _project_id(projects: list[dict[str, object]], wanted: str) -> str:
    for project in projects:
        if wanted.lower() in (str(project.get("id", "")).lower(), str(project.get("name", "")).lower()):
            return str(project["id"])
    raise ValueError(f"no project {wanted!r} in this organization")
