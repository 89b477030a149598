"""Client edge cases that the emulator cannot produce, driven through httpx.MockTransport."""

from __future__ import annotations

import httpx
import pytest
from adoext.errors import MarketplaceAuthError, MarketplaceError
from adoext.marketplace.auth import PatAuth
from adoext.marketplace.client import MarketplaceClient, ServiceTarget
from adoext.marketplace.install import install, trusted_location
from adoext.marketplace.proxy import EnvProxyTransport
from adoext.marketplace.retry import RetryPolicy, RetryTransport

from backend.devtools.marketplace_emulator.state import MarketplaceState

from .conftest import EXTENSION, PUBLISHER, Adoext, FakeClock, VsixFactory


def _client(handler: httpx.MockTransport, clock: FakeClock) -> MarketplaceClient:
    transport = RetryTransport(
        handler, policy=RetryPolicy(max_attempts=3), sleep=clock.sleep, jitter=lambda: 0.0
    )
    http = httpx.Client(transport=transport)
    return MarketplaceClient(
        http, ServiceTarget.from_options("https://marketplace.example/", "marketplace"), "pat"
    )


def test_a_sign_in_page_instead_of_data_is_an_auth_error(clock: FakeClock) -> None:
    page = httpx.MockTransport(
        lambda request: httpx.Response(203, html="<html>Sign in to Azure DevOps</html>")
    )

    with pytest.raises(MarketplaceAuthError, match="HTTP 203: the service answered with a sign-in page"):
        _client(page, clock).get_extension("fabrikam", "report-bridge", flags=1)


def test_retry_after_on_a_served_answer_slows_the_next_call(clock: FakeClock) -> None:
    delayed = httpx.MockTransport(
        lambda request: httpx.Response(
            200, json={"publisher": {"publisherName": "p"}}, headers={"Retry-After": "4"}
        )
    )

    body = _client(delayed, clock).get_extension("fabrikam", "report-bridge", flags=1)

    assert body == {"publisher": {"publisherName": "p"}}
    assert clock.sleeps == [4.0]


@pytest.mark.parametrize(("method", "calls"), [("GET", 3), ("POST", 1)])
def test_read_timeouts_are_retried_only_for_idempotent_calls(
    clock: FakeClock, method: str, calls: int
) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        raise httpx.ReadTimeout("timed out", request=request)

    client = _client(httpx.MockTransport(handler), clock)
    request = client.http.build_request(method, "https://marketplace.example/_apis/gallery/extensions")

    with pytest.raises(httpx.ReadTimeout):
        client.http.send(request)
    assert seen == [method] * calls


def test_install_never_sends_the_credential_to_a_host_the_anonymous_lookup_names() -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return httpx.Response(200, json={"locationUrl": "https://collector.example/"})

    http = httpx.Client(transport=httpx.MockTransport(handler), auth=PatAuth("never-sent"))

    with pytest.raises(MarketplaceError, match="unexpected Extension Management host"):
        install(http, "pat", "contoso", "fabrikam", "report-bridge")
    assert hosts == ["dev.azure.com"]


@pytest.mark.parametrize(
    ("location", "trusted"),
    [
        ("https://extmgmt.dev.azure.com/contoso/", True),
        ("https://contoso.extmgmt.visualstudio.com/", True),
        ("http://extmgmt.dev.azure.com/contoso/", False),
        ("https://dev.azure.com.evil.example/", False),
    ],
)
def test_trusted_extension_management_hosts(location: str, trusted: bool) -> None:
    assert trusted_location("https://dev.azure.com/contoso/", location) is trusted


def test_requests_go_through_the_proxy_the_environment_names(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, service_url: str
) -> None:
    # The emulator doubles as a plain HTTP forward proxy: it receives the absolute-form request line.
    adoext.service_url = "http://marketplace.invalid"
    proxy_env = {"HTTP_PROXY": service_url, "http_proxy": service_url, "NO_PROXY": "", "no_proxy": ""}

    result = adoext("publish", "--vsix", str(make_vsix()), "--no-wait-validation", env=proxy_env)

    assert result.exit_code == 0, result.output
    assert (PUBLISHER, EXTENSION) in marketplace.extensions
    assert {r.headers.get("Host") for r in marketplace.requests} == {"marketplace.invalid"}


def test_no_proxy_and_loopback_hosts_go_direct() -> None:
    transport = EnvProxyTransport(
        {"https": "http://proxy.example:3128"}, bypass=lambda host: host == "tfs.corp"
    )

    assert transport._route(httpx.URL("https://tfs.corp/x")) is transport._direct
    assert transport._route(httpx.URL("https://127.0.0.1/x")) is transport._direct
    assert transport._route(httpx.URL("https://marketplace.visualstudio.com/x")) is not transport._direct
    transport.close()
