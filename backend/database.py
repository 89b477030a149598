"""Open the storage the settings name, with passwordless Entra authentication for PostgreSQL on Azure.

`REPORT_BRIDGE_DATABASE_URL` picks the engine (PostgreSQL URL or key=value string, or sqlite:///path);
without it the SQLite file `REPORT_BRIDGE_DATABASE` is used. With `REPORT_BRIDGE_DATABASE_AUTH=entra`
each new PostgreSQL connection's password is a Microsoft Entra access token for Azure Database for
PostgreSQL, from the same azure-identity credential chain as the Azure DevOps connection. Tokens
are cached and renewed five minutes before they expire (adocommon.credentials.EntraToken, the same cache
the Azure DevOps client and adoext use); connections default to TLS with the server's
name checked (`sslmode=verify-full`, `sslrootcert=system`) unless the URL says otherwise.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from adocommon.credentials import EntraToken, TokenCredential

from backend.azdo import credential_config
from backend.azdo.auth import build_credential
from backend.config import Settings
from backend.storage import Storage, StorageError, is_postgres_target, open_storage
from backend.storage.postgres import DEFAULT_POOL_SIZE, DEFAULT_POOL_TIMEOUT_S

log = logging.getLogger("backend.storage")
POSTGRES_SCOPE = "https://ossrdbms-aad.database.windows.net/.default"


def no_postgres_token(first_line: str) -> StorageError:
    """Log and return the storage error for a credential that gives no token."""
    log.error("no Microsoft Entra token for PostgreSQL: %s", first_line)
    return StorageError(f"no Microsoft Entra token for PostgreSQL: {first_line}")


class EntraPassword(EntraToken):
    """A password source for new connections: the current Entra token, renewed before it expires.

    The pool opens connections from several threads; EntraToken holds one token for all of them.
    """

    def __init__(self, credential: TokenCredential, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(credential, POSTGRES_SCOPE, clock=clock, failure=no_postgres_token)


def with_tls_default(conninfo: str) -> str:
    """Add sslmode=verify-full (system roots) unless the connection string chooses a mode itself."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    if "sslmode" in conninfo_to_dict(conninfo):
        return conninfo
    return make_conninfo(conninfo, sslmode="verify-full", sslrootcert="system")


def storage_for(
    settings: Settings, *, credential: TokenCredential | None = None, create: bool = True
) -> Storage:
    """Open the storage the settings name; `credential` replaces the Entra chain (tests use a stub).

    `create=False`: a SQLite file must exist already (read commands must not create one)."""
    password: Callable[[], str] | None = None
    if settings.database_auth == "entra":
        if credential is None:
            credential = build_credential(replace(credential_config(settings), mode="entra"))
        password = EntraPassword(credential)
    return open_database(
        settings.database, settings.database_url, password=password,
        pool_size=settings.database_pool_size, timeout_s=float(settings.database_timeout_s), create=create,
    )


def open_database(
    database: Path,
    url: str | None,
    *,
    password: Callable[[], str] | None = None,
    pool_size: int = DEFAULT_POOL_SIZE,
    timeout_s: float = DEFAULT_POOL_TIMEOUT_S,
    create: bool = True,
) -> Storage:
    """Open PostgreSQL or SQLite from a URL, else the SQLite file (an Entra password implies TLS)."""
    if url is None:
        return open_storage(database, create=create)
    if not is_postgres_target(url):
        return open_storage(url, create=create)
    if password is not None:
        url = with_tls_default(url)
    return open_storage(url, pool_size=pool_size, timeout_s=timeout_s, password=password)
