"""Settings from the environment: values, _FILE secrets, Azure Key Vault (a local emulator over HTTPS)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import secrets
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import pytest
from azure.core.credentials import AccessToken
from azure.keyvault.secrets import SecretClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend.config import ConfigError, Settings, vault_secret_name

SECRET = "extension-key-" + "s" * 30


def test_minimal_environment() -> None:
    settings = Settings.from_env({"REPORT_BRIDGE_EXTENSION_SECRET": SECRET})
    assert settings.environment == "production"
    assert settings.database == Path("var/report-bridge.db")
    assert settings.extension_secrets == (SECRET,)
    assert SECRET not in repr(settings)


def test_full_environment_is_parsed() -> None:
    settings = Settings.from_env(
        {
            "REPORT_BRIDGE_EXTENSION_SECRET": SECRET,
            "REPORT_BRIDGE_EXTENSION_PREVIOUS_SECRETS": "old-1, old-2,",
            "REPORT_BRIDGE_EXTENSION_AUDIENCES": "aud-1,aud-2",
            "REPORT_BRIDGE_EXTENSION_PUBLISHER": "ContosoTools",
            "REPORT_BRIDGE_ENVIRONMENT": "development",
            "REPORT_BRIDGE_CORS_ORIGINS": "http://127.0.0.1:8002",
            "REPORT_BRIDGE_DATABASE": "/tmp/x.db",
            "REPORT_BRIDGE_MAX_BODY_BYTES": "2048",
        }
    )
    assert settings.extension_secrets == (SECRET, "old-1", "old-2")
    assert settings.extension_audiences == ("aud-1", "aud-2")
    assert settings.allowed_origins == (
        "https://contosotools.gallerycdn.vsassets.io",
        "http://127.0.0.1:8002",
    )
    assert (settings.environment, settings.database, settings.max_body_bytes) == (
        "development",
        Path("/tmp/x.db"),
        2048,
    )


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "REPORT_BRIDGE_EXTENSION_SECRET is required"),
        ({"REPORT_BRIDGE_ENVIRONMENT": "staging"}, "REPORT_BRIDGE_ENVIRONMENT must be one of"),
        ({"REPORT_BRIDGE_MAX_BODY_BYTES": "lots"}, "must be an integer"),
        ({"REPORT_BRIDGE_TOKEN_LEEWAY_SECONDS": "300"}, "between 0 and 60"),
        ({"REPORT_BRIDGE_CORS_ORIGINS": "https://dev.azure.com/org"}, "is not an origin"),
        ({"REPORT_BRIDGE_CORS_ORIGINS": "http://127.0.0.1:8002"}, "must use https in production"),
        ({"REPORT_BRIDGE_EXTENSION_SECRET_FILE": "/nonexistent/secret"}, "cannot read /nonexistent/secret"),
    ],
)
def test_bad_settings_stop_with_one_line(environ: dict[str, str], message: str) -> None:
    base = {} if "SECRET" in "".join(environ) or not environ else {"REPORT_BRIDGE_EXTENSION_SECRET": SECRET}
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({**base, **environ})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_secret_from_file(tmp_path: Path) -> None:
    path = tmp_path / "extension.key"
    path.write_text(SECRET + "\n", encoding="utf-8")
    settings = Settings.from_env({"REPORT_BRIDGE_EXTENSION_SECRET_FILE": str(path)})
    assert settings.extension_secret == SECRET


class StaticCredential:
    """An azure-core token credential holding one token (the emulator accepts exactly it)."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        self.scopes += scopes
        return AccessToken(self.token, int(time.time()) + 3600)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "vault.crt", directory / "vault.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def key_vault_emulator(secrets_by_name: dict[str, str], token: str) -> type[BaseHTTPRequestHandler]:
    """Build a local emulator of Key Vault's GET /secrets/{name} with its bearer challenge."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.headers.get("Authorization") != f"Bearer {token}":
                challenge = 'Bearer authorization="https://login.microsoftonline.com/tenant", resource="https://vault.azure.net"'
                self._send(401, {"error": {"code": "Unauthorized", "message": "no token"}}, challenge)
                return
            name = self.path.split("?")[0].strip("/").split("/")[1]
            if name not in secrets_by_name:
                self._send(404, {"error": {"code": "SecretNotFound", "message": f"{name} not found"}})
                return
            base = f"https://127.0.0.1:{cast(tuple[str, int], self.server.server_address)[1]}"
            self._send(
                200,
                {
                    "value": secrets_by_name[name],
                    "id": f"{base}/secrets/{name}/v1",
                    "attributes": {"enabled": True},
                },
            )

        def _send(self, status: int, body: dict[str, Any], challenge: str | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if challenge:
                self.send_header("WWW-Authenticate", challenge)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[tuple[SecretClient, StaticCredential]]:
    stored = {
        vault_secret_name("EXTENSION_SECRET"): SECRET,
        vault_secret_name("EXTENSION_PREVIOUS_SECRETS"): "old-key",
    }
    token = secrets.token_urlsafe(16)
    cert_path, key_path = self_signed_certificate(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), key_vault_emulator(stored, token))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    credential = StaticCredential(token)
    client = SecretClient(
        vault_url=f"https://127.0.0.1:{server.server_address[1]}",
        credential=credential,
        connection_verify=str(cert_path),
        verify_challenge_resource=False,  # the emulator's host is not *.vault.azure.net
    )
    yield client, credential
    client.close()
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_secrets_come_from_key_vault(vault: tuple[SecretClient, StaticCredential]) -> None:
    client, credential = vault
    settings = Settings.from_env(
        {"REPORT_BRIDGE_KEY_VAULT_URL": "https://example.vault.azure.net"}, secret_client=client
    )
    assert settings.extension_secrets == (SECRET, "old-key")
    assert settings.webhook_secret is None  # absent from the vault: not an error
    assert credential.scopes and credential.scopes[0] == "https://vault.azure.net/.default"


def test_environment_value_wins_over_key_vault(vault: tuple[SecretClient, StaticCredential]) -> None:
    client, _ = vault
    settings = Settings.from_env(
        {"REPORT_BRIDGE_EXTENSION_SECRET": "from-env-" + "e" * 30}, secret_client=client
    )
    assert settings.extension_secret.startswith("from-env-")


def test_unreachable_key_vault_stops_start_up_with_one_line(tmp_path: Path) -> None:
    cert_path, _ = self_signed_certificate(tmp_path)
    client = SecretClient(
        vault_url="https://127.0.0.1:9",
        credential=StaticCredential("t"),
        connection_verify=str(cert_path),
        retry_total=0,
    )
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({}, secret_client=client)
    assert str(caught.value).startswith("Key Vault: cannot read report-bridge-extension-secret")
    assert "\n" not in str(caught.value)
    client.close()


def test_database_url_picks_the_engine_and_is_never_shown(tmp_path: Path) -> None:
    from backend.storage import is_postgres_target

    secret = secrets.token_urlsafe(16)
    url = f"postgresql://rb:{secret}@db.example.com/rb?sslmode=verify-full"
    url_file = tmp_path / "url"
    url_file.write_text(url + "\n")
    base = {"REPORT_BRIDGE_EXTENSION_SECRET": secrets.token_urlsafe(16)}
    settings = Settings.from_env({**base, "REPORT_BRIDGE_DATABASE_URL_FILE": str(url_file),
                                  "REPORT_BRIDGE_DATABASE_POOL_SIZE": "2"})
    assert settings.database_url == url and settings.database_pool_size == 2
    assert secret not in repr(settings)
    assert is_postgres_target(url) and is_postgres_target("host=db dbname=rb")
    assert not is_postgres_target("sqlite:///var/rb.db") and not is_postgres_target(Path("a=b.db"))
    with pytest.raises(ConfigError, match="must be postgresql://") as refused:
        Settings.from_env({**base, "REPORT_BRIDGE_DATABASE_URL": f"mysql://rb:{secret}@db/rb"})
    assert secret not in str(refused.value)
    with pytest.raises(ConfigError, match="entra needs a PostgreSQL"):
        Settings.from_env({**base, "REPORT_BRIDGE_DATABASE_AUTH": "entra"})


def test_settings_for_a_command_that_verifies_no_token_build_no_app(tmp_path: Path) -> None:
    """The operations CLI reads settings without the extension secret; an app refuses to start on them."""
    from backend import create_app

    settings = Settings.from_env(
        {"REPORT_BRIDGE_DATABASE": str(tmp_path / "rb.db"), "REPORT_BRIDGE_DATABASE_POOL_SIZE": "3"},
        extension_secret_required=False,
    )
    assert settings.extension_secret == "" and settings.database_pool_size == 3
    with pytest.raises(ConfigError, match="REPORT_BRIDGE_EXTENSION_SECRET is required"):
        create_app(settings)
    assert not (tmp_path / "rb.db").exists()


@pytest.mark.parametrize("setting", ["AZDO_PAT", "WEBHOOK_SECRET", "DATABASE_URL", "EXTENSION_SECRET"])
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\xff\xfeabc", "it is not UTF-8 text"),
        (b"abc\x00def", "must not contain control characters"),
        (b"abc\ndef\n", "must not contain control characters"),
        (None, "Is a directory"),
    ],
    ids=["not-utf8", "nul", "two-lines", "directory"],
)
def test_every_file_secret_that_cannot_be_read_is_one_config_error(
    tmp_path: Path, setting: str, content: bytes | None, problem: str
) -> None:
    path = tmp_path / "secret"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    environ = {f"REPORT_BRIDGE_{setting}_FILE": str(path)}
    if setting != "EXTENSION_SECRET":
        environ["REPORT_BRIDGE_EXTENSION_SECRET"] = SECRET
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(environ)
    message = str(caught.value)
    assert message.startswith(f"REPORT_BRIDGE_{setting}_FILE: cannot read {path}") and problem in message
    assert "\n" not in message and "abc" not in message and "def" not in message


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_a_certificate_path_that_is_no_file_is_a_config_error_at_start(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "cert.pem"
    if kind == "directory":
        path.mkdir()
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(
            {"REPORT_BRIDGE_AZDO_CERTIFICATE_PATH": str(path), "REPORT_BRIDGE_AZDO_TENANT_ID": "t"},
            extension_secret_required=False,
        )
    assert str(caught.value).startswith(f"REPORT_BRIDGE_AZDO_CERTIFICATE_PATH: '{path}'")


@pytest.mark.parametrize("raw", ["5_0", "\u0663", " 5 ", "5 ", "+5", "0x5", "5.0", "1" * 100_000])
def test_integer_settings_are_ascii_digits_only(raw: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"REPORT_BRIDGE_DATABASE_POOL_SIZE": raw}, extension_secret_required=False)
    message = str(caught.value)
    assert message.startswith("REPORT_BRIDGE_DATABASE_POOL_SIZE must be an integer") and len(message) < 200
    assert Settings.from_env(
        {"REPORT_BRIDGE_DATABASE_POOL_SIZE": "50"}, extension_secret_required=False
    ).database_pool_size == 50


@pytest.mark.parametrize("name", ["LOG_LEVEL", "AZDO_PAT", "DATABASE", "CORS_ORIGINS"])
@pytest.mark.parametrize("bad", ["\udcff", "\x1b[2J", "a\x00b"])
def test_a_setting_that_is_not_printable_text_is_refused_without_its_value(name: str, bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({f"REPORT_BRIDGE_{name}": f"zq{bad}qz"}, extension_secret_required=False)
    assert str(caught.value).startswith(f"REPORT_BRIDGE_{name} must ") and "zq" not in str(caught.value)
