"""Open the storage the settings name, with passwordless Entra authentication for PostgreSQL on Azure.

`REPORT_BRIDGE_DATABASE_URL` picks the engine (PostgreSQL URL or key=value string, or sqlite:///path);
without it the SQLite file `REPORT_BRIDGE_DATABASE` is used. With `REPORT_BRIDGE_DATABASE_AUTH=entra`
each new PostgreSQL connection's password is a Microsoft Entra access token for Azure Database for
PostgreSQL, from the same azure-identity credential chain as the Azure DevOps connection. Tokens
are cached and renewed five minutes before they expire; connections default to TLS with the server's
name checked (`sslmode=verify-full`, `sslrootcert=system`) unless the URL says otherwise.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from azure.core.credentials import AccessToken

from backend.azdo import credential_config
from backend.azdo.auth import build_credential
from backend.config import Settings
from backend.storage import Storage, StorageError, is_postgres_target, open_storage
from backend.storage.postgres import DEFAULT_POOL_SIZE, DEFAULT_POOL_TIMEOUT_S

log = logging.getLogger("backend.storage")
POSTGRES_SCOPE = "https://ossrdbms-aad.database.windows.net/.default"
TOKEN_REFRESH_MARGIN_S = 300.0


class TokenCredential(Protocol):
    """What we need from an azure-identity credential."""

    def get_token(self, *scopes: str) -> AccessToken: ...


class EntraPassword:
    """A password source for new connections: the current Entra token, renewed before it expires."""

    def __init__(self, credential: TokenCredential, *, clock: Callable[[], float] = time.time) -> None:
        self._credential = credential
        self._clock = clock
        self._token: AccessToken | None = None
        self._lock = threading.Lock()  # the pool opens connections from several threads

    def __call__(self) -> str:
        """Return a token valid for at least the refresh margin."""
        from azure.core.exceptions import ClientAuthenticationError

        with self._lock:
            token = self._token
            if token is None or token.expires_on - self._clock() < TOKEN_REFRESH_MARGIN_S:
                try:
                    token = self._credential.get_token(POSTGRES_SCOPE)
                except ClientAuthenticationError as exc:
                    first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
                    log.error("no Microsoft Entra token for PostgreSQL: %s", first_line)
                    raise StorageError(f"no Microsoft Entra token for PostgreSQL: {first_line}") from exc
                self._token = token
            return token.token


def with_tls_default(conninfo: str) -> str:
    """Add sslmode=verify-full (system roots) unless the connection string chooses a mode itself."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    if "sslmode" in conninfo_to_dict(conninfo):
        return conninfo
    return make_conninfo(conninfo, sslmode="verify-full", sslrootcert="system")


def storage_for(settings: Settings, *, credential: TokenCredential | None = None) -> Storage:
    """Open the storage the settings name; `credential` replaces the Entra chain (tests use a stub)."""
    password: Callable[[], str] | None = None
    if settings.database_auth == "entra":
        if credential is None:
            credential = build_credential(replace(credential_config(settings), mode="entra"))
        password = EntraPassword(credential)
    return open_database(
        settings.database, settings.database_url, password=password,
        pool_size=settings.database_pool_size, timeout_s=float(settings.database_timeout_s),
    )


def open_database(
    database: Path,
    url: str | None,
    *,
    password: Callable[[], str] | None = None,
    pool_size: int = DEFAULT_POOL_SIZE,
    timeout_s: float = DEFAULT_POOL_TIMEOUT_S,
) -> Storage:
    """Open PostgreSQL or SQLite from a URL, else the SQLite file (an Entra password implies TLS)."""
    if url is None:
        return open_storage(database)
    if not is_postgres_target(url):
        return open_storage(url)
    if password is not None:
        url = with_tls_default(url)
    return open_storage(url, pool_size=pool_size, timeout_s=timeout_s, password=password)
