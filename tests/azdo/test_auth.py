"""Which azure-identity credential each configuration builds (no token is fetched here)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from azure.identity import CertificateCredential, DefaultAzureCredential, ManagedIdentityCredential
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from backend.azdo.auth import AzureDevOpsAuth, CredentialConfig, build_credential


def _certificate(tmp_path: Path) -> Path:
    """Write a throw-away self-signed certificate with its private key (PEM), as Entra expects."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "report-bridge-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "sp.pem"
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(key_pem + cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_managed_identity_with_client_id() -> None:
    credential = build_credential(
        CredentialConfig(managed_identity_client_id="11111111-2222-3333-4444-555555555555")
    )
    assert isinstance(credential, ManagedIdentityCredential)


def test_service_principal_with_certificate(tmp_path: Path) -> None:
    config = CredentialConfig(tenant_id="t-1", client_id="c-1", certificate_path=str(_certificate(tmp_path)))
    assert isinstance(build_credential(config), CertificateCredential)


def test_certificate_without_tenant_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="tenant id"):
        build_credential(CredentialConfig(certificate_path=str(_certificate(tmp_path))))


def test_default_azure_credential_otherwise() -> None:
    assert isinstance(build_credential(CredentialConfig()), DefaultAzureCredential)


def test_pat_mode_needs_a_pat() -> None:
    with pytest.raises(ValueError, match="personal access token"):
        AzureDevOpsAuth.from_config(CredentialConfig(mode="pat"))
