"""The REST client against the local emulator: auth headers, errors, back-off, batching."""

from __future__ import annotations

import base64
import math
import random

import httpx
import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

from backend.azdo.auth import AzureDevOpsAuth
from backend.azdo.client import AzureDevOpsClient
from backend.azdo.errors import AzureDevOpsAuthFailed, AzureDevOpsNotFound, AzureDevOpsUnavailable
from backend.azdo.retry import GateRegistry
from backend.devtools.ado_emulator.state import EmulatorState

from .support import PROJECT_ID, PROJECT_NAME, ClientFactory, FakeClock, fault, stats

TITLE_PATCH = [{"op": "add", "path": "/fields/System.Title", "value": "Crash on save"}]


class StubCredential:
    """Stands in for an azure-identity credential: hands out tokens that expire in an hour."""

    def __init__(self, tokens: list[str], clock: FakeClock) -> None:
        self.tokens = tokens
        self.clock = clock
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.tokens[len(self.scopes) - 1], int(self.clock.time()) + 3600)


def test_pat_is_sent_as_basic_with_empty_user(make_client: ClientFactory, pat: str) -> None:
    sent: list[httpx.Request] = []
    item = make_client(sent=sent).create_work_item(PROJECT_NAME, "Bug", TITLE_PATCH)
    assert item.title == "Crash on save" and item.state == "New" and item.work_item_type == "Bug"
    expected = "Basic " + base64.b64encode(f":{pat}".encode()).decode()
    assert sent[0].headers["Authorization"] == expected
    assert sent[0].headers["X-TFS-FedAuthRedirect"] == "Suppress"
    assert sent[0].headers["Content-Type"] == "application/json-patch+json"
    assert sent[0].url.params["api-version"] == "7.1"


def test_entra_token_is_bearer_and_reused_until_five_minutes_before_expiry(
    make_client: ClientFactory, bearer: str, clock: FakeClock, emulator_state: EmulatorState
) -> None:
    second = "second-" + bearer
    emulator_state.bearer_tokens.add(second)
    credential = StubCredential([bearer, second], clock)
    sent: list[httpx.Request] = []
    client = make_client(AzureDevOpsAuth(credential=credential, clock=clock.time), sent=sent)
    client.list_projects()
    clock.now += 3600 - 301  # still more than five minutes left
    client.list_projects()
    assert len(credential.scopes) == 1
    clock.now += 2  # now inside the five-minute margin
    client.list_projects()
    assert credential.scopes == [("499b84ac-1321-427f-aa17-267ca6975798/.default",)] * 2
    assert [r.headers["Authorization"] for r in sent] == [f"Bearer {bearer}"] * 2 + [f"Bearer {second}"]


class FailingCredential:
    """A credential that cannot get a token (e.g. no managed identity on this host)."""

    def get_token(self, *scopes: str) -> AccessToken:
        raise ClientAuthenticationError("ManagedIdentityCredential authentication unavailable.\nmore detail")


def test_credential_failure_is_an_authentication_error(make_client: ClientFactory) -> None:
    client = make_client(AzureDevOpsAuth(credential=FailingCredential()))
    with pytest.raises(AzureDevOpsAuthFailed, match="no Microsoft Entra token .*unavailable\\.$"):
        client.list_projects()


def test_wrong_pat_is_an_authentication_error(make_client: ClientFactory) -> None:
    with pytest.raises(AzureDevOpsAuthFailed, match="HTTP 401"):
        make_client(AzureDevOpsAuth(pat="not-the-pat")).list_projects()


def test_sign_in_page_with_203_is_an_authentication_error(
    make_client: ClientFactory, control: httpx.Client
) -> None:
    fault(control, "203")
    with pytest.raises(AzureDevOpsAuthFailed, match="203"):
        make_client().list_projects()


def test_html_answer_with_200_is_an_authentication_error(
    make_client: ClientFactory, control: httpx.Client
) -> None:
    fault(control, "html-200")
    with pytest.raises(AzureDevOpsAuthFailed, match="instead of JSON"):
        make_client().list_projects()


def test_emulator_serves_sign_in_page_when_redirect_not_suppressed(emulator_url: str) -> None:
    answer = httpx.get(f"{emulator_url}/fabrikam/_apis/projects?api-version=7.1", auth=("", "wrong"))
    assert answer.status_code == 203 and answer.headers["Content-Type"].startswith("text/html")


def test_429_waits_retry_after_then_succeeds(
    make_client: ClientFactory, control: httpx.Client, clock: FakeClock
) -> None:
    fault(control, "429", count=2, retryAfter=7)
    assert make_client().list_projects()[0]["id"] == PROJECT_ID
    assert clock.sleeps == [7.0, 7.0]
    assert stats(control)["GET /<org>/_apis/projects"] == 3


