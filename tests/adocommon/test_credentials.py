"""adocommon.credentials: the token is renewed before it expires, failures become one line, headers."""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest
from adocommon.credentials import (
    AZURE_DEVOPS_SCOPE,
    BearerAuth,
    CredentialUnavailable,
    EntraAuth,
    EntraToken,
    PatAuth,
)
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

START = 1_900_000_000.0


@dataclass
class Clock:
    now: float = START

    def time(self) -> float:
        return self.now


@dataclass
class StubCredential:
    """Stands in for azure-identity: each call hands out a new token valid for `lifetime_s` from `clock`."""

    clock: Clock
    lifetime_s: int = 3600
    error: Exception | None = None
    pause_s: float = 0.0  # widens the window in which threads could fetch twice
    scopes: list[tuple[str, ...]] = field(default_factory=list)

    def get_token(self, *scopes: str) -> AccessToken:
        self.scopes.append(scopes)
        if self.error is not None:
            raise self.error
        time.sleep(self.pause_s)
        return AccessToken(f"token-{len(self.scopes)}", int(self.clock.now) + self.lifetime_s)


def test_a_token_is_kept_until_five_minutes_before_it_expires() -> None:
    clock = Clock()
    credential = StubCredential(clock)
    token = EntraToken(credential, "https://ossrdbms-aad.database.windows.net/.default", clock=clock.time)

    assert token() == "token-1"
    clock.now = START + 3600 - 301  # 301 s left
    assert token() == "token-1"
    clock.now = START + 3600 - 300  # exactly the margin left: still good
    assert token() == "token-1"
    clock.now = START + 3600 - 299  # inside the margin
    assert token() == "token-2"
    assert credential.scopes == [("https://ossrdbms-aad.database.windows.net/.default",)] * 2


def test_the_margin_can_be_set_per_use() -> None:
    clock = Clock()
    token = EntraToken(StubCredential(clock), AZURE_DEVOPS_SCOPE, clock=clock.time, refresh_margin_s=60)
    token()
    clock.now = START + 3600 - 61
    assert token() == "token-1"
    clock.now = START + 3600 - 59
    assert token() == "token-2"


def test_threads_sharing_a_token_fetch_it_once() -> None:
    credential = StubCredential(Clock(), pause_s=0.05)
    token = EntraToken(credential, AZURE_DEVOPS_SCOPE)
    start = threading.Barrier(8)
    seen: list[str] = []

    def use() -> None:
        start.wait()
        seen.append(token())

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == ["token-1"] * 8 and len(credential.scopes) == 1


def test_a_credential_failure_is_its_first_line_raised_as_the_callers_error() -> None:
    error = ClientAuthenticationError(
        "DefaultAzureCredential failed to retrieve a token from the included credentials.\n"
        "Attempted credentials:\n\tEnvironmentCredential: incomplete configuration"
    )
    credential = StubCredential(Clock(), error=error)

    with pytest.raises(CredentialUnavailable) as default:
        EntraToken(credential, AZURE_DEVOPS_SCOPE)()
    first = "DefaultAzureCredential failed to retrieve a token from the included credentials."
    assert str(default.value) == first

    with pytest.raises(LookupError, match=r"^no token: DefaultAzureCredential failed .*credentials\.$"):
        EntraToken(credential, AZURE_DEVOPS_SCOPE, failure=lambda line: LookupError(f"no token: {line}"))()


def test_other_errors_are_not_dressed_up_as_credential_failures() -> None:
    credential = StubCredential(Clock(), error=RuntimeError("a bug"))
    with pytest.raises(RuntimeError, match="a bug"):
        EntraToken(credential, AZURE_DEVOPS_SCOPE)()


def sent_headers(auth: httpx.Auth, count: int = 1) -> list[httpx.Headers]:
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, json={})

    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        for _ in range(count):
            client.get("https://dev.azure.com/fabrikam/_apis/projects")
    return seen


def test_a_pat_goes_as_basic_with_an_empty_user_name_plus_fixed_headers() -> None:
    pat = secrets.token_hex(26)
    (headers,) = sent_headers(PatAuth(pat, {"X-TFS-FedAuthRedirect": "Suppress"}))
    assert headers["Authorization"] == "Basic " + base64.b64encode(f":{pat}".encode()).decode()
    assert headers["X-TFS-FedAuthRedirect"] == "Suppress"


def test_bearer_auth_sends_a_given_token_and_entra_auth_the_current_one() -> None:
    given = secrets.token_urlsafe(32)
    assert sent_headers(BearerAuth(given))[0]["Authorization"] == f"Bearer {given}"

    clock = Clock()
    auth = EntraAuth(EntraToken(StubCredential(clock, lifetime_s=600), AZURE_DEVOPS_SCOPE, clock=clock.time))
    first = sent_headers(auth, count=2)
    clock.now += 301  # 299 s left
    later = sent_headers(auth)
    assert [h["Authorization"] for h in first + later] == ["Bearer token-1"] * 2 + ["Bearer token-2"]
