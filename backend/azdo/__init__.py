"""Azure DevOps integration (issue 5): REST client, connector, service-hook receiver and installer.

Wiring: `init_app(app)` builds one `AzureDevOps` connector from the settings (and the injected
transport); `get_azdo()` returns the connector. The factory registers the receiver (hook_receiver.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from flask import Flask

from backend.app_state import this_app
from backend.azdo.auth import CredentialConfig
from backend.azdo.client import DEFAULT_TIMEOUT
from backend.azdo.connector import AzureDevOps, ConnectorConfig, credential_url_problem
from backend.config import ConfigError, Settings

EXTENSION_KEY = "report_bridge_azdo"


def credential_config(settings: Settings) -> CredentialConfig:
    """Map the settings to a credential choice."""
    certificate = str(settings.azdo_certificate_path) if settings.azdo_certificate_path else None
    return CredentialConfig(
        mode=settings.azdo_auth_mode,
        pat=settings.azdo_pat,
        managed_identity_client_id=None if certificate else settings.azdo_client_id,
        tenant_id=settings.azdo_tenant_id,
        client_id=settings.azdo_client_id,
        certificate_path=certificate,
    )


def build_connector(
    settings: Settings,
    transport: httpx.BaseTransport | None = None,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
) -> AzureDevOps:
    """Build the connector the app, the worker and the CLI share; refuse an org URL it may not call."""
    for url in settings.azdo_org_urls:
        if problem := credential_url_problem(url):
            raise ConfigError(f"REPORT_BRIDGE_AZDO_ORG_URLS: an entry {problem}")
    config = ConnectorConfig(
        org_urls=settings.azdo_org_urls, credentials=credential_config(settings), timeout=timeout
    )
    return AzureDevOps(config, transport=transport, clock=clock, sleep=sleep)


def init_app(app: Flask, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
    """Attach the connector to the app (the factory registers the service-hook receiver's blueprint)."""
    app.extensions[EXTENSION_KEY] = build_connector(settings, transport)


def get_azdo(app: Flask | None = None) -> AzureDevOps:
    """Return the app's Azure DevOps connector."""
    connector: AzureDevOps = (app or this_app()).extensions[EXTENSION_KEY]
    return connector
