"""--dry-run sends nothing, --help makes no network call, errors are one line; the real entry point works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from adoext.cli.marketplace_session import Runtime
from click.testing import CliRunner

from backend.devtools.marketplace_emulator.state import MarketplaceState

from .conftest import (
    EXTENSION,
    PUBLISHER,
    Adoext,
    Secrets,
    VsixFactory,
    failing_transport,
    registered_cli,
)

COMMANDS = ("publish", "share", "unshare", "install", "show", "isvalid", "unpublish")
IDENT = ("--publisher", PUBLISHER, "--extension-id", EXTENSION)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_makes_no_network_call(command: str) -> None:
    runtime = Runtime(
        transport=failing_transport(), credential_factory=lambda: pytest.fail("credential used")
    )

    result = CliRunner().invoke(registered_cli(), [command, "--help"], obj=runtime)

    assert result.exit_code == 0, result.output
    assert "--service-url" in result.output


def test_dry_run_publish_prints_every_request_and_sends_none(
    adoext: Adoext, make_vsix: VsixFactory, marketplace: MarketplaceState, service_url: str
) -> None:
    vsix = make_vsix()
    adoext.runtime_overrides["transport"] = failing_transport()

    result = adoext("publish", "--vsix", str(vsix), "--share-with", "contoso", "--dry-run")

    assert result.exit_code == 0, result.output
    assert marketplace.requests == []
    out = result.stdout
    base = f"{service_url}/_apis/gallery"
    assert f"GET {base}/publishers/{PUBLISHER}/extensions/{EXTENSION}?flags=1\n" in out
    assert f"POST {base}/extensions\n" in out
    assert f"PUT {base}/publishers/{PUBLISHER}/extensions/{EXTENSION}?bypassScopeCheck=false\n" in out
    assert f"POST {base}/publisher/{PUBLISHER}/extension/{EXTENSION}/accountsbyname/contoso\n" in out
    assert f"body: {vsix.stat().st_size} bytes" in out
    assert "Accept: application/json;api-version=7.2-preview.2" in out
    assert "Authorization: Basic <redacted>" in out


@pytest.mark.parametrize(
    "args",
    [
        ("share", *IDENT, "--org", "contoso", "--dry-run"),
        ("unshare", *IDENT, "--org", "contoso", "--dry-run"),
        ("install", *IDENT, "--org", "contoso", "--dry-run"),
        ("unpublish", *IDENT, "--dry-run"),
    ],
)
def test_dry_run_of_other_commands_sends_nothing(
    adoext: Adoext, marketplace: MarketplaceState, args: tuple[str, ...]
) -> None:
    adoext.runtime_overrides["transport"] = failing_transport()

    result = adoext(*args)

    assert result.exit_code == 0, result.output
    assert marketplace.requests == []
    assert "<redacted>" in result.stdout


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI as a user would, in a child process."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ADOEXT_", "AZURE_"))}
    return subprocess.run(
        [sys.executable, "-m", "adoext", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_subprocess_publish_then_isvalid_against_the_emulator(
    make_vsix: VsixFactory, marketplace: MarketplaceState, service_url: str, creds: Secrets, tmp_path: Path
) -> None:
    env = {"ADOEXT_PAT": creds.pat, "ADOEXT_SERVICE_URL": service_url, "ADOEXT_SERVICE_KIND": "marketplace"}
    vsix = make_vsix("3.1.4")

    published = _run(["publish", "--vsix", str(vsix), "--poll-interval", "0.05"], env, tmp_path)
    checked = _run(["isvalid", "--vsix", str(vsix), "--json"], env, tmp_path)

    assert published.returncode == 0, published.stderr
    assert "fabrikam.report-bridge 3.1.4 passed the Marketplace's validation." in published.stdout
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == '{"status": "success", "message": "Valid"}'
    assert creds.pat not in published.stdout + published.stderr + checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["publish", "--vsix", "missing.vsix"],
            4,
            "Error: Cannot read missing.vsix: No such file or directory.",
        ),
        (["unpublish", *IDENT], 1, "Error: unpublish deletes fabrikam.report-bridge and all its versions;"),
        (
            ["show", "--publisher", PUBLISHER],
            1,
            "Error: Name the extension: --vsix FILE, or both --publisher",
        ),
        (
            ["show", *IDENT, "--service-url", "ftp://example"],
            2,
            "Error: --service-url 'ftp://example' must start with https://",
        ),
    ],
)
def test_cli_errors_are_one_line_without_traceback(
    args: list[str], code: int, message: str, tmp_path: Path, creds: Secrets
) -> None:
    result = _run(args, {"ADOEXT_PAT": creds.pat}, tmp_path)

    assert result.returncode == code, result.stderr
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and result.stdout == ""
