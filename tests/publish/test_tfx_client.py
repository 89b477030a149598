"""tfx-cli 0.23.1, the Marketplace's own client, against the local Marketplace emulator over real HTTP.

adoext and the emulator were written side by side, so adoext passing proves little about the emulator.
tfx-cli is an independent client (azure-devops-node-api underneath: location negotiation with OPTIONS,
api-version in the Accept header, the Server-style JSON upload for a URL that is not
marketplace.visualstudio.com). When tfx and adoext both work against the emulator and see each other's
changes, the emulator answers the documented shapes, not just what adoext happens to read.

tfx-cli is pinned by tests/publish/tfx_cli/package-lock.json and installed by tests/tfx_cli.py.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from adoext.package.api import package
from adoext.package.model import PackageOptions

from backend.devtools.marketplace_emulator.state import MarketplaceState
from tests import tfx_cli
from tests.adoext.conftest import PNG_1X1, base_manifest

from .conftest import EXTENSION, MEMBER, PUBLISHER, Adoext, Secrets, VsixFactory

IDENT = ("--publisher", PUBLISHER, "--extension-id", EXTENSION)


@pytest.fixture(scope="session")
def tfx_script(tfx_cli_modules: Path) -> Path:
    """The pinned tfx-cli's entry script (installed by the shared `tfx_cli_modules` fixture)."""
    return tfx_cli.SCRIPT


@dataclass(frozen=True)
class TfxRun:
    """One finished tfx command."""

    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """Return the JSON document tfx printed for --json (warnings come before it on stdout)."""
        lines = self.stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith(("{", "[")))
        return json.loads("\n".join(lines[start:]))


