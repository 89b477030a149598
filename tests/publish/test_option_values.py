"""Every option value the Marketplace commands send is checked before the first request: URLs, text from
options and the environment, organization lists and float options. A bad one is one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.publish.conftest import Adoext, VsixFactory, failing_transport, one_line_error

SHOW = ["show", "--publisher", "p", "--extension-id", "x"]
URLS = ["https://[::1", "", "   ", "ftp://example", "http://", "http://127.0.0.1:99999", "http://a b/"]


@pytest.fixture
def offline(adoext: Adoext) -> Adoext:
    """The CLI with a transport that fails the test on any request."""
    adoext.runtime_overrides["transport"] = failing_transport()
    return adoext


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("command", ["show", "isvalid", "unpublish", "publish"])
def test_every_bad_service_url_is_a_bad_option(
    offline: Adoext, make_vsix: VsixFactory, command: str, url: str
) -> None:
    args = [command, "--vsix", str(make_vsix()), "--service-url", url, "--service-kind", "marketplace"]
    result = offline(*args, "--dry-run" if command in ("publish", "unpublish") else "--json", service=False)

    assert result.exit_code == 2, result.output
    assert "--service-url" in one_line_error(result)


@pytest.mark.parametrize("org", ["ftp://x/y", "https://[::1", "http://h:0/", "", "   ", "a b/c?d", "a#b"])
def test_every_bad_organization_is_refused_before_any_request(
    offline: Adoext, make_vsix: VsixFactory, org: str
) -> None:
    result = offline("install", "--vsix", str(make_vsix()), "--org", org, "--dry-run")

    assert result.exit_code == 2, result.output
    assert "--org" in one_line_error(result)
    assert result.stdout == ""  # not even the first, good name of the list was processed


@pytest.mark.parametrize("command", ["share", "unshare"])
def test_share_lists_are_checked_the_same_way(offline: Adoext, make_vsix: VsixFactory, command: str) -> None:
    result = offline(command, "--vsix", str(make_vsix()), "--org", "good", "--org", "bad/name", "--dry-run")

    assert result.exit_code == 2, result.output
    assert "'bad/name' is not an organization name" in one_line_error(result)
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "env", "flag"),
    [
        (["show", "--publisher", "fab\udcffrikam", "--extension-id", "x"], {}, "--publisher"),
        (["show", "--publisher", "fabrikam", "--extension-id", "a\x1bb"], {}, "--extension-id"),
        (["isvalid", "--publisher", "p", "--extension-id", "x", "--version", "1\udcff"], {}, "--version"),
        (SHOW, {"ADOEXT_PAT": "secret\udcffpat"}, "ADOEXT_PAT"),
        (SHOW, {"ADOEXT_PAT": "secret\x07pat"}, "ADOEXT_PAT"),
        (["show", "--publisher", "p", "--extension-id", "x", "--token", "secret\udcff"], {}, "--token"),
    ],
)
def test_text_that_cannot_be_sent_is_refused(
    offline: Adoext, args: list[str], env: dict[str, str], flag: str
) -> None:
    result = offline(*args, env=env)

    assert result.exit_code == 2, result.output
    line = one_line_error(result)
    assert line.startswith(f"Error: {flag}")
    assert "secret" not in result.output  # a token's value is never echoed


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "infinity"])
@pytest.mark.parametrize("flag", ["--validation-timeout", "--poll-interval"])
def test_float_options_refuse_nan_and_infinity(
    offline: Adoext, make_vsix: VsixFactory, flag: str, value: str
) -> None:
    result = offline("publish", "--vsix", str(make_vsix()), flag, value, "--dry-run")

    assert result.exit_code == 2, result.output
    assert flag in one_line_error(result)


def test_a_good_service_url_and_org_still_work(adoext: Adoext, make_vsix: VsixFactory) -> None:
    result = adoext("install", "--vsix", str(make_vsix()), "--org", "contoso", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "https://dev.azure.com/contoso/_apis/resourceareas/" in result.stdout


def test_paths_are_left_to_the_file_checks(offline: Adoext, tmp_path: Path) -> None:
    """A folder name that is not UTF-8 is a real (if rare) path: publish reports it as missing, no more."""
    result = offline("publish", "--root", str(tmp_path / "src\udcff"), "--dry-run")

    assert result.exit_code == 2, result.output
    assert "not valid UTF-8" not in one_line_error(result)
