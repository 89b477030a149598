"""Credentials for the Marketplace and Azure DevOps: a PAT (Basic) or a Microsoft Entra token (Bearer).

PATs are sent as ``Basic base64(":" + PAT)``, the form Azure DevOps documents ("any user name, the token
as the password"); tfx's ``OAuth:`` user name carries no meaning and is only accepted for the same reason.
Entra tokens come from azure-identity's DefaultAzureCredential for the Azure DevOps resource and are sent
as ``Bearer``; they are refreshed before they expire, because validation polling can outlive one. The
headers and the token cache are adocommon.credentials, shared with the backend; this module chooses which
one the command line asked for and words adoext's errors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

import httpx
from adocommon import credentials
from adocommon.credentials import AZURE_DEVOPS_SCOPE, EntraToken, TokenCredential
from adocommon.credentials import BearerAuth as BearerAuth
from adocommon.credentials import PatAuth as PatAuth

from adoext.errors import MarketplaceAuthError, ToolError
from adoext.marketplace.values import check_text

ADO_SCOPE = AZURE_DEVOPS_SCOPE
PAT_ENV_VARS = ("ADOEXT_PAT", "AZURE_DEVOPS_EXT_PAT")
AUTH_KINDS = ("auto", "pat", "entra")
TOKEN_ON_COMMAND_LINE_WARNING = (
    "Warning: --token puts the secret in your shell history and the process list; "
    f"prefer the {PAT_ENV_VARS[0]} environment variable or --token-stdin."
)

CredentialFactory = Callable[[], TokenCredential]


def default_credential() -> TokenCredential:
    """Build DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI …."""
    from azure.identity import DefaultAzureCredential  # slow import, only when Entra is used

    credential: TokenCredential = DefaultAzureCredential()
    return credential


def no_entra_token(first_line: str) -> MarketplaceAuthError:
    """The one-line error for a credential that gives no token, with what to do about it."""
    return MarketplaceAuthError(
        f"Could not get a Microsoft Entra token for Azure DevOps ({first_line}). Sign in with `az login`, "
        "or set up workload identity / a managed identity / "
        "AZURE_CLIENT_ID, AZURE_TENANT_ID and a secret or certificate."
    )


class EntraAuth(credentials.EntraAuth):
    """Send a Microsoft Entra token for Azure DevOps as Bearer, fetching a new one shortly before expiry."""

    def __init__(self, credential: TokenCredential, clock: Callable[[], float] = time.time) -> None:
        super().__init__(EntraToken(credential, ADO_SCOPE, clock=clock, failure=no_entra_token))


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
    # A token goes into an Authorization header: one that cannot be encoded or holds a control character
    # is refused here, by where it came from and never by its value (exit 2, before anything is sent).
    if request.token_stdin:
        pat = stdin.readline().strip()
        if not pat:
            raise ToolError("--token-stdin was given but standard input held no token.")
        check_text("the token read by --token-stdin", pat, secret=True)
        return pat
    if request.token is not None:
        warn(TOKEN_ON_COMMAND_LINE_WARNING)
        if not request.token.strip():
            raise ToolError("--token is empty.")
        check_text("--token", request.token.strip(), secret=True)
        return request.token.strip()
    for name in PAT_ENV_VARS:
        value = env.get(name, "").strip()
        if value:
            check_text(name, value, secret=True)
            return value
    return None
