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
from backend.config import ConfigError, Settings, parse_bind, shown, text_problem
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

    def open(self, *, create: bool = True) -> Storage:
        """Open the database (an Entra token as the password where the settings say so).

        `create=False` for commands that only read: a SQLite file that is not there is an error, not a new
        empty database (and folders) made to report on.
        """
        return storage_for(self.settings(), create=create)

    def storage(self, *, create: bool = True) -> Storage:
        """Open the database and bring its schema up to date."""
        storage = self.open(create=create)
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
MAX_ORG_NAME = 200  # an organization's display name; `projects list` prints it
# What backend.auth.org_ids accepts (ORG_ID_PATTERN): a GUID, or a short id as the local tools use.
ID_SHAPE = "a GUID or up to 64 letters, digits, '.', '_', '-'"


_shown = shown  # quote a value for an error line: short, control characters escaped (backend.config)


def check_command_line(ctx: click.Context, args: list[str]) -> None:
    """Refuse, in one usage line, any argument that is not printable text: every option and argument of
    every command passes here once, before any is parsed.

    A byte that is not UTF-8 reaches Python as a lone surrogate, which SQLite and psycopg refuse with a
    traceback; a control character in a name rewrites the terminal that lists it. The value is not quoted:
    it may be a password (--database-url).
    """
    for index, arg in enumerate(args):
        problem = text_problem(arg)
        if problem is None:
            continue
        if arg.startswith("--") and "=" in arg:
            where = f"'{arg.partition('=')[0]}'"
        elif index and args[index - 1].startswith("-") and not arg.startswith("-"):
            where = f"'{args[index - 1]}'"  # its value, or a positional argument after a flag
        else:
            where = f"argument {index + 1} of the command line"
        raise click.UsageError(f"Invalid value for {where}: {problem}", ctx)


def database_option(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | str | None:
    """--database (a Path) and --database-url (or their variables): trimmed, never empty, printable text.

    Both follow one rule, so `--database '   '` is not a file named three spaces."""
    if value is None:
        return None
    problem = text_problem(value)
    if problem:  # not quoted: a URL may hold a password
        raise click.BadParameter(problem)
    if not value.strip():
        raise click.BadParameter("must not be empty")
    return Path(value.strip()) if param.name == "database" else value.strip()


def bind_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--bind: host:port, [IPv6]:port or unix:/path, checked before anything is opened or migrated."""
    if value is None:
        return None
    try:
        return parse_bind(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _parsed_id(value: str | None, parse: Callable[[str], str | None], what: str) -> str | None:
    """Return the one spelling `parse` gives an id typed on the command line, or refuse it in one line."""
    if value is None:
        return None
    parsed = parse(value)
    if parsed is None:
        raise click.BadParameter(f"{_shown(value)} is not {what}.")
    return parsed


def org_id_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Canonicalise an organization id given on the command line (the same spelling as every entry point)."""
    return _parsed_id(value, parse_org_id, f"an organization id (SDK.getHost().id: {ID_SHAPE})")


def tenant_id_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Canonicalise a tenant id given on the command line (app tokens' tid, shaped as an organization id)."""
    if not value or not value.strip():
        return None
    return _parsed_id(value, parse_org_id, f"a tenant id (app tokens' tid: {ID_SHAPE})")


def project_id_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Check a project id by the rule of the hub's routes, in their spelling: a key for any other id
    sends its reports where no page can show them."""
    return _parsed_id(value and value.strip(), parse_project_id, f"an Azure DevOps project id ({ID_SHAPE})")


def key_name_option(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A key's name: a short line of text (`keys list` prints it to the operator's terminal)."""
    name = value.strip()
    if not name or len(name) > MAX_KEY_NAME or not name.isprintable():
        raise click.BadParameter(
            f"{_shown(value)} is not a key name: 1 to {MAX_KEY_NAME} printable characters, "
            "e.g. 'support portal'"
        )
    return name


def org_name_option(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """An organization's display name: empty, or a short line of text (`projects list` prints it)."""
    name = value.strip()
    if len(name) > MAX_ORG_NAME or not name.isprintable():
        raise click.BadParameter(
            f"{_shown(value)} is not an organization name: up to {MAX_ORG_NAME} printable characters"
        )
    return name


@contextmanager
def read(ctx: CliContext) -> Iterator[Tx]:
    """Open an existing database (never creating one) and a read snapshot, with friendly errors."""
    with friendly_errors(), ctx.storage(create=False).snapshot() as tx:
        yield tx


@contextmanager
def write(ctx: CliContext) -> Iterator[Tx]:
    """Open the database and a write transaction, with friendly errors."""
    with friendly_errors(), ctx.storage().transaction() as tx:
        yield tx
