"""The app-token corpus: every bad token is a 401 with its stable code, never a 500."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient

from backend import errors
from backend.auth.tokens import APP_TOKEN_ISSUER, AppTokenVerifier
from backend.config import Settings
from backend.devtools.tokens import mint_app_token

from .conftest import AUDIENCE, TENANT_A


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def raw_token(
    header: dict[str, Any], payload: dict[str, Any], key: bytes | None, digest: str = "sha256"
) -> str:
    """Sign a JWT by hand, so tests can build tokens PyJWT refuses to make."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = b"" if key is None else hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64(signature)}"


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "nameid": TENANT_A.user_id,
        "tid": TENANT_A.tenant_id,
        "jti": str(uuid.uuid4()),
        "iss": APP_TOKEN_ISSUER,
        "aud": AUDIENCE,
        "nbf": now,
        "exp": now + 4200,
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def call(client: FlaskClient, token: str | None, *, query: str = "", scheme: str = "Bearer") -> Any:
    headers = {"X-Report-Bridge-Org-Id": TENANT_A.org_id, "X-Report-Bridge-Org-Name": TENANT_A.org_name}
    if token is not None:
        headers["Authorization"] = f"{scheme} {token}"
    return client.get(f"/api/v1/me{query}", headers=headers)


def assert_refused(response: Any, code: str) -> None:
    assert response.status_code == 401, response.get_json()
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    body = response.get_json()
    assert body["error"]["code"] == code
    assert set(body["error"]) == {"code", "message", "details"}


def hs256(settings: Settings, **overrides: Any) -> str:
    return raw_token({"typ": "JWT", "alg": "HS256"}, claims(**overrides), settings.extension_secret.encode())


CORPUS: list[tuple[str, Callable[[Settings], str], str]] = [
    ("expired", lambda s: hs256(s, exp=int(time.time()) - 120, nbf=int(time.time()) - 5000), "token_expired"),
    ("not yet valid", lambda s: hs256(s, nbf=int(time.time()) + 300), "token_not_yet_valid"),
    ("wrong key", lambda s: raw_token({"alg": "HS256"}, claims(), b"x" * 40), "token_signature"),
    ("alg none", lambda s: raw_token({"typ": "JWT", "alg": "none"}, claims(), None), "token_signature"),
    ("alg None unsigned", lambda s: raw_token({"alg": "None"}, claims(), None), "token_signature"),
    (
        "HS512 with the right key",
        lambda s: raw_token({"alg": "HS512"}, claims(), s.extension_secret.encode(), "sha512"),
        "token_signature",
    ),
    ("wrong issuer", lambda s: hs256(s, iss="https://app.vstoken.visualstudio.com"), "token_issuer"),
    ("other issuer", lambda s: hs256(s, iss="login.microsoftonline.com"), "token_issuer"),
    ("missing issuer", lambda s: hs256(s, iss=None), "token_issuer"),
    ("wrong audience", lambda s: hs256(s, aud="f3855d44-0000-0000-0000-000000000000"), "token_audience"),
    ("missing audience", lambda s: hs256(s, aud=None), "token_audience"),
    ("missing nameid", lambda s: hs256(s, nameid=None), "token_claims"),
    ("missing tid", lambda s: hs256(s, tid=None), "token_claims"),
    ("missing exp", lambda s: hs256(s, exp=None), "token_claims"),
    ("empty nameid", lambda s: hs256(s, nameid=""), "token_claims"),
    ("numeric tid", lambda s: hs256(s, tid=12345), "token_claims"),
    ("exp not a number", lambda s: hs256(s, exp="tomorrow"), "token_malformed"),
    ("not base64", lambda s: "not!base64.at*all.%%%", "token_malformed"),
    ("two segments", lambda s: ".".join(hs256(s).split(".")[:2]), "token_malformed"),
    ("garbage", lambda s: "Zm9v", "token_malformed"),
    ("header not json", lambda s: b64(b"{nope") + "." + hs256(s).split(".", 1)[1], "token_malformed"),
    ("oversized", lambda s: hs256(s, padding="x" * 5000), "token_malformed"),
]


@pytest.mark.parametrize(
    ("token_factory", "code"), [(f, c) for _, f, c in CORPUS], ids=[n for n, _, _ in CORPUS]
)
def test_bad_tokens_are_refused_with_their_code(
    client: FlaskClient, settings: Settings, token_factory: Callable[[Settings], str], code: str
) -> None:
    assert_refused(call(client, token_factory(settings)), code)


def test_tampered_payload_fails_the_signature(client: FlaskClient, settings: Settings) -> None:
    header, _, signature = hs256(settings).split(".")
    forged = b64(json.dumps(claims(tid="tid-attacker")).encode())
    assert_refused(call(client, f"{header}.{forged}.{signature}"), "token_signature")


@pytest.mark.parametrize("cut", [1, 2, 12, 43, 44, 60])
def test_truncated_token_is_refused(client: FlaskClient, settings: Settings, cut: int) -> None:
    response = call(client, hs256(settings)[:-cut])
    # Where the cut lands decides whether the rest still parses; either way it is a clean 401.
    code = response.get_json()["error"]["code"]
    assert code in {"token_malformed", "token_signature"}
    assert_refused(response, code)


