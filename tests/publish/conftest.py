"""Fixtures for the Marketplace commands: the local emulator over real HTTP, VSIX builder, CLI runner."""

from __future__ import annotations

import secrets
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click
import httpx
import pytest
from adoext.cli import cli
from adoext.cli.commands import all_commands
from adoext.cli.marketplace_session import Runtime
from adoext.marketplace.publish import Clock
from adoext.marketplace.retry import RetryPolicy
from click.testing import CliRunner, Result

from backend.devtools.marketplace_emulator.app import serve
from backend.devtools.marketplace_emulator.state import MarketplaceState

PUBLISHER = "fabrikam"
EXTENSION = "report-bridge"
MEMBER = "alice@fabrikam.example"
OUTSIDER = "mallory@elsewhere.example"
SERVICE_PRINCIPAL = "deploy-sp"
ORGS = ("contoso", "northwind")


@dataclass
class FakeClock:
    """A clock that only moves when someone sleeps."""

    now_value: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def now(self) -> float:
        """Return the current fake time."""
        return self.now_value

    def sleep(self, seconds: float) -> None:
        """Record the wait and move time forward."""
        self.sleeps.append(seconds)
        self.now_value += seconds

    def as_clock(self) -> Clock:
        """Return the Clock the publish code takes."""
        return Clock(now=self.now, sleep=self.sleep)


@dataclass(frozen=True)
class Secrets:
    """Credentials generated for this test run only."""

    pat: str
    outsider_pat: str
    bearer: str


@pytest.fixture
def creds() -> Secrets:
    """Generate fresh credentials (never stored on disk).

    PATs are alphanumeric like Azure DevOps' own (52 characters here): a urlsafe token may start with
    '-', which a command line such as tfx's `--token <pat>` reads as an option.
    """
    return Secrets(secrets.token_hex(26), secrets.token_hex(26), secrets.token_urlsafe(48))


@pytest.fixture
def marketplace(creds: Secrets) -> MarketplaceState:
    """Arrange a publisher with one PAT user and one service principal, and two organizations."""
    state = MarketplaceState()
    state.add_publisher(PUBLISHER, MEMBER, SERVICE_PRINCIPAL)
    state.add_publisher("other-publisher")
    state.add_pat(creds.pat, MEMBER)
    state.add_pat(creds.outsider_pat, OUTSIDER)
    state.add_bearer(creds.bearer, SERVICE_PRINCIPAL)
    state.organizations.update(ORGS)
    return state


@pytest.fixture
def service_url(marketplace: MarketplaceState) -> Iterator[str]:
    """Serve the local Marketplace emulator over HTTP on an ephemeral port."""
    with serve(marketplace) as url:
        yield url


VsixFactory = Callable[..., Path]


def write_vsix(
    path: Path, *, publisher: str = PUBLISHER, extension: str = EXTENSION, version: str = "1.0.0",
    public: bool = False, padding: int = 0,
) -> Path:
    """Write a minimal VSIX like the packager's (content types, vsixmanifest, vsomanifest)."""
    flags = "<GalleryFlags>Public</GalleryFlags>" if public else ""
    manifest = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011">'
        f'<Metadata><Identity Language="en-US" Id="{extension}" Version="{version}" Publisher="{publisher}"/>'
        f"<DisplayName>Report Bridge</DisplayName>{flags}</Metadata>"
        '<Installation><InstallationTarget Id="Microsoft.VisualStudio.Services"/></Installation>'
        '<Assets><Asset Type="Microsoft.VisualStudio.Services.Manifest" '
        'Path="extension.vsomanifest"/></Assets>'
        "</PackageManifest>"
    )
    types = (
        '<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension=".vsixmanifest" ContentType="text/xml"/>'
        '<Default Extension=".vsomanifest" ContentType="application/json"/></Types>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("extension.vsomanifest", '{"manifestVersion": 1, "contributions": []}')
        if padding:
            # Random bytes stored uncompressed make the package exactly as big as a test needs.
            archive.writestr(zipfile.ZipInfo("dist/blob.bin"), secrets.token_bytes(padding))
        archive.writestr("extension.vsixmanifest", manifest)
    return path


@pytest.fixture
def make_vsix(tmp_path: Path) -> VsixFactory:
    """Build VSIX files in the test's temporary folder."""

    def factory(version: str = "1.0.0", **kwargs: object) -> Path:
        name = f"{kwargs.get('publisher', PUBLISHER)}.{kwargs.get('extension', EXTENSION)}-{version}.vsix"
        return write_vsix(tmp_path / name, version=version, **kwargs)  # type: ignore[arg-type]

    return factory


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock, so validation waits and retries take no real time."""
    return FakeClock()


def failing_transport() -> httpx.MockTransport:
    """A transport that fails the test if anything tries to use the network."""

    def handler(request: httpx.Request) -> httpx.Response:
        pytest.fail(f"unexpected network call: {request.method} {request.url}")

    return httpx.MockTransport(handler)


def registered_cli() -> click.Group:
    """Return the real adoext group with every command attached, as ``adoext.cli.main`` does."""
    group: click.Group = cli
    for command in all_commands():
        group.add_command(command)
    return group


@dataclass
class Adoext:
    """Run the real CLI in-process against the emulator, with injected clock and credentials."""

    service_url: str
    clock: FakeClock
    creds: Secrets
    runtime_overrides: dict[str, object] = field(default_factory=dict)

    def __call__(
        self, *args: str, pat: str | None = "default", env: Mapping[str, str | None] | None = None,
        stdin: str | None = None, service: bool = True,
    ) -> Result:
        """Invoke ``adoext <args>``; by default with the member's PAT in ADOEXT_PAT."""
        environment: dict[str, str | None] = {"ADOEXT_PAT": None, "AZURE_DEVOPS_EXT_PAT": None,
                                              "ADOEXT_SERVICE_URL": None, "ADOEXT_AUTH": None}
        if pat is not None:
            environment["ADOEXT_PAT"] = self.creds.pat if pat == "default" else pat
        environment.update(env or {})
        extra = ["--service-url", self.service_url, "--service-kind", "marketplace"] if service else []
        runtime = Runtime(clock=self.clock.as_clock(), retry=RetryPolicy(max_attempts=4),
                          **self.runtime_overrides)  # type: ignore[arg-type]
        runner = CliRunner()
        return runner.invoke(registered_cli(), [*args, *extra], obj=runtime, env=environment, input=stdin)


@pytest.fixture
def adoext(service_url: str, clock: FakeClock, creds: Secrets) -> Adoext:
    """The CLI, wired to the emulator."""
    return Adoext(service_url, clock, creds)


def one_line_error(result: Result) -> str:
    """Assert the run failed with exactly one error line and no traceback; return that line."""
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]
