"""`report-bridge hooks install` (registered in backend/cli.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import click

from backend.azdo import build_connector
from backend.azdo.connector import LOOPBACK_HOSTS
from backend.azdo.errors import AzureDevOpsError
from backend.azdo.hooks_install import HookTarget, install
from backend.config import ConfigError, Settings
from backend.storage import StorageError

DEFAULT_HOOK_USER = "report-bridge"


@contextmanager
def friendly() -> Iterator[None]:
    """Turn expected failures into one-line CLI errors."""
    try:
        yield
    except (ConfigError, StorageError, AzureDevOpsError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


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
        settings = Settings.from_env(extension_secret_required=False)  # it verifies no extension token
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
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError("--url must use https: Azure DevOps sends Basic credentials only over HTTPS")


def _project_id(projects: list[dict[str, object]], wanted: str) -> str:
    for project in projects:
        if wanted.lower() in (str(project.get("id", "")).lower(), str(project.get("name", "")).lower()):
            return str(project["id"])
    raise ValueError(f"no project {wanted!r} in this organization")
