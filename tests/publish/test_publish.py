"""`adoext publish` against the local Marketplace emulator: create, update, auth failures, validation."""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path

import pytest
from adoext.errors import ValidationFailed
from adoext.marketplace.preflight import load_vsix
from adoext.package.vsix import MAX_MANIFEST_BYTES

from backend.devtools.marketplace_emulator.state import MarketplaceState

from .conftest import EXTENSION, PUBLISHER, Adoext, FakeClock, Secrets, VsixFactory, one_line_error

NAME = f"{PUBLISHER}.{EXTENSION}"
EXT_PATH = f"/_apis/gallery/publishers/{PUBLISHER}/extensions/{EXTENSION}"


def test_first_publish_creates_with_post_and_waits_for_validation(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, clock: FakeClock
) -> None:
    result = adoext("publish", "--vsix", str(make_vsix("1.0.0")))

    assert result.exit_code == 0, result.output
    assert f"{NAME} is not published yet; creating it." in result.stdout
    assert f"{NAME} 1.0.0 passed the Marketplace's validation." in result.stdout
    post = next(r for r in marketplace.requests if r.method == "POST")
    assert post.path == "/_apis/gallery/extensions"
    assert post.headers["Content-Type"] == "application/octet-stream"
    assert post.headers["Accept"] == "application/json;api-version=7.2-preview.2"
    assert marketplace.count("PUT") == 0
    version = marketplace.extensions[(PUBLISHER, EXTENSION)].versions[0]
    assert version.validated and version.version == "1.0.0"
    # Three status checks (the emulator's validation length), after tfx's first 1 s and 2 s intervals.
    assert marketplace.count("GET", EXT_PATH) == 1 + 3
    assert clock.sleeps == [1.0, 2.0, 2.0]
    assert "Validating fabrikam.report-bridge 1.0.0: pending (check 1" in result.stderr


