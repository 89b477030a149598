"""Authenticate calls to Azure DevOps: Microsoft Entra tokens via azure-identity, or a PAT.

The Basic/Bearer headers and the token kept until five minutes before expiry are adocommon.credentials,
shared with adoext and with the PostgreSQL password (backend/database.py); this module picks
the azure-identity credential the settings ask for and words the backend's error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from adocommon.credentials import AZURE_DEVOPS_SCOPE, EntraToken, HeaderAuth, TokenCredential, pat_header

from backend.azdo.errors import AzureDevOpsAuthFailed

# Ask Azure DevOps for a 401 instead of a sign-in page when a credential is not accepted.
NO_REDIRECT = {"X-TFS-FedAuthRedirect": "Suppress"}


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


def no_entra_token(first_line: str) -> AzureDevOpsAuthFailed:
    """The backend's error for a credential that gives no token (no managed identity on this host ...)."""
    return AzureDevOpsAuthFailed(f"no Microsoft Entra token for Azure DevOps: {first_line}")


class AzureDevOpsAuth(HeaderAuth):
    """Add Azure DevOps credentials and the no-redirect header to every request."""

    def __init__(
        self,
        *,
        credential: TokenCredential | None = None,
        pat: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if pat is not None and credential is None:
            header = pat_header(pat)
            super().__init__(lambda: header, NO_REDIRECT)
        elif credential is not None and pat is None:
            token = EntraToken(credential, AZURE_DEVOPS_SCOPE, clock=clock, failure=no_entra_token)
            super().__init__(lambda: f"Bearer {token()}", NO_REDIRECT)
        else:
            raise ValueError("give exactly one of credential or pat")

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
