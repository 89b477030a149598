"""Frozen, typed settings built once from REPORT_BRIDGE_* environment variables.

How to add a setting (other features do this with small edits):
  1. add a typed field with a default to `Settings` (keep fields grouped by feature);
  2. read it in `Settings.from_env` through `env.text/flag/integer/items/secret/secret_items`
     (secrets accept the variable, `<NAME>_FILE`, or Azure Key Vault);
  3. add a row to the README "Configuration" table.
Settings never log their secret values (`repr=False` on every secret field).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from adocommon.text import first_line

from backend.config_values import (
    DIGITS,
    ConfigError,
    check_certificate,
    parse_bind,
    read_secret_file,
    shown,
    text_problem,
)
from backend.storage import is_postgres_target

__all__ = ["ConfigError", "Settings", "parse_bind", "shown", "text_problem", "vault_secret_name"]

PREFIX = "REPORT_BRIDGE_"  # the same as backend.config_values.PREFIX
DEFAULT_DATABASE = Path("var/report-bridge.db")
DEFAULT_MAX_BODY_BYTES = 64 * 1024
DEFAULT_TOKEN_MAX_LENGTH = 4096  # real app tokens are ~500 characters
MAX_TOKEN_LEEWAY_SECONDS = 60
DEFAULT_BIND = "127.0.0.1:8000"
DEFAULT_INTAKE_RATE_LIMIT = 600  # intake POSTs per key per minute (issue 11)
DEFAULT_AZDO_HUB_ID = "report-bridge.report-bridge.customer-reports"  # {publisher}.{extension}.{hub}

Environment = Literal["development", "production"]


class SecretReader(Protocol):
    """What we need from azure.keyvault.secrets.SecretClient (tests pass a real client on a fake vault)."""

    def get_secret(self, name: str) -> object: ...


@dataclass(frozen=True)
class Settings:
    """Everything the backend reads from its environment, validated once at start-up."""

    extension_secret: str = field(repr=False)  # "" when read for a command that verifies no token
    environment: Environment = "production"
    database: Path = DEFAULT_DATABASE
    # PostgreSQL (issue 12): a libpq URL or key=value string; wins over `database` when set.
    database_url: str | None = field(default=None, repr=False)  # may carry a password
    database_auth: Literal["password", "entra"] = "password"
    database_pool_size: int = 4  # connections per process (per gunicorn worker, per outbox worker)
    database_timeout_s: int = 5  # waiting for a pooled connection before 503 storage_unavailable
    # Extension tokens (issue 3).
    extension_previous_secrets: tuple[str, ...] = field(default=(), repr=False)
    extension_audiences: tuple[str, ...] = ()
    extension_publisher: str | None = None
    token_leeway_seconds: int = MAX_TOKEN_LEEWAY_SECONDS
    token_max_length: int = DEFAULT_TOKEN_MAX_LENGTH
    # HTTP.
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    proxy_hops: int = 0
    log_level: str = "INFO"
    audit_sync: bool = False  # True: write each audit row on the request path instead of the writer thread
    bind: str = DEFAULT_BIND
    workers: int = 0  # 0 = derive from CPU count at serve time
    key_vault_url: str | None = None
    intake_rate_limit: int = DEFAULT_INTAKE_RATE_LIMIT  # per key per minute, shared by all workers; 0 = off
    # Azure DevOps integration (issue 5).
    azdo_org_urls: tuple[str, ...] = ()
    azdo_auth_mode: Literal["entra", "pat"] = "entra"
    azdo_pat: str | None = field(default=None, repr=False)
    azdo_client_id: str | None = None
    azdo_certificate_path: Path | None = None
    azdo_tenant_id: str | None = None  # with a certificate: service principal; else MI client id
    azdo_hub_id: str = DEFAULT_AZDO_HUB_ID  # bugs link back to the report in this hub
    webhook_username: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_previous_secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def extension_secrets(self) -> tuple[str, ...]:
        """Return the current extension secret followed by the previous ones."""
        return (self.extension_secret, *self.extension_previous_secrets)

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """Return the exact origins allowed by CORS."""
        marketplace = (
            (f"https://{self.extension_publisher.lower()}.gallerycdn.vsassets.io",)
            if self.extension_publisher
            else ()
        )
        return marketplace + self.cors_origins

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        secret_client: SecretReader | None = None,
        extension_secret_required: bool = True,
    ) -> Settings:
        """Build settings from REPORT_BRIDGE_* variables; raise ConfigError with one clear line.

        Only what verifies extension tokens (the served app) needs the extension secret: the operations
        CLI reads every other setting here too, with `extension_secret_required=False` (the secret is
        then not read at all, and left empty).
        """
        env = _Env(os.environ if environ is None else environ, secret_client)
        environment = env.choice("ENVIRONMENT", ("production", "development"), "production")
        settings = cls(
            extension_secret=env.required_secret("EXTENSION_SECRET") if extension_secret_required else "",
            environment=environment,  # type: ignore[arg-type]
            database=Path(env.text("DATABASE") or DEFAULT_DATABASE),
            database_url=env.secret("DATABASE_URL"),
            database_auth=env.choice("DATABASE_AUTH", ("password", "entra"), "password"),  # type: ignore[arg-type]
            database_pool_size=env.integer("DATABASE_POOL_SIZE", 4, 1, 100),
            database_timeout_s=env.integer("DATABASE_TIMEOUT", 5, 1, 120),
            extension_previous_secrets=env.secret_items("EXTENSION_PREVIOUS_SECRETS"),
            extension_audiences=env.items("EXTENSION_AUDIENCES"),
            extension_publisher=env.text("EXTENSION_PUBLISHER"),
            token_leeway_seconds=env.integer("TOKEN_LEEWAY_SECONDS", MAX_TOKEN_LEEWAY_SECONDS, 0, 60),
            token_max_length=env.integer("TOKEN_MAX_LENGTH", DEFAULT_TOKEN_MAX_LENGTH, 256, 16384),
            cors_origins=env.items("CORS_ORIGINS"),
            max_body_bytes=env.integer("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, 1024, 10 * 2**20),
            proxy_hops=env.integer("PROXY_HOPS", 0, 0, 5),
            log_level=env.choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
            audit_sync=env.choice("AUDIT_SYNC", ("true", "false"), "false") == "true",
            bind=env.text("BIND") or DEFAULT_BIND,
            workers=env.integer("WORKERS", 0, 0, 256),
            key_vault_url=env.text("KEY_VAULT_URL"),
            intake_rate_limit=env.integer("INTAKE_RATE_LIMIT", DEFAULT_INTAKE_RATE_LIMIT, 0, 1_000_000),
            azdo_org_urls=env.items("AZDO_ORG_URLS"),
            azdo_auth_mode=env.choice("AZDO_AUTH_MODE", ("entra", "pat"), "entra"),  # type: ignore[arg-type]
            azdo_pat=env.secret("AZDO_PAT"),
            azdo_client_id=env.text("AZDO_CLIENT_ID"),
            azdo_certificate_path=env.path("AZDO_CERTIFICATE_PATH"),
            azdo_tenant_id=env.text("AZDO_TENANT_ID"),
            azdo_hub_id=env.text("AZDO_HUB_ID") or DEFAULT_AZDO_HUB_ID,
            webhook_username=env.text("WEBHOOK_USERNAME"),
            webhook_secret=env.secret("WEBHOOK_SECRET"),
            webhook_previous_secrets=env.secret_items("WEBHOOK_PREVIOUS_SECRETS"),
        )
        settings.validate(extension_secret_required=extension_secret_required)
        # What names a file or a socket is checked where the environment is read (start-up), so a bad
        # path or port is one line at start, not a traceback where it is first used.
        try:
            parse_bind(settings.bind)
        except ValueError as exc:
            raise ConfigError(f"{PREFIX}BIND: {exc}") from None
        if settings.azdo_certificate_path is not None:
            check_certificate(settings.azdo_certificate_path)
        return settings

    def validate(self, *, extension_secret_required: bool = True) -> None:
        """Reject combinations that cannot work; raise ConfigError."""
        if extension_secret_required and not self.extension_secret:
            raise ConfigError("REPORT_BRIDGE_EXTENSION_SECRET is required (the extension's key)")
        self.validate_database()
        for origin in self.cors_origins:
            if not origin.startswith(("https://", "http://")) or origin.count("/") != 2:
                raise ConfigError(
                    f"REPORT_BRIDGE_CORS_ORIGINS: {shown(origin)} is not an origin (scheme://host[:port])"
                )
            if self.environment == "production" and origin.startswith("http://"):
                raise ConfigError(f"REPORT_BRIDGE_CORS_ORIGINS: {shown(origin)} must use https in production")

    def validate_database(self) -> None:
        """Reject a database setting no engine accepts (never echoing the URL: it may hold a password)."""
        url = self.database_url
        if not str(self.database).strip():
            raise ConfigError("the SQLite database path is empty (REPORT_BRIDGE_DATABASE, --database)")
        if url is not None and text_problem(url):  # never echoed: it may hold a password
            raise ConfigError(f"REPORT_BRIDGE_DATABASE_URL {text_problem(url)}")
        if url is not None and not (url.startswith("sqlite:") or is_postgres_target(url)):
            raise ConfigError(
                "REPORT_BRIDGE_DATABASE_URL must be postgresql://..., a libpq key=value string, or sqlite:///path"
            )
        if self.database_auth == "entra" and not (url and is_postgres_target(url)):
            raise ConfigError(
                "REPORT_BRIDGE_DATABASE_AUTH=entra needs a PostgreSQL REPORT_BRIDGE_DATABASE_URL"
            )


class _Env:
    """Typed readers over one environment mapping (and an optional Key Vault)."""

    def __init__(self, environ: Mapping[str, str], secret_client: SecretReader | None) -> None:
        self._environ = environ
        self._vault: Callable[[], SecretReader | None] = _vault_factory(environ, secret_client)

    def text(self, name: str) -> str | None:
        """Every setting passes here (secrets too): trimmed, and one line of printable text."""
        value = self._environ.get(PREFIX + name, "").strip()
        problem = text_problem(value)
        if problem:  # the value is not echoed: it may be a secret
            raise ConfigError(f"{PREFIX}{name} {problem}")
        return value or None

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.text(name) or default
        if value not in allowed:
            raise ConfigError(f"{PREFIX}{name} must be one of {', '.join(allowed)} (got {shown(value)})")
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        if self.text(name) is None:
            return default
        raw = self._environ[PREFIX + name]  # untrimmed: " 5 " is refused as int() would not refuse it
        if DIGITS.fullmatch(raw) is None:
            raise ConfigError(f"{PREFIX}{name} must be an integer of ASCII digits (got {shown(raw)})")
        value = int(raw)
        if not low <= value <= high:
            raise ConfigError(f"{PREFIX}{name} must be between {low} and {high} (got {value})")
        return value

    def items(self, name: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in (self.text(name) or "").split(",") if part.strip())

    def path(self, name: str) -> Path | None:
        raw = self.text(name)
        return Path(raw) if raw else None

    def secret(self, name: str) -> str | None:
        """Read a secret from the variable, then `<name>_FILE`, then Key Vault."""
        value = self.text(name)
        if value:
            return value
        file_name = self.text(name + "_FILE")
        if file_name:
            return read_secret_file(name + "_FILE", Path(file_name))
        vault = self._vault()
        return _read_vault_secret(vault, name) if vault is not None else None

    def required_secret(self, name: str) -> str:
        value = self.secret(name)
        if not value:
            raise ConfigError(
                f"{PREFIX}{name} is required: set it, {PREFIX}{name}_FILE, or put it in Key Vault "
                f"as {vault_secret_name(name)}"
            )
        return value

    def secret_items(self, name: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in (self.secret(name) or "").split(",") if part.strip())


def vault_secret_name(name: str) -> str:
    """Return the Key Vault secret name for a setting (vault names allow only letters, digits, dashes)."""
    return (PREFIX + name).lower().replace("_", "-")


def _vault_factory(
    environ: Mapping[str, str], injected: SecretReader | None
) -> Callable[[], SecretReader | None]:
    """Create the Key Vault client lazily, only when a secret is not in the environment."""
    cache: list[SecretReader | None] = []

    def get() -> SecretReader | None:
        if not cache:
            url = environ.get(PREFIX + "KEY_VAULT_URL", "").strip()
            if injected is not None:
                cache.append(injected)
            elif url:
                from azure.identity import DefaultAzureCredential
                from azure.keyvault.secrets import SecretClient

                cache.append(SecretClient(vault_url=url, credential=DefaultAzureCredential()))
            else:
                cache.append(None)
        return cache[0]

    return get


def _read_vault_secret(vault: SecretReader, name: str) -> str | None:
    """Read one secret; a missing secret is None, any other failure stops start-up."""
    from azure.core.exceptions import AzureError, ResourceNotFoundError

    try:
        secret = vault.get_secret(vault_secret_name(name))
    except ResourceNotFoundError:
        return None
    except AzureError as exc:
        raise ConfigError(f"Key Vault: cannot read {vault_secret_name(name)}: {first_line(exc)}") from None
    value = getattr(secret, "value", None)
    return str(value).strip() or None if value else None
