"""What the commands of backend/cli.py share: the context (settings, database), one-line errors, options.

Every command reads the environment as the served app does (Settings.from_env, once), so it opens the
database the app serves however the app was told of it (the variable, `_FILE`, Key Vault), and judges
each setting by the app's own rules; --database and --database-url win. Configuration, storage and
API errors become one-line ClickExceptions here (backend/cli.py's docstring).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import click

from backend import errors
from backend.auth.org_ids import parse_org_id, parse_project_id
from backend.config import ConfigError, Settings
from backend.database import storage_for
from backend.storage import Storage, StorageError, Tx, is_postgres_target


@dataclass
class CliContext:
    """What every command shares: the database its options name, and the settings they go into."""

    database: Path
    database_url: str | None = None
    _settings: Settings | None = field(default=None, init=False, repr=False)

    def applied(self, env: Settings) -> Settings:
        """Return `env` with the database the options name (a URL wins over the file, as in the app)."""
        settings = replace(env, database=self.database, database_url=self.database_url or env.database_url)
        settings.validate_database()
        return settings

    def settings(self) -> Settings:
        """Return the environment's settings with the options applied (no extension secret needed)."""
        if self._settings is None:
            self._settings = self.applied(Settings.from_env(extension_secret_required=False))
        return self._settings

    def open(self) -> Storage:
        """Open the database (an Entra token as the password where the settings say so)."""
        return storage_for(self.settings())

    def storage(self) -> Storage:
        """Open the database and bring its schema up to date."""
        storage = self.open()
        storage.upgrade()
        return storage

    @property
    def where(self) -> str:
        """Name the database for messages (a URL only by host and name: it may carry a password)."""
        url = self.settings().database_url
        if url is None:
            return str(self.database)
        if not is_postgres_target(url):
            return url
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(url)
        return f"postgresql {parts.get('host', 'local socket')}/{parts.get('dbname', '')}"


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn configuration and storage failures into one-line CLI errors."""
    try:
        yield
    except (ConfigError, StorageError, errors.AppError) as exc:
        raise click.ClickException(str(exc)) from None


MAX_KEY_NAME = 200  # a name says who the key is for ('support portal'); `keys list` prints it


def _shown(value: str) -> str:
    """Quote a value for an error line: short, and with its control characters escaped."""
    return repr(value if len(value) <= 80 else value[:80] + "...")


def _parsed_id(value: str | None, parse: Callable[[str], str | None], what: str) -> str | None:
    """Return the one spelling `parse` gives an id typed on the command line, or refuse it in one line."""
    if value is None:
        return None
    parsed = parse(value)
    if parsed is None:
        raise click.BadParameter(f"{_shown(value)} is not {what}")
    return parsed


def org_id_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Canonicalise an organization id given on the command line (the same spelling as every entry point)."""
    return _parsed_id(value, parse_org_id, "an organization id (SDK.getHost().id, a GUID)")


def tenant_id_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Canonicalise a tenant id given on the command line (app tokens' tid: a GUID, as an organization id)."""
    if not value or not value.strip():
        return None
    return _parsed_id(value, parse_org_id, "a tenant id (the GUID in app tokens' tid)")


def project_id_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Check a project id by the rule of the hub's routes, in their spelling: a key for any other id
    sends its reports where no page can show them."""
    return _parsed_id(value and value.strip(), parse_project_id, "an Azure DevOps project id (a GUID)")


def key_name_option(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A key's name: a short line of text (`keys list` prints it to the operator's terminal)."""
    name = value.strip()
    if not name or len(name) > MAX_KEY_NAME or not name.isprintable():
        raise click.BadParameter(
            f"{_shown(value)} is not a key name: 1 to {MAX_KEY_NAME} printable characters, "
            "e.g. 'support portal'"
        )
    return name


@contextmanager
def write(ctx: CliContext) -> Iterator[Tx]:
    """Open the database and a write transaction, with friendly errors."""
    with friendly_errors(), ctx.storage().transaction() as tx:
        yield tx
