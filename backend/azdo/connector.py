"""One object per app that hands out Azure DevOps clients per organization, sharing auth and pacing.

Work for an organization finds its client by the organization's id (`client_for`), which the
directory binds to a configured URL from Azure DevOps' own answer; a name never picks a URL, except
the operator's own `--org` on the CLI (`client`), which comes from the configuration.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from backend.azdo.auth import AzureDevOpsAuth, CredentialConfig
from backend.azdo.client import DEFAULT_TIMEOUT, AzureDevOpsClient
from backend.azdo.directory import Binding, OrgDirectory, Reach
from backend.azdo.errors import AzureDevOpsError, AzureDevOpsUnavailable
from backend.azdo.retry import GateRegistry, RetryPolicy

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})  # plain http only to this machine


def credential_url_problem(url: str) -> str | None:
    """Why the backend may not send its credential to `url`, or None.

    Every client carries the credential (a PAT as Basic, an Entra token as Bearer), so a URL must be
    https, or http to this machine (the local emulator). The URL itself is not echoed: it may hold a
    user name and password.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:  # "https://[::1/org"
        return "is not a URL"
    if parts.scheme not in ("https", "http") or not host:
        return "is not an absolute http(s) URL"
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        return (f"http://{host} must use https: the backend's Azure DevOps credential would "
                "travel in clear text")
    return None


class OrganizationNotConfigured(AzureDevOpsError):
    """No configured Azure DevOps URL is the organization we have work for."""

    code = "organization_not_configured"
    retryable = True  # the operator may add the URL; the outbox keeps the work until then


@dataclass(frozen=True)
class ConnectorConfig:
    """What the connector needs from the settings."""

    org_urls: tuple[str, ...]
    credentials: CredentialConfig
    timeout: httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT)
    max_concurrency: int = 4
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    # Calls made while a person waits (e.g. checking an item before linking) give up quickly.
    interactive_policy: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(max_attempts=2, max_delay_s=2.0)
    )


class AzureDevOps:
    """Build and cache one client per organization URL (clients are thread-safe and reused)."""

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        auth: httpx.Auth | None = None,
    ) -> None:
        self.config = config
        self._transport = transport
        self._gates = GateRegistry(max_concurrency=config.max_concurrency, clock=clock, sleep=sleep)
        self._auth = auth
        self._clients: dict[str, AzureDevOpsClient] = {}
        self._lock = threading.Lock()
        self.clock = clock
        self._directory = OrgDirectory(config.org_urls, self._instance_id, clock=clock)

    def binding(self, org_id: str) -> Binding:
        """Say which configured URL is this (canonical) organization id, if any (may ask Azure DevOps)."""
        if not self._credential_usable:
            return Binding(Reach.UNCONFIGURED)
        return self._directory.find(org_id)

    def client_for(self, org_id: str, *, interactive: bool = False) -> AzureDevOpsClient:
        """Return the client of the configured URL bound to this organization id."""
        binding = self.binding(org_id)
        if binding.reach is Reach.BOUND and binding.url is not None:
            return self.client(binding.url, interactive=interactive)
        if binding.reach is Reach.UNDETERMINED:
            # Keep the failure's kind: refused credentials stay an auth failure (not retried as an outage).
            failure = binding.failure or AzureDevOpsUnavailable("no answer yet")
            raise type(failure)(
                f"cannot tell yet which configured Azure DevOps URL is organization {org_id}: "
                f"{failure.message}",
                status=failure.status,
            )
        raise OrganizationNotConfigured(
            f"no URL in REPORT_BRIDGE_AZDO_ORG_URLS is Azure DevOps organization {org_id}"
        )

    def _instance_id(self, url: str) -> str:
        """Ask one configured URL, with the backend's credential, for its organization id."""
        instance_id = self.client(url, interactive=True).connection_data().get("instanceId")
        if not isinstance(instance_id, str) or not instance_id:
            raise ValueError(f"{url}/_apis/connectionData has no instanceId")
        return instance_id

    def org_url(self, org_name: str) -> str:
        """Return the configured URL whose last path segment names this organization (operator input)."""
        for url in self.config.org_urls:
            if _org_name(url).lower() == org_name.lower():
                return url.rstrip("/")
        raise OrganizationNotConfigured(
            f"no Azure DevOps URL configured for organization {org_name!r} (REPORT_BRIDGE_AZDO_ORG_URLS)"
        )

    @functools.cached_property
    def _credential_usable(self) -> bool:
        """Whether the configured credential can work at all (nothing is called)."""
        credentials = self.config.credentials
        if credentials.mode == "pat":
            return bool(credentials.pat)
        # Entra: DefaultAzureCredential needs nothing; a certificate needs its tenant and client ids.
        return not credentials.certificate_path or bool(credentials.tenant_id and credentials.client_id)

    def client(self, org: str, *, interactive: bool = False) -> AzureDevOpsClient:
        """Return the client for an organization name or URL (interactive: short retry budget)."""
        url = org.rstrip("/") if "://" in org else self.org_url(org)
        key = f"{url} interactive" if interactive else url
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._build(url, self.config.interactive_policy if interactive else None)
            return self._clients[key]

    def check(self) -> None:
        """Fail early (ValueError) when the credentials or organization URLs are not usable."""
        if not self.config.org_urls:
            raise ValueError("REPORT_BRIDGE_AZDO_ORG_URLS is empty: no Azure DevOps organization to talk to")
        with self._lock:
            if self._auth is None:
                self._auth = AzureDevOpsAuth.from_config(self.config.credentials, clock=self.clock)

    def close(self) -> None:
        """Close every client."""
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()

    def _build(self, url: str, policy: RetryPolicy | None) -> AzureDevOpsClient:
        if problem := credential_url_problem(url):  # the one place a client (and its credential) is made
            raise ValueError(f"Azure DevOps URL {problem}")
        if self._auth is None:  # built lazily: azure-identity may probe the environment
            self._auth = AzureDevOpsAuth.from_config(self.config.credentials, clock=self.clock)
        http = httpx.Client(
            base_url=url + "/", auth=self._auth, timeout=self.config.timeout, transport=self._transport
        )
        return AzureDevOpsClient(
            http, gate=self._gates.gate(_org_name(url)), policy=policy or self.config.policy
        )


def _org_name(url: str) -> str:
    """Return the organization part of https://dev.azure.com/{org} (or https://{org}.visualstudio.com)."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if segments:
        return segments[-1]
    return (parts.hostname or "").split(".")[0]
