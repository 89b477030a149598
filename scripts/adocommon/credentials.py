"""Credentials for Azure DevOps, the Marketplace and Azure Database for PostgreSQL: a PAT or an Entra token.

PATs are sent as ``Basic base64(":" + PAT)``, the form Azure DevOps documents ("any user name, the token
as the password"). Microsoft Entra tokens come from an azure-identity credential (DefaultAzureCredential,
a managed identity, a service principal's certificate) for one scope per use (`AZURE_DEVOPS_SCOPE`, or the
PostgreSQL one the backend names) and are kept until five minutes before they expire, so a token never
dies mid-request or mid-poll. `EntraToken` is the token string (the backend's PostgreSQL password);
`EntraAuth`, `PatAuth` and `BearerAuth` put it on httpx requests.

Why not azure-identity's `get_bearer_token_provider`: it drives azure-core's BearerTokenCredentialPolicy,
which reads `time.time()` (no clock to inject, so the refresh rule cannot be tested without waiting an
hour), moves the refresh moment by a random 0-60 s, takes no lock (the backend's worker and connection-pool
threads share one token), and raises azure-core's errors where each side wants its own one-line error.
The credentials themselves are azure-identity's; only the ~20 lines of caching are ours.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Generator, Mapping
from typing import Protocol

import httpx

from adocommon.text import first_line

# The Azure DevOps application id; the resource URI form is rejected for service principals.
AZURE_DEVOPS_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default"
# Entra tokens live about an hour; renew this long before expiry.
REFRESH_MARGIN_S = 300.0


class AccessTokenLike(Protocol):
    """What azure-core's ``AccessToken`` offers."""

    @property
    def token(self) -> str: ...

    @property
    def expires_on(self) -> int: ...


class TokenCredential(Protocol):
    """Anything with azure-identity's ``get_token`` (DefaultAzureCredential, a test stub ...)."""

    def get_token(self, *scopes: str) -> AccessTokenLike: ...


class CredentialUnavailable(Exception):
    """No Entra token could be had; the message is the first line of azure-identity's explanation."""


def pat_header(pat: str) -> str:
    """Return the Basic header value Azure DevOps expects for a PAT (empty user name)."""
    return "Basic " + base64.b64encode(f":{pat}".encode()).decode("ascii")


class EntraToken:
    """The current Entra access token for one scope: fetched on first use, renewed before it expires.

    Calling it returns the token string. When the credential cannot give one, it raises what `failure`
    makes of azure-identity's first line (each side its own error), `CredentialUnavailable` by default.
    """

    def __init__(
        self,
        credential: TokenCredential,
        scope: str,
        *,
        clock: Callable[[], float] = time.time,
        refresh_margin_s: float = REFRESH_MARGIN_S,
        failure: Callable[[str], Exception] = CredentialUnavailable,
    ) -> None:
        self._credential = credential
        self._scope = scope
        self._clock = clock
        self._margin = refresh_margin_s
        self._failure = failure
        self._token: AccessTokenLike | None = None
        self._lock = threading.Lock()  # threads share one token: one fetch, never a half-written cache

    def __call__(self) -> str:
        """Return a token valid for at least the refresh margin."""
        with self._lock:
            token = self._token
            if token is None or token.expires_on - self._clock() < self._margin:
                token = self._token = self._fetch()
            return token.token

    def _fetch(self) -> AccessTokenLike:
        try:
            return self._credential.get_token(self._scope)
        except Exception as exc:
            # Imported on failure only: azure-core costs ~60 ms to import and adoext's PAT path must not pay
            # it; when a real credential fails, azure-identity has loaded it already.
            from azure.core.exceptions import ClientAuthenticationError

            if not isinstance(exc, ClientAuthenticationError):
                raise
            raise self._failure(first_line(exc)) from exc


class HeaderAuth(httpx.Auth):
    """Set ``Authorization`` on every request, asked anew each time (a renewed token is used at once)."""

    def __init__(self, authorization: Callable[[], str], headers: Mapping[str, str] | None = None) -> None:
        self._authorization = authorization
        self._headers = dict(headers or {})

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach the Authorization header and any fixed headers."""
        request.headers["Authorization"] = self._authorization()
        request.headers.update(self._headers)
        yield request


class PatAuth(HeaderAuth):
    """Send a personal access token as HTTP Basic with an empty user name."""

    def __init__(self, pat: str, headers: Mapping[str, str] | None = None) -> None:
        value = pat_header(pat)
        super().__init__(lambda: value, headers)


class BearerAuth(HeaderAuth):
    """Send an access token obtained elsewhere (``az account get-access-token``) as Bearer."""

    def __init__(self, token: str, headers: Mapping[str, str] | None = None) -> None:
        value = f"Bearer {token}"
        super().__init__(lambda: value, headers)


class EntraAuth(HeaderAuth):
    """Send the current Entra token as Bearer, renewed shortly before it expires."""

    def __init__(self, token: EntraToken, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(lambda: f"Bearer {token()}", headers)
