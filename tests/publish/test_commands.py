"""share, unshare, install, show, isvalid and unpublish against the local Marketplace emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.devtools.marketplace_emulator.state import MarketplaceState

from .conftest import EXTENSION, PUBLISHER, Adoext, Secrets, VsixFactory, one_line_error

IDENT = ("--publisher", PUBLISHER, "--extension-id", EXTENSION)


@pytest.fixture
def published(adoext: Adoext, make_vsix: VsixFactory) -> Path:
    """Publish version 1.0.0 (validated) and return its package."""
    vsix = make_vsix("1.0.0")
    result = adoext("publish", "--vsix", str(vsix))
    assert result.exit_code == 0, result.output
    return vsix


def test_share_and_unshare_by_organization_name(
    adoext: Adoext, published: Path, marketplace: MarketplaceState
) -> None:
    extension = marketplace.extensions[(PUBLISHER, EXTENSION)]

    # tfx style: several names after one flag.
    shared = adoext("share", "--vsix", str(published), "--share-with", "contoso", "northwind")
    assert shared.exit_code == 0, shared.output
    assert extension.shared_with == {"contoso", "northwind"}
    assert marketplace.count("POST", "/accountsbyname/contoso") == 1

    unshared = adoext("unshare", *IDENT, "--unshare-with", "contoso")
    assert unshared.exit_code == 0, unshared.output
    assert extension.shared_with == {"northwind"}
    assert "Unshared fabrikam.report-bridge from contoso." in unshared.stdout


def test_share_with_an_unknown_organization_shows_the_marketplace_error(
    adoext: Adoext, published: Path
) -> None:
    result = adoext("share", *IDENT, "--org", "no-such-org")

    assert result.exit_code == 5
    assert "HTTP 404: The account 'no-such-org' does not exist." in one_line_error(result)


def test_share_needs_an_organization(adoext: Adoext, published: Path, marketplace: MarketplaceState) -> None:
    before = len(marketplace.requests)

    result = adoext("share", *IDENT)

    assert result.exit_code == 1
    assert "--share-with" in one_line_error(result)
    assert len(marketplace.requests) == before


def test_install_then_install_again_is_a_warning(
    adoext: Adoext, published: Path, marketplace: MarketplaceState, service_url: str
) -> None:
    assert adoext("share", *IDENT, "--org", "contoso").exit_code == 0
    org_url = f"{service_url}/contoso"

    first = adoext("install", *IDENT, "--org", org_url)
    assert first.exit_code == 0, first.output
    assert f"Installed fabrikam.report-bridge in {org_url}." in first.stdout
    assert marketplace.installs["contoso"] == {(PUBLISHER, EXTENSION)}
    lookup = next(r for r in marketplace.requests if "resourceareas" in r.path)
    assert "Authorization" not in lookup.headers  # anonymous, like tfx

    again = adoext("install", *IDENT, "--org", org_url)
    assert again.exit_code == 0, again.output
    assert "already installed" in again.stderr and "TF1590010" in again.stderr


def test_install_of_an_unshared_private_extension_fails(
    adoext: Adoext, published: Path, service_url: str
) -> None:
    result = adoext("install", *IDENT, "--org", f"{service_url}/northwind")

    assert result.exit_code == 6
    assert "is not shared with 'northwind'" in one_line_error(result)


def test_show_lists_versions_state_and_shares(
    adoext: Adoext, published: Path, make_vsix: VsixFactory
) -> None:
    assert adoext("share", *IDENT, "--org", "contoso").exit_code == 0
    assert adoext("publish", "--vsix", str(make_vsix("1.1.0")), "--no-wait-validation").exit_code == 0

    text = adoext("show", *IDENT)
    as_json = adoext("show", *IDENT, "--json")

    assert text.exit_code == 0, text.output
    assert "fabrikam.report-bridge: Report Bridge" in text.stdout
    assert "shared with: contoso" in text.stdout
    assert "1.1.0  2026-11-27T09:02:00Z  pending" in text.stdout
    assert "1.0.0  2026-11-27T09:01:00Z  success" in text.stdout
    data = json.loads(as_json.stdout)
    assert data["publisher"] == PUBLISHER and data["extensionId"] == EXTENSION
    assert data["sharedWith"] == ["contoso"] and data["isPublic"] is False
    assert [(v["version"], v["status"]) for v in data["versions"]] == [
        ("1.1.0", "pending"),
        ("1.0.0", "success"),
    ]


def test_show_of_an_unknown_extension(adoext: Adoext) -> None:
    result = adoext("show", "--publisher", PUBLISHER, "--extension-id", "nothing-here")

    assert result.exit_code == 1
    assert "fabrikam.nothing-here is not published." in one_line_error(result)


def test_isvalid_reports_success_pending_and_error(
    adoext: Adoext, published: Path, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    ok = adoext("isvalid", "--vsix", str(published), "--json")
    assert json.loads(ok.stdout) == {"status": "success", "message": "Valid"}

    marketplace.validation_polls = 100
    assert adoext("publish", "--vsix", str(make_vsix("1.1.0")), "--no-wait-validation").exit_code == 0
    pending = adoext("isvalid", *IDENT, "--version", "1.1.0", "--json")
    assert json.loads(pending.stdout) == {"status": "pending", "message": "Validation pending"}

    marketplace.validation_polls = 1
    marketplace.validation_failure = "Extension icon is missing."
    assert adoext("publish", "--vsix", str(make_vsix("1.2.0")), "--no-wait-validation").exit_code == 0
    failed = adoext("isvalid", *IDENT, "--json")  # no version: the newest one
    assert failed.exit_code == 0
    assert json.loads(failed.stdout) == {"status": "error", "message": "Extension icon is missing."}

    text = adoext("isvalid", *IDENT, "--version", "1.2.0")
    assert text.exit_code == 8
    assert "fabrikam.report-bridge 1.2.0: Extension icon is missing." in one_line_error(text)


def test_isvalid_of_an_unknown_version(adoext: Adoext, published: Path) -> None:
    result = adoext("isvalid", *IDENT, "--version", "9.9.9")

    assert result.exit_code == 5
    assert "has no version 9.9.9" in one_line_error(result)


def test_unpublish_needs_yes(adoext: Adoext, published: Path, marketplace: MarketplaceState) -> None:
    refused = adoext("unpublish", *IDENT)
    assert refused.exit_code == 1
    assert "pass --yes to confirm" in one_line_error(refused)
    assert marketplace.count("DELETE") == 0

    done = adoext("unpublish", *IDENT, "--yes")
    assert done.exit_code == 0, done.output
    assert (PUBLISHER, EXTENSION) not in marketplace.extensions


def test_install_into_an_unknown_organization(adoext: Adoext, published: Path, service_url: str) -> None:
    result = adoext("install", *IDENT, "--org", f"{service_url}/nobody-here")

    assert result.exit_code == 5
    assert f"No Azure DevOps organization or collection at {service_url}/nobody-here/" in one_line_error(
        result
    )


def test_a_tfx_command_line_works_unchanged(
    adoext: Adoext, published: Path, marketplace: MarketplaceState, creds: Secrets
) -> None:
    # As in pipelines written for `tfx extension share`.
    tfx_args = ("--share-with", "contoso", "northwind", "--auth-type", "pat", "-t", creds.pat, "--no-prompt")

    result = adoext("share", *IDENT, *tfx_args, pat=None)

    assert result.exit_code == 0, result.output
    assert marketplace.extensions[(PUBLISHER, EXTENSION)].shared_with == {"contoso", "northwind"}
    assert "shell history" in result.stderr
