"""The organization directory: configured URLs bound to the ids Azure DevOps reports, asked sparingly."""

from __future__ import annotations

from collections import Counter

from backend.azdo.directory import OrgDirectory, Reach
from backend.azdo.errors import AzureDevOpsAuthFailed, AzureDevOpsUnavailable

from .support import FakeClock

CONTOSO, FABRIKAM = "https://dev.azure.com/contoso", "https://dev.azure.com/fabrikam"
IDS = {CONTOSO: "AAAA-1111", FABRIKAM: "bbbb-2222"}


class Service:
    """Stands in for each URL's connectionData; counts the questions, fails while told to."""

    def __init__(self) -> None:
        self.asked: Counter[str] = Counter()
        self.down: set[str] = set()

    def instance_id(self, url: str) -> str:
        self.asked[url] += 1
        if url in self.down:
            raise AzureDevOpsUnavailable("HTTP 503")
        return IDS[url]


def test_each_url_is_asked_once_and_ids_are_canonical() -> None:
    service, clock = Service(), FakeClock()
    directory = OrgDirectory((CONTOSO, FABRIKAM + "/"), service.instance_id, clock=clock.time)
    assert directory.find("aaaa-1111").url == CONTOSO
    assert directory.find("bbbb-2222").url == FABRIKAM
    assert directory.find("cccc-3333").reach is Reach.UNKNOWN
    for _ in range(5):
        directory.find("cccc-3333")
        directory.find("aaaa-1111")
    assert service.asked == Counter({CONTOSO: 1, FABRIKAM: 1})


def test_while_a_url_cannot_be_asked_nothing_is_guessed_and_it_is_retried_after_a_minute() -> None:
    service, clock = Service(), FakeClock()
    service.down.add(FABRIKAM)
    directory = OrgDirectory((CONTOSO, FABRIKAM), service.instance_id, clock=clock.time)
    binding = directory.find("bbbb-2222")
    assert binding.reach is Reach.UNDETERMINED and isinstance(binding.failure, AzureDevOpsUnavailable)
    assert directory.find("cccc-3333").reach is Reach.UNDETERMINED  # fabrikam might be it
    assert directory.find("aaaa-1111").reach is Reach.BOUND
    assert service.asked[FABRIKAM] == 1  # not once per request
    service.down.clear()
    clock.sleep(61)
    assert directory.find("bbbb-2222").url == FABRIKAM
    assert directory.find("cccc-3333").reach is Reach.UNKNOWN


def test_a_refused_credential_is_reported_as_such() -> None:
    def refused(url: str) -> str:
        raise AzureDevOpsAuthFailed("HTTP 401", status=401)

    binding = OrgDirectory((CONTOSO,), refused, clock=FakeClock().time).find("aaaa-1111")
    assert binding.reach is Reach.UNDETERMINED and isinstance(binding.failure, AzureDevOpsAuthFailed)


def test_no_urls_is_unconfigured() -> None:
    directory = OrgDirectory((), Service().instance_id, clock=FakeClock().time)
    assert directory.find("x").reach is Reach.UNCONFIGURED