def test_token_only_in_query_string_is_not_accepted(client: FlaskClient, settings: Settings) -> None:
    assert_refused(call(client, None, query=f"?token={hs256(settings)}"), "token_missing")


@pytest.mark.parametrize("scheme", ["Basic", "Token", "JWT"])
def test_other_authorization_schemes_are_refused(
    client: FlaskClient, settings: Settings, scheme: str
) -> None:
    assert_refused(call(client, hs256(settings), scheme=scheme), "token_missing")


def test_missing_header_is_token_missing(client: FlaskClient) -> None:
    assert_refused(call(client, None), "token_missing")


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_scheme_is_case_insensitive(client: FlaskClient, settings: Settings, scheme: str) -> None:
    response = call(client, hs256(settings), scheme=scheme)
    assert response.status_code == 200
    assert response.get_json()["userId"] == TENANT_A.user_id


def test_expiry_within_leeway_is_accepted(client: FlaskClient, settings: Settings) -> None:
    now = int(time.time())
    assert call(client, hs256(settings, exp=now - 20, nbf=now - 4000)).status_code == 200
    assert call(client, hs256(settings, nbf=now + 20)).status_code == 200


def test_previous_key_is_accepted_and_logged(
    client: FlaskClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    previous = settings.extension_previous_secrets[0]
    token = raw_token({"alg": "HS256", "typ": "JWT"}, claims(), previous.encode())
    with caplog.at_level(logging.INFO, logger="backend.auth"):
        response = call(client, token)
    assert response.status_code == 200
    assert "previous extension key #1" in caplog.text
    assert token not in caplog.text


def test_rejected_audience_is_logged_without_the_token(
    client: FlaskClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    token = hs256(settings, aud="f3855d44-aaaa-bbbb-cccc-000000000000")
    with caplog.at_level(logging.WARNING, logger="backend.auth"):
        assert_refused(call(client, token), "token_audience")
    assert "f3855d44-aaaa-bbbb-cccc-000000000000" in caplog.text
    assert token not in caplog.text
    assert token.split(".")[2] not in caplog.text


def test_without_configured_audiences_any_audience_is_accepted(
    make_app: Callable[..., Flask], settings: Settings
) -> None:
    client = make_app(extension_audiences=()).test_client()
    assert call(client, hs256(settings, aud="anything")).status_code == 200
    assert call(client, hs256(settings, aud=None)).status_code == 200


def test_rs256_token_with_its_public_key_configured_as_secret_is_refused(
    make_app: Callable[..., Flask],
) -> None:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    client = make_app(extension_secret=public_pem.decode(), extension_previous_secrets=()).test_client()
    rs256 = jwt.encode(claims(), private_key, algorithm="RS256")
    assert_refused(call(client, rs256), "token_signature")
    # Algorithm confusion: HS256 keyed with the public key's PEM bytes must not verify either.
    confused = raw_token({"alg": "HS256", "typ": "JWT"}, claims(), public_pem)
    assert_refused(call(client, confused), "token_signature")


def test_me_returns_the_verified_identity(
    client: FlaskClient, ui_headers: Callable[..., dict[str, str]]
) -> None:
    response = client.get("/api/v1/me", headers=ui_headers())
    assert response.status_code == 200
    assert response.get_json() == {
        "userId": TENANT_A.user_id,
        "tenantId": TENANT_A.tenant_id,
        "organization": {"id": TENANT_A.org_id, "name": TENANT_A.org_name},
        "capabilities": {"createBug": False},  # these settings have no Azure DevOps connection
    }


def test_hmac_signature_is_over_utf8_bytes_of_the_secret(make_app: Callable[..., Flask]) -> None:
    secret = "Ünïcödé-extension-key-" + "k" * 20  # the key string as downloaded, used as UTF-8 bytes
    client = make_app(extension_secret=secret).test_client()
    token = raw_token({"alg": "HS256"}, claims(), secret.encode("utf-8"))
    assert call(client, token).status_code == 200
    latin1 = raw_token({"alg": "HS256"}, claims(), secret.encode("latin-1"))
    assert_refused(call(client, latin1), "token_signature")
    assert hashlib.sha256(secret.encode()).hexdigest()  # the secret is plain text, not base64


def test_remembered_token_is_still_refused_once_it_expires(settings: Settings) -> None:
    verifier = AppTokenVerifier(replace(settings, token_leeway_seconds=0))
    token = mint_app_token(
        settings.extension_secret, user_id="u", tenant_id="t", audience=AUDIENCE, lifetime=1
    )
    assert verifier.verify(token).user_id == "u"
    time.sleep(2.1)
    with pytest.raises(errors.TokenExpired):
        verifier.verify(token)


def test_a_failed_token_is_not_remembered_as_valid(settings: Settings) -> None:
    verifier = AppTokenVerifier(settings)
    token = raw_token({"alg": "HS256"}, claims(), b"w" * 40)
    for _ in range(2):
        with pytest.raises(errors.TokenSignature):
            verifier.verify(token)