def test_second_publish_updates_with_put(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    assert adoext("publish", "--vsix", str(make_vsix("1.0.0"))).exit_code == 0

    result = adoext("publish", "--vsix", str(make_vsix("1.0.1")))

    assert result.exit_code == 0, result.output
    assert f"{NAME} exists; updating it." in result.stdout
    put = next(r for r in marketplace.requests if r.method == "PUT")
    assert put.path == EXT_PATH and put.query == "bypassScopeCheck=false"
    assert put.headers["Content-Type"] == "application/octet-stream"
    assert marketplace.count("POST") == 1
    assert [v.version for v in marketplace.extensions[(PUBLISHER, EXTENSION)].versions] == ["1.0.0", "1.0.1"]


def test_republishing_the_same_version_stops_before_uploading(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    vsix = str(make_vsix("1.0.0"))
    assert adoext("publish", "--vsix", vsix).exit_code == 0

    result = adoext("publish", "--vsix", vsix)

    assert result.exit_code == 5
    assert "1.0.0 is already published; raise the version" in one_line_error(result)
    assert marketplace.count("PUT") == 0


def test_an_older_version_is_refused_by_the_marketplace_with_its_message(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    assert adoext("publish", "--vsix", str(make_vsix("2.0.0"))).exit_code == 0

    result = adoext("publish", "--vsix", str(make_vsix("1.9.0")))

    assert result.exit_code == 5
    line = one_line_error(result)
    assert "HTTP 400: Version number must increase" in line and "Current version: 2.0.0" in line


def test_a_bad_pat_is_reported_as_401_not_as_not_published(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    result = adoext("publish", "--vsix", str(make_vsix()), pat="not-a-valid-token")

    assert result.exit_code == 6
    line = one_line_error(result)
    assert "look up fabrikam.report-bridge: HTTP 401" in line
    assert "Marketplace (Publish) scope" in line and "All accessible organizations" in line
    assert marketplace.count("POST") == 0 and marketplace.count("PUT") == 0


def test_a_404_lookup_is_a_create_but_a_403_is_an_auth_error(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, creds: Secrets
) -> None:
    # The outsider can authenticate; the lookup says 404 (private, not theirs), so we try to create,
    # and the Marketplace refuses the create with 403: reported as an auth problem with its message.
    result = adoext("publish", "--vsix", str(make_vsix()), pat=creds.outsider_pat)

    assert result.exit_code == 6
    line = one_line_error(result)
    assert "create fabrikam.report-bridge: HTTP 403: TF400813" in line
    assert marketplace.count("POST") == 1 and not marketplace.extensions


def test_other_lookup_errors_stop_with_the_status(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    marketplace.fail_next(500, count=4)

    result = adoext("publish", "--vsix", str(make_vsix()))

    assert result.exit_code == 5
    assert "look up fabrikam.report-bridge: HTTP 500: TF400733" in one_line_error(result)
    assert marketplace.count("POST") == 0


def test_validation_failure_prints_the_marketplace_message(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    marketplace.validation_failure = "The task.json of 'BuildTask' has no 'execution' section."

    result = adoext("publish", "--vsix", str(make_vsix()))

    assert result.exit_code == 8
    line = one_line_error(result)
    assert line.endswith(
        "rejected fabrikam.report-bridge 1.0.0: The task.json of 'BuildTask' has no 'execution' section."
    )


def test_validation_timeout_is_configurable(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, clock: FakeClock
) -> None:
    marketplace.validation_polls = 10_000

    result = adoext(
        "publish", "--vsix", str(make_vsix()), "--validation-timeout", "30", "--poll-interval", "5"
    )

    assert result.exit_code == 7
    assert "still pending validation after 30s" in one_line_error(result)
    assert clock.sleeps == [1.0, 5.0, 5.0, 5.0, 5.0, 5.0, 4.0]
    assert marketplace.extensions[(PUBLISHER, EXTENSION)].versions[0].polls_left == 10_000 - 7


def test_public_extensions_poll_every_15_seconds(
    adoext: Adoext, make_vsix: VsixFactory, clock: FakeClock
) -> None:
    result = adoext("publish", "--vsix", str(make_vsix(public=True)))

    assert result.exit_code == 0, result.output
    assert clock.sleeps == [1.0, 15.0, 15.0]


def test_no_wait_validation_returns_after_the_upload(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, clock: FakeClock
) -> None:
    result = adoext("publish", "--vsix", str(make_vsix()), "--no-wait-validation")

    assert result.exit_code == 0, result.output
    assert "Not waiting for validation" in result.stdout
    assert clock.sleeps == [] and marketplace.count("GET") == 1


def test_share_with_after_publishing(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    result = adoext("publish", "--vsix", str(make_vsix()), "--share-with", "contoso northwind")

    assert result.exit_code == 0, result.output
    assert marketplace.extensions[(PUBLISHER, EXTENSION)].shared_with == {"contoso", "northwind"}
    assert "Shared fabrikam.report-bridge with northwind." in result.stdout


def test_server_collections_take_the_json_base64_upload(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, service_url: str
) -> None:
    vsix = make_vsix()
    # --service-kind from the fixture is overridden by the later option: Click keeps the last value.
    result = adoext(
        "publish",
        "--vsix",
        str(vsix),
        "--service-kind",
        "server",
        "--no-wait-validation",
        service=False,
        env={"ADOEXT_SERVICE_URL": service_url},
    )

    assert result.exit_code == 0, result.output
    post = next(r for r in marketplace.requests if r.method == "POST")
    assert post.headers["Accept"] == "application/json;api-version=3.1-preview.1"
    assert post.headers["Content-Type"] == "application/json"
    assert (PUBLISHER, EXTENSION) in marketplace.extensions
    body = json.dumps({"extensionManifest": base64.b64encode(vsix.read_bytes()).decode()})
    assert post.body_size == len(body)


def test_a_package_over_the_size_limit_is_never_uploaded(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    vsix = make_vsix(padding=5000)

    result = adoext("publish", "--vsix", str(vsix), "--max-size", "4096")

    assert result.exit_code == 3
    assert "over the 4,096-byte upload limit; it was not uploaded" in one_line_error(result)
    assert marketplace.requests == []


def test_a_broken_package_is_never_uploaded(
    adoext: Adoext, tmp_path: Path, marketplace: MarketplaceState
) -> None:
    bogus = tmp_path / "broken.vsix"
    bogus.write_bytes(b"PK\x03\x04 this is not really a zip")

    result = adoext("publish", "--vsix", str(bogus))

    assert result.exit_code == 3
    assert "broken.vsix is not a VSIX (not a zip file)." in one_line_error(result)
    assert marketplace.requests == []


def test_publisher_option_must_match_the_package(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    result = adoext("publish", "--vsix", str(make_vsix()), "--publisher", "someone-else")

    assert result.exit_code == 1
    assert "--publisher 'someone-else' does not match the package's 'fabrikam'" in one_line_error(result)
    assert marketplace.requests == []


def test_share_with_on_a_public_package_is_refused_before_upload(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    result = adoext("publish", "--vsix", str(make_vsix(public=True)), "--share-with", "contoso")

    assert result.exit_code == 1
    assert "--share-with is for private extensions" in one_line_error(result)
    assert marketplace.requests == []


def test_a_service_url_without_a_gallery_is_not_mistaken_for_not_published(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, service_url: str
) -> None:
    adoext.service_url = f"{service_url}/contoso"  # an organization URL, not the Marketplace

    result = adoext("publish", "--vsix", str(make_vsix()))

    assert result.exit_code == 5
    assert "has no gallery API (HTTP 404 without an Azure DevOps error)" in one_line_error(result)
    assert marketplace.count("POST") == 0


def small_file_large_manifest(path: Path, unpacked: int) -> Path:
    """A VSIX of a few kilobytes whose extension.vsixmanifest unpacks to `unpacked` bytes (a zip bomb)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("extension.vsixmanifest", "w") as manifest:
            manifest.write(b'<PackageManifest xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011">')
            manifest.write(b"<!--" + b" " * unpacked + b"-->")
            manifest.write(b'<Metadata><Identity Id="x" Publisher="p" Version="1.0.0"/></Metadata>')
            manifest.write(b"</PackageManifest>")
    return path


@pytest.mark.parametrize("command", ["publish", "isvalid"])
def test_a_manifest_that_unpacks_to_a_huge_size_is_refused_unread(
    adoext: Adoext, tmp_path: Path, marketplace: MarketplaceState, command: str
) -> None:
    vsix = small_file_large_manifest(tmp_path / "bomb.vsix", MAX_MANIFEST_BYTES + 1)
    assert vsix.stat().st_size < 100_000

    result = adoext(command, "--vsix", str(vsix))

    line = one_line_error(result)
    assert "bomb.vsix: its extension.vsixmanifest unpacks to 16,777," in line and "adoext will read" in line
    assert marketplace.requests == []


def test_a_package_that_unpacks_beyond_the_bound_is_never_uploaded(make_vsix: VsixFactory) -> None:
    vsix = make_vsix(padding=5000)
    with pytest.raises(ValidationFailed, match=r"unpacks to [\d,]+ bytes, more than the 4,096 adoext reads"):
        load_vsix(vsix, max_unpacked=4096)
    assert load_vsix(vsix).identity.publisher == PUBLISHER  # the default bound: a real package passes