@dataclass(frozen=True)
class Tfx:
    """Run ``tfx extension <command>`` against the emulator with a PAT, as a publisher's CI would."""

    script: Path
    service_url: str
    home: Path

    def __call__(self, command: str, *args: str, token: str, service_url: str | None = None) -> TfxRun:
        """Run one command; --no-prompt so a missing answer fails instead of waiting on stdin."""
        argv = ["node", str(self.script), "extension", command, *args,
                "--service-url", service_url or self.service_url, "--auth-type", "pat",
                "--token", token, "--no-prompt", "--no-color", "--json"]
        # A private HOME keeps tfx's disk cache and credential store out of the developer's own.
        env = {"PATH": os.environ["PATH"], "HOME": str(self.home), "TFX_BYPASS_CACHE": "1"}
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180, check=False)
        return TfxRun(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def tfx(tfx_script: Path, service_url: str, marketplace: MarketplaceState, tmp_path: Path) -> Iterator[Tfx]:
    """tfx wired to the emulator; validation finishes at the first status check (tfx waits 1 s first)."""
    marketplace.validation_polls = 1
    home = tmp_path / "tfx-home"
    home.mkdir()
    yield Tfx(tfx_script, service_url, home)


def test_tfx_publishes_a_new_extension_then_an_update(
    tfx: Tfx, creds: Secrets, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    created = tfx("publish", "--vsix", str(make_vsix("1.0.0")), token=creds.pat)
    assert created.returncode == 0, created.stderr
    assert created.json()["published"] is True

    updated = tfx("publish", "--vsix", str(make_vsix("1.0.1")), "--share-with", "contoso", token=creds.pat)
    assert updated.returncode == 0, updated.stderr
    assert updated.json()["shared"] == ["contoso"]

    extension = marketplace.extensions[(PUBLISHER, EXTENSION)]
    assert [(v.version, v.validated) for v in extension.versions] == [("1.0.0", True), ("1.0.1", True)]
    assert extension.shared_with == {"contoso"}
    # tfx found every route through the location service and sent the Server-style JSON upload.
    assert marketplace.count("OPTIONS", "/_apis/gallery") == 2
    uploads = [r for r in marketplace.requests
               if r.method in ("POST", "PUT") and "/accountsbyname/" not in r.path]
    assert [(r.method, r.path) for r in uploads] == [
        ("POST", "/_apis/gallery/extensions"),
        ("PUT", f"/_apis/gallery/publishers/{PUBLISHER}/extensions/{EXTENSION}"),
    ]
    assert all("api-version=3.1-preview.1" in r.headers["Accept"] for r in uploads)
    assert uploads[0].headers["Authorization"] == "Basic " + base64.b64encode(
        f"OAuth:{creds.pat}".encode()).decode()


def test_tfx_publishes_what_adoext_packaged_and_shows_its_categories_and_tags(
    tfx: Tfx, creds: Secrets, tmp_path: Path, marketplace: MarketplaceState
) -> None:
    root = tmp_path / "ext"
    (root / "dist").mkdir(parents=True)
    (root / "img").mkdir()
    (root / "dist" / "hub.html").write_text("<html></html>")
    (root / "img" / "logo.png").write_bytes(PNG_1X1)
    manifest = base_manifest(publisher=PUBLISHER, id=EXTENSION, tags=["reports", "triage"])
    (root / "vss-extension.json").write_text(json.dumps(manifest))
    built = package(PackageOptions(cwd=root, output_path="out/ext.vsix"))

    published = tfx("publish", "--vsix", str(built.path), token=creds.pat)
    assert published.returncode == 0, published.stderr
    shown = tfx("show", *IDENT, token=creds.pat).json()

    assert shown["categories"] == ["Azure Boards"]
    assert shown["tags"] == ["reports", "triage"]
    assert [v["version"] for v in shown["versions"]] == [built.version]
    assert marketplace.extensions[(PUBLISHER, EXTENSION)].display_name == manifest["name"]


def test_tfx_refuses_a_version_that_does_not_increase_with_the_marketplace_message(
    tfx: Tfx, creds: Secrets, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    assert tfx("publish", "--vsix", str(make_vsix("1.0.0")), token=creds.pat).returncode == 0

    again = tfx("publish", "--vsix", str(make_vsix("1.0.0")), token=creds.pat)

    assert again.returncode != 0
    assert "Version number must increase each time an extension is published." in again.stderr
    assert len(marketplace.extensions[(PUBLISHER, EXTENSION)].versions) == 1


def test_tfx_and_adoext_see_each_others_changes(
    tfx: Tfx, adoext: Adoext, creds: Secrets, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    published = adoext("publish", "--vsix", str(make_vsix("2.0.0")))
    assert published.exit_code == 0, published.output

    shared = tfx("share", *IDENT, "--share-with", "contoso", "northwind", token=creds.pat)
    assert shared.returncode == 0, shared.stderr
    assert shared.json() == ["contoso", "northwind"]
    unshared = tfx("unshare", *IDENT, "--unshare-with", "contoso", token=creds.pat)
    assert unshared.returncode == 0, unshared.stderr

    shown = tfx("show", *IDENT, token=creds.pat)
    assert shown.returncode == 0, shown.stderr
    extension = shown.json()
    assert extension["extensionName"] == EXTENSION
    assert extension["publisher"]["publisherName"] == PUBLISHER
    assert [v["version"] for v in extension["versions"]] == ["2.0.0"]
    # azure-devops-node-api turned the flag names into enum values: ExtensionVersionFlags.Validated = 1.
    assert extension["versions"][0]["flags"] == 1
    assert [account["name"] for account in extension["sharedWith"]] == ["northwind"]

    # adoext reads what tfx changed.
    adoext_view = adoext("show", *IDENT, "--json")
    assert adoext_view.exit_code == 0, adoext_view.output
    assert json.loads(adoext_view.stdout)["sharedWith"] == ["northwind"]
    assert marketplace.extensions[(PUBLISHER, EXTENSION)].shared_with == {"northwind"}

    unpublished = tfx("unpublish", *IDENT, token=creds.pat)
    assert unpublished.returncode == 0, unpublished.stderr
    assert marketplace.extensions == {}
    gone = adoext("show", *IDENT)
    assert gone.exit_code != 0 and "is not published" in gone.stderr


def test_tfx_isvalid_reports_success_pending_and_the_failure_text(
    tfx: Tfx, adoext: Adoext, creds: Secrets, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    assert adoext("publish", "--vsix", str(make_vsix("1.0.0"))).exit_code == 0
    marketplace.validation_polls = 99
    assert adoext("publish", "--vsix", str(make_vsix("1.1.0")), "--no-wait-validation").exit_code == 0

    assert tfx("isvalid", *IDENT, "--version", "1.0.0", token=creds.pat).json() == {"status": "success"}
    assert tfx("isvalid", *IDENT, token=creds.pat).json() == {"status": "pending"}

    marketplace.validation_polls, marketplace.validation_failure = 1, "Icon is missing: images/logo.png"
    assert adoext("publish", "--vsix", str(make_vsix("1.2.0")), "--no-wait-validation").exit_code == 0
    failed = tfx("isvalid", *IDENT, "--version", "1.2.0", token=creds.pat)
    assert failed.json() == {"status": "error", "message": "Icon is missing: images/logo.png"}


def test_tfx_installs_through_the_organizations_resource_areas(
    tfx: Tfx, adoext: Adoext, creds: Secrets, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    assert adoext("publish", "--vsix", str(make_vsix("1.0.0")), "--share-with", "northwind").exit_code == 0
    org_url = f"{tfx.service_url}/northwind"

    installed = tfx("install", *IDENT, token=creds.pat, service_url=org_url)
    assert installed.returncode == 0, installed.stderr
    assert installed.json()["accounts"] == {org_url: {"installed": True, "issues": None}}
    assert marketplace.installs["northwind"] == {(PUBLISHER, EXTENSION)}
    paths = [r.path for r in marketplace.requests if r.path.startswith(("/northwind/", "/extmgmt/"))]
    assert paths == ["/northwind/_apis/Location", "/northwind/_apis/resourceAreas",
                     "/extmgmt/northwind/_apis/ExtensionManagement",
                     f"/extmgmt/northwind/_apis/ExtensionManagement/InstalledExtensionsByName/"
                     f"{PUBLISHER}/{EXTENSION}"]

    # TF1590010 is tfx's cue for "already installed": a warning, not a failure.
    again = tfx("install", *IDENT, token=creds.pat, service_url=org_url)
    assert again.returncode == 0, again.stderr
    assert "already installed, so nothing happened" in again.stdout

    unshared = tfx("install", *IDENT, token=creds.pat, service_url=f"{tfx.service_url}/contoso")
    assert unshared.returncode != 0
    assert "is not shared with 'contoso'" in unshared.stderr
    assert "contoso" not in marketplace.installs


def test_tfx_with_a_token_the_emulator_does_not_know_gets_401(
    tfx: Tfx, creds: Secrets, make_vsix: VsixFactory, marketplace: MarketplaceState
) -> None:
    # tfx takes any failed lookup for "not published yet" and tries to create, which then fails.
    result = tfx("publish", "--vsix", str(make_vsix("1.0.0")), token=creds.outsider_pat + "x")

    assert result.returncode != 0
    assert "401" in result.stderr
    assert marketplace.extensions == {}
    assert MEMBER not in result.stdout + result.stderr


def test_location_service_serves_only_the_areas_each_host_has(service_url: str) -> None:
    with httpx.Client(base_url=service_url) as http:
        gallery = http.options("/_apis/gallery").json()
        wrong_host = http.options("/contoso/_apis/gallery")
        unknown_org = http.options("/nowhere/_apis/Location")

    assert gallery["count"] == len(gallery["value"]) == 3
    by_id = {location["id"]: location for location in gallery["value"]}
    assert by_id["e11ea35a-16fe-4b80-ab11-c4cab88a0966"]["routeTemplate"] == (
        "_apis/gallery/publishers/{publisherName}/extensions/{extensionName}")
    assert wrong_host.status_code == 404
    assert wrong_host.json()["typeKey"] == "ResourceAreaNotFoundException"
    assert unknown_org.status_code == 404
    assert "TF400856" in unknown_org.json()["message"]