def test_503_backs_off_exponentially_and_gives_up_after_the_budget(
    make_client: ClientFactory, control: httpx.Client, clock: FakeClock
) -> None:
    fault(control, "503", count=20)
    with pytest.raises(AzureDevOpsUnavailable, match="503"):
        make_client().list_projects()
    assert stats(control)["GET /<org>/_apis/projects"] == 6
    floors = [1, 2, 4, 8, 16]
    assert len(clock.sleeps) == 5
    assert all(f <= s <= f + 1 for f, s in zip(floors, clock.sleeps, strict=True))


def test_retry_after_is_capped(make_client: ClientFactory, control: httpx.Client, clock: FakeClock) -> None:
    fault(control, "429", retryAfter=3600)
    make_client().list_projects()
    assert clock.sleeps == [60.0]


def test_retry_after_on_a_200_slows_the_next_call(
    make_client: ClientFactory, control: httpx.Client, clock: FakeClock
) -> None:
    client = make_client()
    fault(control, "retry-after-200", retryAfter=5)
    assert client.list_projects()  # served, only delayed
    assert clock.sleeps == []
    client.list_projects()
    assert clock.sleeps == [5.0]


def test_create_is_not_resent_after_an_ambiguous_failure(
    make_client: ClientFactory, control: httpx.Client, emulator_state: EmulatorState
) -> None:
    fault(control, "slow", delay=2.0)
    with pytest.raises(AzureDevOpsUnavailable):
        make_client(timeout=1.0).create_work_item(PROJECT_NAME, "Bug", TITLE_PATCH)
    assert stats(control)["POST /<org>/<project>/_apis/wit/workitems/<kind>"] == 1


def test_reads_are_retried_after_a_timeout(make_client: ClientFactory, control: httpx.Client) -> None:
    fault(control, "slow", delay=2.0)
    assert make_client(timeout=1.0).list_projects()
    assert stats(control)["GET /<org>/_apis/projects"] == 2


@pytest.mark.parametrize("count", [1, 200, 201, 450])
def test_batch_reads_use_ceil_n_over_200_calls(
    make_client: ClientFactory, control: httpx.Client, emulator_state: EmulatorState, count: int
) -> None:
    ids = [emulator_state.create(PROJECT_NAME, "Bug", TITLE_PATCH, "http://x")["id"] for _ in range(count)]
    items = make_client().get_work_items(ids)
    assert sorted(i.id for i in items) == ids
    assert stats(control)["POST /<org>/_apis/wit/workitemsbatch"] == math.ceil(count / 200)


def test_missing_item_is_not_found_and_left_out_of_batches(
    make_client: ClientFactory, emulator_state: EmulatorState
) -> None:
    known = emulator_state.create(PROJECT_NAME, "Bug", TITLE_PATCH, "http://x")["id"]
    with pytest.raises(AzureDevOpsNotFound, match="TF401232"):
        make_client().get_work_item(424242)
    assert [i.id for i in make_client().get_work_items([known, 424242])] == [known]


def test_wiql_finds_items_by_tag_and_comments_round_trip(make_client: ClientFactory) -> None:
    client = make_client()
    tagged = [*TITLE_PATCH, {"op": "add", "path": "/fields/System.Tags", "value": "report-bridge; rb-g_1"}]
    item = client.create_work_item(PROJECT_NAME, "Bug", tagged)
    client.create_work_item(PROJECT_NAME, "Bug", TITLE_PATCH)
    query = (
        "SELECT [System.Id] FROM WorkItems "
        "WHERE [System.TeamProject] = @project AND [System.Tags] CONTAINS 'rb-g_1'"
    )
    assert client.query_ids(PROJECT_NAME, query) == [item.id]
    client.add_comment(PROJECT_NAME, item.id, "Another customer reported this.")
    assert client.list_comment_texts(PROJECT_NAME, item.id) == ["Another customer reported this."]


def test_a_create_whose_connection_never_opened_is_sent_again(clock: FakeClock) -> None:
    # A refused connection cannot have reached Azure DevOps, so even a create is safe to resend
    # (adocommon.retry.may_resend); a read timeout after sending is not (the test above).
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        if len(sent) == 1:
            raise httpx.ConnectError("connection refused", request=request)
        created = {"id": 7, "fields": {"System.Title": "Crash on save", "System.State": "New"}}
        return httpx.Response(200, json=created)

    gates = GateRegistry(clock=clock.time, sleep=clock.sleep)
    http = httpx.Client(transport=httpx.MockTransport(handler), base_url="https://dev.azure.com/fabrikam/")
    client = AzureDevOpsClient(http, gate=gates.gate("fabrikam"), rng=random.Random(5))
    assert client.create_work_item(PROJECT_NAME, "Bug", TITLE_PATCH).id == 7
    assert sent == ["POST", "POST"] and len(clock.sleeps) == 1 and 1 <= clock.sleeps[0] <= 2
