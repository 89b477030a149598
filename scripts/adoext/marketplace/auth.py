"""Credentials for the Marketplace and Azure DevOps: a PAT (Basic) or a Microsoft Entra token (Bearer).

PATs are sent as ``Basic base64(":" + PAT)``, the form Azure DevOps documents ("any user name, the token
as the password"); tfx's ``OAuth:`` user name carries no meaning and is only accepted for the same reason.
Entra tokens come from azure-identity's DefaultAzureCredential for the Azure DevOps resource and are sent
as ``Bearer``; they are refreshed before they expire, because validation polling can outlive one.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

import httpx

from adoext.errors import MarketplaceAuthError, ToolError

ADO_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default"
PAT_ENV_VARS = ("ADOEXT_PAT", "AZURE_DEVOPS_EXT_PAT")
# Refresh this long before expiry so a token never dies mid-request.
REFRESH_MARGIN_SECONDS = 300
AUTH_KINDS = ("auto", "pat", "entra")
TOKEN_ON_COMMAND_LINE_WARNING = (
    "Warning: --token puts the secret in your shell history and the process list; "
    f"prefer the {PAT_ENV_VARS[0]} environment variable or --token-stdin."
)


class AccessTokenLike(Protocol):
    """What azure-identity's ``AccessToken`` offers."""

    @property
    def token(self) -> str: ...

    @property
    def expires_on(self) -> int: ...


class TokenCredential(Protocol):
    """Anything with azure-identity's ``get_token`` (DefaultAzureCredential, a test stub …)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessTokenLike: ...


CredentialFactory = Callable[[], TokenCredential]


def default_credential() -> TokenCredential:
    """Build DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI …."""
    from azure.identity import DefaultAzureCredential  # slow import, only when Entra is used

    credential: TokenCredential = DefaultAzureCredential()
    return credential


class BearerAuth(httpx.Auth):
    """Send an Entra access token obtained elsewhere (``az account get-access-token``) as Bearer."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach the Bearer header."""
        request.headers["Authorization"] = self._header
        yield request


class PatAuth(httpx.Auth):
    """Send a personal access token as HTTP Basic with an empty user name."""

    def __init__(self, pat: str) -> None:
        self._header = "Basic " + base64.b64encode(f":{pat}".encode()).decode("ascii")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach the Basic header."""
        request.headers["Authorization"] = self._header
        yield request


class EntraAuth(httpx.Auth):
    """Send a Microsoft Entra access token as Bearer, fetching a new one shortly before expiry."""

    def __init__(self, credential: TokenCredential, clock: Callable[[], float] = time.time) -> None:
        self._credential = credential
        self._clock = clock
        self._token: AccessTokenLike | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach a fresh Bearer header."""
        request.headers["Authorization"] = f"Bearer {self._current_token()}"
        yield request

    def _current_token(self) -> str:
        if self._token is None or self._token.expires_on - self._clock() < REFRESH_MARGIN_SECONDS:
            self._token = self._fetch()
        return self._token.token

    def _fetch(self) -> AccessTokenLike:
        try:
            return self._credential.get_token(ADO_SCOPE)
        except Exception as exc:
            # Imported here: azure.core costs ~70 ms at start-up, and --help should stay quick.
            from azure.core.exceptions import ClientAuthenticationError

            if not isinstance(exc, ClientAuthenticationError):
                raise
            # azure-identity explains every credential it tried over many lines; keep the first.
            text = str(exc).strip()
            first_line = text.splitlines()[0] if text else ""
            raise MarketplaceAuthError(
                "Could not get a Microsoft Entra token for Azure DevOps"
                + (f" ({first_line})" if first_line else "")
                + ". Sign in with `az login`, or set up workload identity / a managed identity / "
                "AZURE_CLIENT_ID, AZURE_TENANT_ID and a secret or certificate."
            ) from exc


@dataclass(frozen=True)
class AuthChoice:
    """The resolved credential: an httpx.Auth plus what may be shown about it."""

    kind: str  # "pat" or "entra"
    auth: httpx.Auth
    scheme: str  # "Basic" or "Bearer", for redacted dry-run output


@dataclass(frozen=True)
class AuthRequest:
    """What the user asked for on the command line."""

    kind: str = "auto"
    token: str | None = None
    token_stdin: bool = False


def resolve_auth(
    request: AuthRequest,
    *,
    env: Mapping[str, str],
    stdin: TextIO,
    credential_factory: CredentialFactory,
    warn: Callable[[str], None],
    clock: Callable[[], float] = time.time,
) -> AuthChoice:
    """Turn the command-line choice into a credential; ``auto`` means a PAT if one is given, else Entra.

    ``--auth entra`` with ``--token``/``--token-stdin`` sends that token as Bearer: the tfx habit of
    passing an Entra token on the command line keeps working, without pretending it is a PAT.
    """
    kind = request.kind
    if kind == "entra" and (request.token is not None or request.token_stdin):
        token = _find_pat(request, env={}, stdin=stdin, warn=warn)
        assert token is not None  # an explicit token or stdin always yields one or raises
        return AuthChoice("entra", BearerAuth(token), "Bearer")
    pat = _find_pat(request, env=env, stdin=stdin, warn=warn)
    if kind == "auto":
        kind = "pat" if pat is not None else "entra"
    if kind == "pat":
        if pat is None:
            raise ToolError(
                f"--auth pat needs a token: set {' or '.join(PAT_ENV_VARS)}, or pipe it to --token-stdin."
            )
        return AuthChoice("pat", PatAuth(pat), "Basic")
    if kind == "entra":
        return AuthChoice("entra", EntraAuth(credential_factory(), clock), "Bearer")
    raise ToolError(f"unknown --auth {kind!r}; use one of {', '.join(AUTH_KINDS)}.")


def _find_pat(
    request: AuthRequest, *, env: Mapping[str, str], stdin: TextIO, warn: Callable[[str], None]
) -> str | None:
    if request.token_stdin:
        pat = stdin.readline().strip()
        if not pat:
            raise ToolError("--token-stdin was given but standard input held no token.")
        return pat
    if request.token is not None:
        warn(TOKEN_ON_COMMAND_LINE_WARNING)
        if not request.token.strip():
            raise ToolError("--token is empty.")
        return request.token.strip()
    for name in PAT_ENV_VARS:
        value = env.get(name, "").strip()
        if value:
            return value
    return None
