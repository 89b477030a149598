"""Authenticate calls to Azure DevOps: Microsoft Entra tokens via azure-identity, or a PAT."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Protocol

import httpx
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

from backend.azdo.errors import AzureDevOpsAuthFailed

# The Azure DevOps application id; the resource URI form is rejected for service principals.
AZURE_DEVOPS_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default"
# Entra tokens live about an hour; refresh early so a token never expires mid-request.
TOKEN_REFRESH_MARGIN_S = 300.0


class TokenCredential(Protocol):
    """What we need from an azure-identity credential."""

    def get_token(self, *scopes: str) -> AccessToken: ...


@dataclass(frozen=True)
class CredentialConfig:
    """How the backend proves its identity to Azure DevOps."""

    mode: str = "entra"  # "entra" (managed identity / service principal) or "pat" (local work only)
    pat: str | None = None
    managed_identity_client_id: str | None = None
    tenant_id: str | None = None
    client_id: str | None = None
    certificate_path: str | None = None


def build_credential(config: CredentialConfig) -> TokenCredential:
    """Pick the azure-identity credential the configuration asks for."""
    from azure.identity import CertificateCredential, DefaultAzureCredential, ManagedIdentityCredential

    if config.certificate_path:
        if not (config.tenant_id and config.client_id):
            raise ValueError("a certificate credential needs both a tenant id and a client id")
        return CertificateCredential(
            config.tenant_id, config.client_id, certificate_path=config.certificate_path
        )
    if config.managed_identity_client_id:
        return ManagedIdentityCredential(client_id=config.managed_identity_client_id)
    return DefaultAzureCredential()


def pat_header(pat: str) -> str:
    """Return the Basic header value Azure DevOps expects for a PAT (empty user name)."""
    return "Basic " + base64.b64encode(f":{pat}".encode()).decode("ascii")


class AzureDevOpsAuth(httpx.Auth):
    """Add Azure DevOps credentials and the no-redirect header to every request."""

    def __init__(
        self,
        *,
        credential: TokenCredential | None = None,
        pat: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if (credential is None) == (pat is None):
            raise ValueError("give exactly one of credential or pat")
        self._credential = credential
        self._pat = pat
        self._clock = clock
        self._token: AccessToken | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_config(
        cls, config: CredentialConfig, *, clock: Callable[[], float] = time.time
    ) -> AzureDevOpsAuth:
        """Build the auth for a configuration (PAT mode or an azure-identity credential)."""
        if config.mode == "pat":
            if not config.pat:
                raise ValueError("PAT mode needs a personal access token")
            return cls(pat=config.pat, clock=clock)
        return cls(credential=build_credential(config), clock=clock)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Set Authorization and ask Azure DevOps for a 401 instead of a sign-in page."""
        request.headers["Authorization"] = self._authorization()
        request.headers["X-TFS-FedAuthRedirect"] = "Suppress"
        yield request

    def _authorization(self) -> str:
        if self._pat is not None:
            return pat_header(self._pat)
        return "Bearer " + self._current_token()

    def _current_token(self) -> str:
        assert self._credential is not None
        with self._lock:  # several worker threads share one cached token
            token = self._token
            if token is None or token.expires_on - self._clock() < TOKEN_REFRESH_MARGIN_S:
                try:
                    token = self._credential.get_token(AZURE_DEVOPS_SCOPE)
                except ClientAuthenticationError as exc:
                    first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
                    raise AzureDevOpsAuthFailed(
                        f"no Microsoft Entra token for Azure DevOps: {first_line}"
                    ) from exc
                self._token = token
            return token.token
