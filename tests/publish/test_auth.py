"""Credentials: Entra (stubbed credential with get_token), PATs from env/stdin/--token, no secret printed."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
from adoext.marketplace.auth import ADO_SCOPE, EntraAuth
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

from backend.devtools.marketplace_emulator.state import MarketplaceState

from .conftest import EXTENSION, PUBLISHER, Adoext, Secrets, VsixFactory, one_line_error


@dataclass
class StubCredential:
    """Stands in for DefaultAzureCredential: hands out a fixed token and records the scopes asked for."""

    token: str
    expires_in: int = 3600
    now: float = 1_800_000_000.0
    calls: list[tuple[str, ...]] = field(default_factory=list)
    error: Exception | None = None

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """Return the token, or raise the configured error."""
        self.calls.append(scopes)
        if self.error is not None:
            raise self.error
        return AccessToken(self.token, int(self.now) + self.expires_in)


def _authorization_headers(marketplace: MarketplaceState) -> set[str]:
    return {r.headers["Authorization"] for r in marketplace.requests if "Authorization" in r.headers}


def test_entra_publish_sends_the_token_as_bearer(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, creds: Secrets
) -> None:
    stub = StubCredential(creds.bearer)
    adoext.runtime_overrides["credential_factory"] = lambda: stub

    result = adoext("publish", "--vsix", str(make_vsix()), "--auth", "entra", pat=None)

    assert result.exit_code == 0, result.output
    assert (PUBLISHER, EXTENSION) in marketplace.extensions
    assert _authorization_headers(marketplace) == {f"Bearer {creds.bearer}"}
    assert stub.calls and set(stub.calls) == {(ADO_SCOPE,)}
    assert creds.bearer not in result.output


def test_auto_auth_uses_entra_when_no_pat_is_given(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, creds: Secrets
) -> None:
    adoext.runtime_overrides["credential_factory"] = lambda: StubCredential(creds.bearer)

    result = adoext("publish", "--vsix", str(make_vsix()), "--no-wait-validation", pat=None)

    assert result.exit_code == 0, result.output
    assert _authorization_headers(marketplace) == {f"Bearer {creds.bearer}"}


def test_entra_identity_outside_the_publisher_gets_the_entra_advice(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    stranger = secrets.token_urlsafe(32)
    marketplace.add_bearer(stranger, "unrelated-sp")
    adoext.runtime_overrides["credential_factory"] = lambda: StubCredential(stranger)

    result = adoext("publish", "--vsix", str(make_vsix()), "--auth", "entra", pat=None)

    assert result.exit_code == 6
    line = one_line_error(result)
    assert "HTTP 403" in line and "as a member of the publisher" in line
    assert "Marketplace (Publish) scope" not in line


def test_entra_credential_failure_is_one_line(adoext: Adoext, make_vsix: VsixFactory) -> None:
    error = ClientAuthenticationError(
        "DefaultAzureCredential failed to retrieve a token from the included credentials.\n"
        "Attempted credentials:\n\tEnvironmentCredential: incomplete configuration"
    )
    adoext.runtime_overrides["credential_factory"] = lambda: StubCredential("unused", error=error)

    result = adoext(
        "show", "--publisher", PUBLISHER, "--extension-id", EXTENSION, "--auth", "entra", pat=None
    )

    assert result.exit_code == 6
    line = one_line_error(result)
    assert "Could not get a Microsoft Entra token for Azure DevOps (DefaultAzureCredential failed" in line
    assert "az login" in line


def test_entra_tokens_are_refreshed_before_they_expire() -> None:
    clock = [1_800_000_000.0]
    stub = StubCredential("first", expires_in=3600, now=clock[0])
    auth = EntraAuth(stub, clock=lambda: clock[0])
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200, json={})

    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        client.get("https://marketplace.example/a")
        clock[0] += 3000  # 10 minutes left: still good
        client.get("https://marketplace.example/b")
        clock[0] += 400  # 200 s left: inside the refresh margin
        stub.token = "second"
        client.get("https://marketplace.example/c")

    assert seen == ["Bearer first", "Bearer first", "Bearer second"]
    assert len(stub.calls) == 2


def test_pat_goes_as_basic_with_an_empty_user_name(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, creds: Secrets
) -> None:
    result = adoext("publish", "--vsix", str(make_vsix()), "--no-wait-validation")

    assert result.exit_code == 0, result.output
    expected = "Basic " + base64.b64encode(f":{creds.pat}".encode()).decode()
    assert _authorization_headers(marketplace) == {expected}
    assert all(r.headers.get("X-Tfs-Fedauthredirect") == "Suppress" for r in marketplace.requests)


def test_token_on_the_command_line_works_with_a_warning(
    adoext: Adoext, make_vsix: VsixFactory, creds: Secrets
) -> None:
    result = adoext(
        "publish", "--vsix", str(make_vsix()), "--no-wait-validation", "--token", creds.pat, pat=None
    )

    assert result.exit_code == 0, result.output
    assert "--token puts the secret in your shell history" in result.stderr


def test_token_from_stdin(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, creds: Secrets
) -> None:
    result = adoext(
        "publish",
        "--vsix",
        str(make_vsix()),
        "--no-wait-validation",
        "--token-stdin",
        pat=None,
        stdin=creds.pat + "\n",
    )

    assert result.exit_code == 0, result.output
    assert "Warning" not in result.stderr
    assert (PUBLISHER, EXTENSION) in marketplace.extensions


def test_an_entra_token_passed_like_tfx_is_sent_as_bearer(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, creds: Secrets
) -> None:
    result = adoext(
        "publish",
        "--vsix",
        str(make_vsix()),
        "--no-wait-validation",
        "--auth",
        "entra",
        "--token-stdin",
        pat=None,
        stdin=creds.bearer + "\n",
    )

    assert result.exit_code == 0, result.output
    assert _authorization_headers(marketplace) == {f"Bearer {creds.bearer}"}


def test_pat_auth_without_a_pat_is_a_clear_error(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    result = adoext("publish", "--vsix", str(make_vsix()), "--auth", "pat", pat=None)

    assert result.exit_code == 1
    assert "--auth pat needs a token: set ADOEXT_PAT or AZURE_DEVOPS_EXT_PAT" in one_line_error(result)
    assert marketplace.requests == []


def test_empty_stdin_token_is_a_clear_error(adoext: Adoext, make_vsix: VsixFactory) -> None:
    result = adoext("publish", "--vsix", str(make_vsix()), "--token-stdin", pat=None, stdin="")

    assert result.exit_code == 1
    assert "standard input held no token" in one_line_error(result)


def test_no_secret_is_ever_printed(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, creds: Secrets, service_url: str
) -> None:
    vsix = str(make_vsix())
    ident = ("--publisher", PUBLISHER, "--extension-id", EXTENSION)
    marketplace.validation_failure = "Rejected for the test."
    runs = [
        adoext("publish", "--vsix", vsix, "--dry-run"),
        adoext("publish", "--vsix", vsix, "--share-with", "contoso"),
        adoext("publish", "--vsix", vsix, "--token", creds.pat, pat=None),
        adoext("share", *ident, "--org", "contoso", "--dry-run"),
        adoext("install", *ident, "--org", f"{service_url}/contoso"),
        adoext("install", *ident, "--org", f"{service_url}/contoso", "--dry-run"),
        adoext("show", *ident, "--json"),
        adoext("isvalid", *ident),
        adoext("unpublish", *ident, "--dry-run"),
        adoext("show", *ident, pat=creds.outsider_pat),
    ]
    forms = {creds.pat, creds.outsider_pat, base64.b64encode(f":{creds.pat}".encode()).decode()}
    for result in runs:
        for secret in forms:
            assert secret not in result.output
    assert any(r.exit_code == 0 for r in runs) and any(r.exit_code != 0 for r in runs)


def test_plain_http_to_another_host_warns_that_the_credential_is_exposed(adoext: Adoext) -> None:
    answer = {"publisher": {"publisherName": PUBLISHER}, "extensionName": EXTENSION, "versions": []}
    adoext.runtime_overrides["transport"] = httpx.MockTransport(
        lambda request: httpx.Response(200, json=answer)
    )

    result = adoext(
        "show",
        "--publisher",
        PUBLISHER,
        "--extension-id",
        EXTENSION,
        "--service-url",
        "http://tfs.example:8080/tfs/",
        "--service-kind",
        "marketplace",
        service=False,
    )

    assert result.exit_code == 0, result.output
    assert "Warning: http://tfs.example:8080/tfs/ is plain http" in result.stderr


def test_entra_tokens_are_never_printed(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, creds: Secrets
) -> None:
    adoext.runtime_overrides["credential_factory"] = lambda: StubCredential(creds.bearer)
    vsix = str(make_vsix())
    runs = [
        adoext("publish", "--vsix", vsix, "--auth", "entra", "--dry-run", pat=None),
        adoext("publish", "--vsix", vsix, "--auth", "entra", pat=None),
        adoext(
            "publish", "--vsix", vsix, "--auth", "entra", "--token-stdin", pat=None, stdin=creds.bearer + "\n"
        ),
    ]

    assert [r.exit_code for r in runs] == [0, 0, 5]  # the last one: version already published
    assert all(creds.bearer not in r.output for r in runs)
